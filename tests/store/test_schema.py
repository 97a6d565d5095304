"""data/schema.sql backs up the validator: its CHECK lists agree with spec.py, and it runs twice."""

from __future__ import annotations

import re

import duckdb
import pytest
from hypothesis import given, settings, strategies as st

from evaluation.ingest import spec
from evaluation.settings import SCHEMA_PATH

SCHEMA = SCHEMA_PATH.read_text(encoding="utf-8")


def _column_definition(key: str) -> str:
    """The text of one column's definition in case_versions, up to the next column."""
    body = SCHEMA.split("CREATE TABLE IF NOT EXISTS case_versions", 1)[1].split(");", 1)[0]
    match = re.search(rf"^\s+{key}\s+(.*?)(?=^\s+[a-z_]+\s+(?:VARCHAR|DATE|INTEGER|BOOLEAN)|\Z)",
                      body, re.S | re.M)
    assert match, f"{key} is not a column of case_versions"
    return match.group(1)


def test_schema_is_idempotent() -> None:
    con = duckdb.connect()
    con.execute(SCHEMA)
    con.execute(SCHEMA)
    columns = [r[0] for r in con.execute("DESCRIBE cases").fetchall()]
    assert columns[:1] == ["import_id"]
    assert set(spec.KEYS) <= set(columns), "the cases view has one column per spec key"


@pytest.mark.parametrize("column", [c for c in spec.COLUMNS if c.codes], ids=lambda c: c.key)
def test_check_lists_match_the_spec(column: spec.Column) -> None:
    quoted = set(re.findall(r"'([^']+)'", _column_definition(column.key)))
    assert set(column.codes) <= quoted, f"schema CHECK for {column.key} lacks spec codes"


def test_types_follow_the_design() -> None:
    con = duckdb.connect()
    con.execute(SCHEMA)
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_name = 'case_versions'").fetchall())
    for column in spec.COLUMNS:
        expected = {"month": "DATE", "yesno": "BOOLEAN", "int": "INTEGER", "list": "VARCHAR[]",
                    "names": "VARCHAR[]"}.get(column.kind, "VARCHAR")
        assert types[column.key] == expected, column.key


def test_constraints_reject_what_the_validator_rejects() -> None:
    con = duckdb.connect()
    con.execute(SCHEMA)
    good = dict(import_id=1, row_in_file=2, content_hash="h", sags_id="S1", netvaerk="Vrå",
                institutionstype="folkeskole", indberetningsmaaned="2025-03-01",
                aldersgruppe="12_14", kraenker="kendt", situation="A",
                kraenkelsestyper=["billeddeling"], vurdering=["paedagogisk"],
                foraeldre_inddraget="ja", dokumentation_sikret="ja", politianmeldt=False)

    def insert(**changes: object) -> None:
        row = {**good, **changes}
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        con.execute(f"INSERT INTO case_versions ({cols}) VALUES ({marks})", list(row.values()))

    insert()
    for bad in (dict(situation="C"), dict(kraenkelsestyper=["billeddeling", "x"]),
                dict(vurdering=[]), dict(foraeldre_inddraget="ikke_relevant"),
                dict(anmeldt_af="skolen"), dict(foraeldre_inddraget="nej", foraeldre_inddraget_dage=2),
                dict(indberetningsmaaned="2014-12-01"),
                dict(indberetningsmaaned="2025-03-02")):
        with pytest.raises(duckdb.ConstraintException):
            insert(**bad)


LIST_COLUMNS = [c for c in spec.COLUMNS if c.kind == "list"]


@pytest.fixture(scope="module")
def schema_con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(SCHEMA)
    return con


def _element(column: spec.Column):
    """List elements near the codes: the codes, other case, a blank before, unknown, NULL."""
    codes = list(column.codes)
    near = [code.upper() for code in codes[:2]] + [f" {codes[0]}", "x", ""]
    return st.one_of(st.sampled_from(codes), st.sampled_from(near), st.none(), st.text(max_size=4))


@pytest.mark.parametrize("column", LIST_COLUMNS, ids=lambda c: c.key)
def test_a_list_check_accepts_exactly_what_list_has_all_accepts(column: spec.Column,
                                                                 schema_con: duckdb.DuckDBPyConnection) -> None:
    """Migration 0023 replaced list_has_all(codes, list) by an ENUM cast that keeps the count of
    non-NULL elements: the same lists must pass and fail (NULL elements, look-alikes, case)."""
    definition = _column_definition(column.key)
    assert "list_has_all" not in definition and "TRY_CAST" in definition
    new_check = definition.split("CHECK", 1)[1].strip().removesuffix(",")
    old_check = f"list_has_all($codes, {column.key})"
    if "len(" in new_check:  # kraenkelsestyper, vurdering: at least one element, too
        old_check = f"len({column.key}) >= 1 AND {old_check}"
    sql = (f"SELECT coalesce({old_check}, true), coalesce({new_check}, true) "
           f"FROM (SELECT CAST($values AS VARCHAR[]) AS {column.key})")

    @settings(max_examples=150, deadline=None)
    @given(st.lists(_element(column), max_size=5))
    def check(values: list[str | None]) -> None:
        old, new = schema_con.execute(sql, {"codes": list(column.codes), "values": values}).fetchall()[0]
        assert new == old, values

    check()
    # an unknown code fails both rules
    assert schema_con.execute(sql, {"codes": list(column.codes), "values": ["andet", "x"]}).fetchall()[0] == (False, False)
