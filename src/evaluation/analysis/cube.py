"""Aggregated "cubes" of the cases, cached in-process per version of the database file.

Why: the dashboards' filter (year, networks, institution types, situation) has few values,
and every number the pages show is a count. So each question (key figures, adherence,
outcomes, completeness, an Udforsk cut) gets one SQL ``GROUP BY`` over the filter dimensions
(``netvaerk``, ``institutionstype``, ``situation`` and the reporting year or month) that
carries every numerator and denominator it needs. Counts add up across cells, so any filter
is then a pandas selection and a sum over a few thousand rows: a filter change at a million
cases costs milliseconds instead of a scan (issue #3; figures in ``benchmarks/queries.py``).
Lists (platforms, offence types) are unnested inside the cube query, so a case counts once
per value exactly as in the direct SQL.

Partitions by year: building a cube for all years is a full scan, several times a single
filtered query. A cube is therefore stored per reporting year (``cube_year``) and built
lazily: the first look at a year costs about what the direct query cost, every later filter
change on that year is a lookup. Missing years are built together in one query.

Data versions: a cube is valid for one version of the data. ``db.writer`` replaces the file
atomically on every write, so the file's identity (path, device, inode, mtime_ns, size)
changes with every write, and a reader opened after a write gets fresh cubes. A connection can
still read an *older* instance than the file on disk (opened before the replace, or DuckDB's
per-process instance cache handing out the old instance while another connection is alive),
so the key also holds a stamp read through the connection itself (import count, newest
import id and case-version count; only ingest changes cases, and it always adds an import).
Only read-only connections on a file are cached: a read-write connection (inside
``db.writer``) or an in-memory database gets ``None`` and the caller runs its direct SQL.
At most ``MAX_VERSIONS`` versions and ``MAX_BYTES`` of frames are kept (least recently used
dropped first), so memory stays bounded in a long-lived Voilà kernel.

Not everything adds up: a checksum over sorted case ids can't be assembled from parts, so it
is remembered whole per version and filter (``remember``); list pages (learnings) are not
cached. ``bypass()`` turns caching off for a block, which the tests and the benchmark use to
compare with the direct SQL.
"""

from __future__ import annotations

import os
import sys
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import duckdb
import pandas as pd

from evaluation.analysis.filters import Filters

T = TypeVar("T")

YEAR = "cube_year"  # the partition column every partitioned cube selects
FILTER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("netvaerk", "networks"), ("institutionstype", "institution_types"), ("situation", "situations"),
)
MAX_VERSIONS = 2  # the current data and the one before (a reader still on the old file)
# Every cube of every question at a million cases took 37 MiB in benchmarks/queries.py.
MAX_BYTES = 256 * 2**20

# The connection's own view of the data; see "Data versions" above.
_VERSION_SQL = """
SELECT (SELECT path FROM duckdb_databases() WHERE database_name = current_database()),
       (SELECT readonly FROM duckdb_databases() WHERE database_name = current_database()),
       (SELECT count(*) FROM imports), (SELECT coalesce(max(import_id), 0) FROM imports),
       (SELECT count(*) FROM case_versions)
"""

# The base cube: cases per reporting month and filter cell, over all years. Trend, situation
# split, filter options, the year helpers and the Udforsk size check read it.
_CASE_COUNTS_SQL = """
SELECT indberetningsmaaned AS month, netvaerk, institutionstype, situation, count(*) AS cases
FROM cases
GROUP BY ALL
"""


@dataclass(frozen=True)
class DataVersion:
    """One version of one database file, as seen by a connection (see the module docstring)."""

    path: str
    device: int
    inode: int
    mtime_ns: int
    size: int
    stamp: tuple[int, ...]


@dataclass(frozen=True)
class CacheInfo:
    """What the cache holds now: for tests, the benchmark and a curious maintainer."""

    versions: int
    entries: int
    bytes: int  # pandas' deep memory usage of the cached frames


