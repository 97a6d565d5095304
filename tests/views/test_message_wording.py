"""Ingest's messages keep the wording rules too (issue 13, item 4): they once showed keys like
»(kraenkelsestyper)« and listed allowed values as lowercase codes that differ from the labels
the template offers. A file with a mistake in every coded column is loaded through the real
ingest; every message is read as the Indlæs page and the CLI show it (``str(message)``)."""

from __future__ import annotations

import re
from pathlib import Path

from evaluation.ingest import ingest, spec
from evaluation.store import db
from wording import internal_keys, problems

# Every coded column of the contract with a value no one may write, plus a column key header
# (a file may use keys: the messages must still name the template's label).
BAD_VALUE = "ikke-en-vaerdi"


def bad_file(path: Path) -> Path:
    columns = [c for c in spec.COLUMNS if c.codes or c.kind == "yesno" or c.required]
    good = {"sags_id": "X-1", "netvaerk": "Sindal", "indberetningsmaaned": "2025-03", "situation": "A"}
    header = ";".join(c.key for c in columns)
    row = ";".join(good.get(c.key, BAD_VALUE) for c in columns)
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")
    return path


def test_ingest_messages_name_labels_and_list_the_template_s_values(tmp_path: Path) -> None:
    database = tmp_path / "ingest.duckdb"
    db.init(database)
    result = ingest.ingest_file(database, bad_file(tmp_path / "fejl.csv"))
    assert result.status == "rejected"
    texts = [str(m) for m in result.messages]
    assert len(texts) >= 10, texts
    keys = internal_keys(db_path=database)
    # ISO months are allowed here: the messages teach how to write a month in the file (ÅÅÅÅ-MM).
    found = [p for p in problems("\n".join(texts), keys, where="indlæsning") if "ISO-dato" not in p]
    assert found == [], "\n".join(found)
    for col in spec.COLUMNS:
        hidden = {code for code, label in col.codes.items() if code != label and code.lower() != label.lower()}
        for text in texts:
            if "Tilladt:" not in text:
                continue
            allowed = text.split("Tilladt:", 1)[1]
            for label in sorted(col.codes.values(), key=len, reverse=True):  # a code inside a label is fine
                allowed = allowed.replace(label, " ")
            shown = [code for code in hidden if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", allowed)]
            assert shown == [], f"koder i stedet for skabelonens tekster: {shown} i »{text}«"
