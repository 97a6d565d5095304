"""The properties every export file must keep, judged on one real ingest (CI test and long run).

For one drawn file, :func:`judge` copies a seeded database, runs ``ingest_file`` and reports:

* the outcome is ``loaded``, ``unchanged`` or ``rejected`` — never an exception; a rejection
  names the rule it broke, and the last guard's rule ``intern_fejl`` (a bug) is counted apart;
* no message line, summary or stored audit value contains personal data planted in the file;
* after a rejection, every table but ``rejected_files`` is unchanged (its content fingerprint),
  and ``rejected_files`` has exactly one new row; after a load, the import's current cases are
  exactly the rows the result says were new or replaced (nothing half-loaded);
* the seconds and the peak resident memory of the process during the ingest (Linux resets
  the peak with ``/proc/self/clear_refs``, so each file is measured on its own).
"""

from __future__ import annotations

import shutil
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from evaluation.ingest import ingest

INTERNAL = "intern_fejl"
AUDITED = ("rejected_files",)


@dataclass
class Verdict:
    """What happened to one file, and which properties it broke (empty lists: none)."""

    name: str
    layers: tuple[str, ...]
    status: str = ""
    rules: list[str] = field(default_factory=list)
    crash: str | None = None
    internal: bool = False
    leaked: list[str] = field(default_factory=list)
    changed_on_reject: list[str] = field(default_factory=list)
    partial: bool = False
    seconds: float = 0.0
    peak_rss: int = 0
    size: int = 0

    @property
    def ok(self) -> bool:
        return not (self.crash or self.internal or self.leaked or self.changed_on_reject or self.partial)


def fingerprint(path: Path, con: duckdb.DuckDBPyConnection | None = None) -> dict[str, tuple]:
    """Each table's row count and an order-free hash of its rows (one statement for all tables)."""
    own = con is None
    con = con or duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1").fetchall()]
        sql = " UNION ALL ".join(f"SELECT '{t}', count(*), sum(hash(t)) FROM \"{t}\" AS t" for t in tables)
        return {name: (n, h) for name, n, h in con.execute(sql).fetchall()}
    finally:
        if own:
            con.close()


_TEMPLATES: dict[tuple[Path, float], dict[str, tuple]] = {}


def _template_fingerprint(template_db: Path) -> dict[str, tuple]:
    """The fingerprint of the seeded database every file starts from (taken once)."""
    key = (template_db, template_db.stat().st_mtime)
    if key not in _TEMPLATES:
        _TEMPLATES[key] = fingerprint(template_db)
    return _TEMPLATES[key]


def _reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _peak_rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def judge(template_db: Path, workdir: Path, name: str, data: bytes, secrets: set[str],
          layers: tuple[str, ...] = ()) -> Verdict:
    """Ingest one file into a copy of ``template_db`` and check every property."""
    verdict = Verdict(name, layers, size=len(data))
    target = workdir / "fuzz.duckdb"
    shutil.copyfile(template_db, target)
    export = workdir / name
    export.write_bytes(data)
    before = _template_fingerprint(template_db)
    _reset_peak()
    start = time.perf_counter()
    try:
        result = ingest.ingest_file(target, export)
    except Exception as exc:  # the property: this never happens
        verdict.crash = f"{type(exc).__name__}: {traceback.format_exc(limit=-3)}"
        return verdict
    finally:
        verdict.seconds = time.perf_counter() - start
        verdict.peak_rss = _peak_rss()
        export.unlink(missing_ok=True)
    verdict.status = result.status
    verdict.rules = sorted({m.rule for m in result.messages if m.level == "fejl"})
    verdict.internal = INTERNAL in verdict.rules
    lines = [str(m) for m in result.messages] + [result.summary()]
    con = duckdb.connect(str(target), read_only=True)  # the database as ingest left it, read once
    try:
        verdict.leaked = sorted({s for s in secrets for line in lines if s in line} | _stored_secrets(con, secrets))
        after = fingerprint(target, con)
        if result.status == "rejected":
            verdict.changed_on_reject = [t for t in after if t not in AUDITED and after[t] != before.get(t)]
            if after["rejected_files"][0] != before["rejected_files"][0] + 1:
                verdict.changed_on_reject.append("rejected_files")
        elif result.status == "loaded":
            verdict.partial = _partial(con, result)
        elif after != before:
            verdict.changed_on_reject = [t for t in after if after[t] != before.get(t)]
    finally:
        con.close()
    return verdict


def _stored_secrets(con: duckdb.DuckDBPyConnection, secrets: set[str]) -> set[str]:
    """Planted personal data in the audit columns (file names, networks, first rules)."""
    if not secrets:
        return set()
    stored = con.execute("SELECT file_name, network, first_error FROM rejected_files "
                         "UNION ALL SELECT file_name, network, NULL FROM imports").fetchall()
    text = "\n".join(str(v) for row in stored for v in row if v is not None)
    return {s for s in secrets if s in text}


def _partial(con: duckdb.DuckDBPyConnection, result: ingest.IngestResult) -> bool:
    """True when the database does not hold exactly what the result says was loaded."""
    written, current = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE replaced_by_import IS NULL) FROM case_versions WHERE import_id = ?",
        [result.import_id]).fetchone()
    expected = result.rows_new + result.rows_replaced
    return written != expected or current != expected or result.rows != expected + result.rows_unchanged