_bypassed: ContextVar[bool] = ContextVar("cube_bypassed", default=False)
_lock = threading.Lock()  # guards _store and _versions_seen (Voilà pages query from worker threads)
_store: OrderedDict[tuple[DataVersion, Hashable], tuple[Any, int]] = OrderedDict()  # LRU order
_versions_seen: weakref.WeakKeyDictionary[Any, DataVersion | None] = weakref.WeakKeyDictionary()


@contextmanager
def bypass() -> Iterator[None]:
    """Within the block (this thread/context), every question runs its direct SQL."""
    token = _bypassed.set(True)
    try:
        yield
    finally:
        _bypassed.reset(token)


def clear() -> None:
    """Forget every cube (the benchmark's 'cold' runs; tests)."""
    with _lock:
        _store.clear()
        _versions_seen.clear()


def cache_info() -> CacheInfo:
    """Versions, entries and bytes held."""
    with _lock:
        versions = {version for version, _ in _store}
        return CacheInfo(len(versions), len(_store), sum(size for _, size in _store.values()))


def data_version(con: duckdb.DuckDBPyConnection) -> DataVersion | None:
    """The data version ``con`` reads, or None when its answers must not be cached.

    None for an in-memory database, a read-write connection (its data can change under the
    same identity) and inside ``bypass()``. Remembered per connection object: a read-only
    connection keeps reading the instance it opened, so its version can't change.
    """
    if _bypassed.get():
        return None
    try:
        with _lock:
            if con in _versions_seen:
                return _versions_seen[con]
    except TypeError:  # a stand-in that can't be weakly referenced: never cache its answers
        return None
    version = _read_version(con)
    with _lock:
        _versions_seen[con] = version
    return version


def _read_version(con: duckdb.DuckDBPyConnection) -> DataVersion | None:
    """Ask the connection what it reads, then the file system what the file is."""
    try:
        path, read_only, *stamp = con.execute(_VERSION_SQL).fetchall()[0]
    except duckdb.Error:  # an older DuckDB without these columns, or no case tables: no cache
        return None
    if not path or not read_only:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return DataVersion(os.path.abspath(path), st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size,
                       tuple(int(v) for v in stamp))


def _size(value: Any) -> int:
    """Bytes a cached value holds (deep, so Python str cells count)."""
    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(deep=True).sum())
    return sys.getsizeof(value)


def _lookup(version: DataVersion, key: Hashable) -> tuple[bool, Any]:
    with _lock:
        entry = _store.get((version, key))
        if entry is None:
            return False, None
        _store.move_to_end((version, key))
        return True, entry[0]


def _keep(version: DataVersion, key: Hashable, value: Any) -> None:
    """Store one entry; keep the MAX_VERSIONS most recently used versions, then trim by size."""
    size = _size(value)
    if size > MAX_BYTES // 4:  # one huge cube would push everything else out: don't keep it
        return
    with _lock:
        _store[(version, key)] = (value, size)
        _store.move_to_end((version, key))
        last_use = {v: i for i, (v, _) in enumerate(_store)}
        recent = sorted(last_use, key=last_use.__getitem__)[-MAX_VERSIONS:]
        for stored in [k for k in _store if k[0] not in recent]:
            del _store[stored]
        total = sum(s for _, s in _store.values())
        while total > MAX_BYTES and len(_store) > 1:
            _, (_, dropped) = _store.popitem(last=False)
            total -= dropped


