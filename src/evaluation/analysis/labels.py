"""Danish labels for coded values, shared by the query modules so every page says the same.

Codes stay the machine keys; a label is what a person reads. Empty optional fields are
reported as their own value, ``ikke_registreret`` ("Ikke registreret"), rather than hidden.
"""

from __future__ import annotations

import pandas as pd

from evaluation.ingest import spec

NOT_RECORDED = "ikke_registreret"
NOT_RECORDED_LABEL = "Ikke registreret"
YES_NO_LABELS: dict[str, str] = {"ja": "Ja", "nej": "Nej"}


def value_label(key: str, value: object) -> str:
    """Danish label of one value of a spec column (yes/no, code, or not recorded)."""
    if value is None or value is pd.NA or value == NOT_RECORDED:
        return NOT_RECORDED_LABEL
    if isinstance(value, float) and pd.isna(value):
        return NOT_RECORDED_LABEL
    column = spec.COLUMN_BY_KEY.get(key)
    if column is not None and column.kind == "yesno":
        return YES_NO_LABELS.get(str(value), str(value))
    if column is not None:
        return spec.label_of(key, str(value))
    return str(value)