def remember(con: duckdb.DuckDBPyConnection, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` once per data version and key (for answers that don't add up)."""
    version = data_version(con)
    if version is None:
        return compute()
    found, value = _lookup(version, key)
    if not found:
        value = compute()
        _keep(version, key, value)
    return value


def case_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    """Cases per (month, netvaerk, institutionstype, situation), all years; None: not cached.

    Columns: month (first of the month, datetime64), year and month_no (ints), the three
    filter columns and ``cases``. One full scan with one aggregate per data version.
    """
    if data_version(con) is None:
        return None

    def build() -> pd.DataFrame:
        frame = con.execute(_CASE_COUNTS_SQL).df()
        months = pd.to_datetime(frame["month"])
        frame["year"] = months.dt.year.astype("int64")
        frame["month_no"] = months.dt.month.astype("int64")
        return frame

    return remember(con, "case_counts", build)


def years_present(con: duckdb.DuckDBPyConnection) -> list[int] | None:
    """Reporting years with cases, oldest first (None when not cached)."""
    counts = case_counts(con)
    return None if counts is None else sorted(int(y) for y in counts["year"].unique())


def years_of(con: duckdb.DuckDBPyConnection, filters: Filters) -> list[int] | None:
    """The partitions a filter needs: its year, or every year with cases when it has none."""
    if filters.year is not None:
        return [filters.year] if data_version(con) is not None else None
    return years_present(con)


def partitions(con: duckdb.DuckDBPyConnection, family: Hashable, sql: str,
               params: dict[str, Any], years: Iterable[int]) -> pd.DataFrame | None:
    """The rows of ``family``'s cube for ``years``; None when the connection isn't cached.

    ``sql`` must select ``year(indberetningsmaaned) AS cube_year`` and group by it, and put
    ``{where}`` where the rows are read (more than once is fine, e.g. in a UNION; it is
    replaced as plain text, so struct literals with braces are safe elsewhere); it becomes
    the half-open date range of the missing years, passed as ``$cube_start``/``$cube_end``.
    ``params`` are further named parameters. Each run of consecutive missing years is built
    in one query and stored one partition per year (an empty one for a year without cases).
    """
    version = data_version(con)
    if version is None:
        return None
    wanted = sorted({int(y) for y in years})
    if not wanted:  # no years at all (an empty database): the cube's columns, no rows
        return remember(con, (family, None), lambda: _build(con, sql, params, 2000, 1999))
    parts: dict[int, pd.DataFrame] = {}
    for year in wanted:
        found, part = _lookup(version, (family, year))
        if found:
            parts[year] = part
    for first, last in _runs([y for y in wanted if y not in parts]):
        built = _build(con, sql, params, first, last)
        for year in range(first, last + 1):
            parts[year] = built[built[YEAR] == year].reset_index(drop=True)
            _keep(version, (family, year), parts[year])
    chosen = [parts[y] for y in wanted]
    return chosen[0] if len(chosen) == 1 else pd.concat(chosen, ignore_index=True)


def _runs(years: list[int]) -> list[tuple[int, int]]:
    """Sorted years as runs of consecutive years: [2018, 2019, 2025] -> [(2018, 2019), (2025, 2025)]."""
    runs: list[tuple[int, int]] = []
    for year in years:
        if runs and runs[-1][1] == year - 1:
            runs[-1] = (runs[-1][0], year)
        else:
            runs.append((year, year))
    return runs


def _build(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any], first: int,
           last: int) -> pd.DataFrame:
    """Run a partitioned cube query over the reporting years first..last (none if last < first)."""
    clause = "indberetningsmaaned >= $cube_start AND indberetningsmaaned < $cube_end"
    start, end = date(first, 1, 1), date(max(first, last + 1), 1, 1)
    return con.execute(sql.replace("{where}", clause), {**params, "cube_start": start, "cube_end": end}).df()


def select(frame: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Rows of a cube inside the filter's networks, institution types and situations.

    The year is chosen by partition (or by the caller); values match exactly as
    ``list_contains`` does in ``filters.where``. Returns ``frame`` itself when nothing is
    restricted: callers never modify a cube.
    """
    mask = None
    for column, attribute in FILTER_COLUMNS:
        values = getattr(filters, attribute)
        if values:
            hit = frame[column].isin(values)
            mask = hit if mask is None else mask & hit
    return frame if mask is None else frame[mask]
