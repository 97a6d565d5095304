"""The link checker: are the plan's web addresses still right? (yearly evaluation question 3)

Every address in the registry, plus every web address the networks wrote in their learnings
(``cases.erfaringer``), is checked concurrently with httpx: HEAD first, GET when a server
refuses HEAD (403/405/501) or breaks on it; redirects are followed by hand (at most
``MAX_REDIRECTS``) so the whole chain is kept and loops are caught. Each address ends in one
class (codes as in the schema, Danish labels in ``STATUS_LABELS``):

- ``ok``: the final answer is 2xx; temporary redirects (302/303/307) are noted, not flagged.
  A permanent redirect to the *same printed address* (http→https, a trailing slash, www.) is
  ok too: the plan prints the address without scheme, so there is nothing to change.
- ``moved``: a permanent redirect (301/308) that ends in 2xx; the target of the last permanent
  redirect is proposed as the new address (``registry.update_address_url`` accepts it).
- ``broken``: a final 4xx/5xx, a redirect loop or too many redirects.
- ``unreachable``: DNS, refused connection, TLS, timeout.

Unreachable answers and 5xx are retried with a small backoff; nothing else is, because a 404
does not heal in half a second. An address printed without scheme is tried as https, and as
http only when https cannot connect (small local sites without TLS).

A machine without internet is told apart from dead addresses: when *every* check fails to
connect, the run is stored with ``error_kind = 'offline'``, the summary says so in Danish, and
those rows neither count as failures nor start a failing streak in ``latest_status``.
Checks run without holding the database; one ``db.writer`` transaction stores the whole run.
"""

from __future__ import annotations

import asyncio
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pandas as pd

from evaluation import __version__
from evaluation.store import db
from evaluation.errors import EvaluationError
from evaluation.plan.registry import printed_url
from evaluation.settings import settings

Progress = Callable[[int, int], None]

STATUS_LABELS = {"ok": "ok", "moved": "flyttet", "broken": "brudt", "unreachable": "kan ikke nås"}
NOT_CHECKED_LABEL = "ikke kontrolleret"
ERROR_TEXTS = {
    "dns": "navnet kunne ikke slås op (DNS)",
    "connect": "forbindelsen blev afvist eller kunne ikke oprettes",
    "tls": "sikker forbindelse (TLS/certifikat) mislykkedes",
    "timeout": "tidsgrænsen på {timeout} s blev overskredet",
    "protocol": "serveren afbrød forbindelsen eller svarede ugyldigt",
    "invalid": "adressen er ugyldig",
    "other": "ukendt netværksfejl",
    "loop": "omdirigeringerne går i ring",
    "too_many": "mere end {max} omdirigeringer",
    "http": "serveren svarede HTTP {status}",
    "offline": "ingen forbindelse til internettet under kontrollen",
}
MAX_REDIRECTS = 10
PERMANENT_REDIRECTS = frozenset({301, 308})
GET_FALLBACK_STATUSES = frozenset({403, 405, 501})
RETRY_KINDS = frozenset({"dns", "connect", "timeout", "protocol", "other"})
OFFLINE_KINDS = frozenset({"dns", "connect", "timeout"})
HTTP_FALLBACK_KINDS = frozenset({"connect", "tls"})
BACKOFF_S = 0.25
USER_AGENT = f"ssp-evaluering/{__version__} (kontrol af handleplanens webadresser)"

# An http(s) URL, or a bare domain with a common top-level domain ("sletdet.dk/hjaelp"), as
# written in free text. Trailing punctuation of the sentence is not part of the address.
_TAIL = r"[^\s<>\"'()]*[^\s<>\"'().,;:!?]"
URL_PATTERN = (r"(?i)\b(?:https?://" + _TAIL + r"|(?:[a-z0-9æøå](?:[a-z0-9æøå-]*[a-z0-9æøå])?\.)+"
               r"(?:dk|com|org|net|eu|info|nu|se|no|de|io)\b(?:/" + _TAIL + r")?)")


def _key_sql(column: str) -> str:
    """SQL for an address's comparison key (see ``address_key``); ``column`` is a constant."""
    return (f"lower(regexp_replace(regexp_replace(rtrim(trim({column}), '/'), '^https?://', '', 'i'), "
            "'^www[.]', '', 'i'))")


def address_key(url: str) -> str:
    """Two spellings of one address compare equal: no scheme, no trailing slash, no www., any case."""
    return re.sub(r"^www\.", "", printed_url(url), flags=re.I).casefold()


@dataclass(frozen=True)
class LinkResult:
    """The outcome of checking one address; ``chain`` is every hop as (url, HTTP status)."""

    url: str
    checked_url: str
    status: str
    http_status: int | None = None
    final_url: str | None = None
    proposed_url: str | None = None
    chain: tuple[tuple[str, int], ...] = ()
    error_kind: str | None = None
    error: str | None = None
    note: str | None = None
    elapsed_ms: int = 0
    attempts: int = 1
    checked_at: datetime = field(default_factory=datetime.now)
    address_id: str | None = None

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    def describe(self) -> str:
        """One Danish line for the CLI: class, address and what to do about it."""
        if self.status == "moved":
            return f"{self.label}: {self.url} → foreslået ny adresse: {self.proposed_url}"
        if self.status == "ok":
            return f"{self.label}: {self.url}" + (f" ({self.note})" if self.note else "")
        return f"{self.label}: {self.url} – {self.error}"


@dataclass(frozen=True)
class _Trace:
    """What one walk along the redirects saw; ``failure`` is an error kind or None."""

    chain: tuple[tuple[str, int], ...]
    failure: str | None = None


@dataclass(frozen=True)
class _Options:
    timeout: float
    retries: int
    concurrency: int
    per_host: int
    backoff_s: float


def _options(timeout: float | None, retries: int | None, concurrency: int | None, per_host: int | None,
             backoff_s: float) -> _Options:
    """Settings as defaults; nonsense values are a Danish error, not a hang."""
    opts = _Options(settings.link_timeout_s if timeout is None else float(timeout),
                    settings.link_retries if retries is None else int(retries),
                    settings.link_concurrency if concurrency is None else int(concurrency),
                    settings.link_per_host if per_host is None else int(per_host), float(backoff_s))
    if opts.timeout <= 0 or opts.retries < 0 or opts.concurrency < 1 or opts.per_host < 1 or opts.backoff_s < 0:
        raise EvaluationError("Linkkontrollen kræver en tidsgrænse over 0, mindst 0 gentagelser og mindst "
                              "én samtidig forespørgsel i alt og pr. server.")
    return opts


def _redact(url: str) -> str:
    """Drop user:password@ from a URL before it is stored or shown."""
    return re.sub(r"^([a-z][a-z0-9+.-]*://)[^/@]*@", r"\1", url, flags=re.I)


def _candidates(url: str) -> list[str]:
    """The URLs to try: as written when it has a scheme, else https and then http."""
    text = url.strip()
    if re.match(r"^[a-z][a-z0-9+.-]*://", text, re.I):
        return [text]
    return [f"https://{text}", f"http://{text}"]


def _causes(exc: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def error_kind(exc: BaseException) -> str:
    """Which kind of failure an exception from httpx is; the underlying OS error decides."""
    if isinstance(exc, (httpx.TimeoutException, TimeoutError)):
        return "timeout"
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
        return "invalid"
    for cause in _causes(exc):
        if isinstance(cause, socket.gaierror):
            return "dns"
        if isinstance(cause, ssl.SSLError):
            return "tls"
    if isinstance(exc, (httpx.ConnectError, ConnectionError)):
        return "connect"
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.LocalProtocolError, httpx.ReadError, httpx.WriteError)):
        return "protocol"
    return "other"


def _error_text(kind: str, *, timeout: float, status: int | None = None) -> str:
    return ERROR_TEXTS[kind].format(timeout=_danish_number(timeout), max=MAX_REDIRECTS, status=status)


def _danish_number(value: float) -> str:
    """0.5 → '0,5': Danish decimal comma in user-facing text."""
    return f"{value:g}".replace(".", ",")


def _moved_to(chain: tuple[tuple[str, int], ...]) -> str | None:
    """The target of the last permanent redirect in the chain, if any."""
    hops = [i for i, (_, status) in enumerate(chain[:-1]) if status in PERMANENT_REDIRECTS]
    return chain[hops[-1] + 1][0] if hops else None


def _classify(url: str, trace: _Trace, *, timeout: float, attempts: int = 1) -> LinkResult:
    """Turn what the walk saw into one class, with the Danish error or note."""
    base: dict[str, Any] = {"url": url, "checked_url": _redact(url), "attempts": attempts,
                            "chain": tuple((_redact(u), s) for u, s in trace.chain)}
    last = base["chain"][-1] if base["chain"] else None
    if trace.failure in ("loop", "too_many"):
        return LinkResult(status="broken", http_status=last[1], final_url=last[0], error_kind=trace.failure,
                          error=_error_text(trace.failure, timeout=timeout), **base)
    if trace.failure or last is None:
        kind = trace.failure or "other"
        return LinkResult(status="unreachable", error_kind=kind, error=_error_text(kind, timeout=timeout), **base)
    final_url, status = last
    if not 200 <= status < 300:
        return LinkResult(status="broken", http_status=status, final_url=final_url, error_kind="http",
                          error=_error_text("http", timeout=timeout, status=status), **base)
    moved_to = _moved_to(base["chain"])
    if moved_to and address_key(moved_to) != address_key(url):
        return LinkResult(status="moved", http_status=status, final_url=final_url,
                          proposed_url=printed_url(moved_to), **base)
    note = None
    if moved_to:
        note = f"permanent omdirigering til samme adresse ({final_url}); planens adresse er fortsat rigtig"
    elif len(base["chain"]) > 1:
        codes = ", ".join(str(s) for _, s in base["chain"][:-1])
        note = f"midlertidig omdirigering ({codes}) til {final_url}"
    return LinkResult(status="ok", http_status=status, final_url=final_url, note=note, **base)


def _retryable(result: LinkResult) -> bool:
    """Only what can heal by itself: no answer at all, or a server error."""
    if result.status == "unreachable":
        return result.error_kind in RETRY_KINDS
    return result.error_kind == "http" and (result.http_status or 0) >= 500


class _Checker:
    """Checks addresses on one client within the overall and per-host concurrency limits."""

    def __init__(self, client: httpx.AsyncClient, opts: _Options) -> None:
        self.client = client
        self.opts = opts
        self.overall = asyncio.Semaphore(opts.concurrency)
        self.hosts: dict[str, asyncio.Semaphore] = {}

    async def check(self, url: str) -> LinkResult:
        """One address, with the https→http fallback for addresses printed without scheme."""
        started = time.monotonic()
        async with self.overall:
            candidates = _candidates(url)
            result = await self._with_retries(candidates[0])
            if len(candidates) > 1 and result.error_kind in HTTP_FALLBACK_KINDS:
                plain = await self._with_retries(candidates[1])
                if plain.status != "unreachable":
                    note = "kun tilgængelig uden sikker forbindelse (http)"
                    result = replace(plain, note=f"{plain.note}; {note}" if plain.note else note)
        return replace(result, url=url, elapsed_ms=round((time.monotonic() - started) * 1000),
                       checked_at=datetime.now())

    async def _with_retries(self, url: str) -> LinkResult:
        result = _classify(url, await self._attempt(url), timeout=self.opts.timeout)
        for attempt in range(1, self.opts.retries + 1):
            if not _retryable(result):
                break
            await asyncio.sleep(self.opts.backoff_s * 2 ** (attempt - 1))
            result = _classify(url, await self._attempt(url), timeout=self.opts.timeout, attempts=attempt + 1)
        return result

    async def _attempt(self, url: str) -> _Trace:
        """HEAD first; GET when the server refuses HEAD or breaks the connection on it."""
        trace = await self._follow(url, "HEAD")
        refused = trace.failure is None and trace.chain[-1][1] in GET_FALLBACK_STATUSES
        if refused or trace.failure in ("protocol", "other"):
            trace = await self._follow(url, "GET")
        return trace

    async def _follow(self, url: str, method: str) -> _Trace:
        """Follow redirects by hand, recording each hop, until an answer, a loop or too many."""
        chain: list[tuple[str, int]] = []
        seen: set[str] = set()
        try:
            current = httpx.URL(url)
            for _ in range(MAX_REDIRECTS + 1):
                status, location = await self._request(method, current)
                chain.append((str(current), status))
                if not 300 <= status < 400 or not location:
                    return _Trace(tuple(chain))
                seen.add(str(current))
                current = current.join(location)
                if str(current) in seen:
                    return _Trace(tuple(chain), "loop")
            return _Trace(tuple(chain), "too_many")
        except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
            return _Trace(tuple(chain), error_kind(exc))

    async def _request(self, method: str, url: httpx.URL) -> tuple[int, str | None]:
        """One request within the host's limit; the body is never read."""
        slot = self.hosts.setdefault(url.host, asyncio.Semaphore(self.opts.per_host))
        async with slot:
            async with asyncio.timeout(self.opts.timeout * 2):  # httpx times each phase; this bounds all
                response = await self.client.send(self.client.build_request(method, url), stream=True)
                await response.aclose()
        return response.status_code, response.headers.get("location")


async def check_urls_async(urls: Iterable[str], *, timeout: float | None = None, retries: int | None = None,
                           concurrency: int | None = None, per_host: int | None = None,
                           backoff_s: float = BACKOFF_S, progress: Progress | None = None) -> list[LinkResult]:
    """Check addresses concurrently; one result per distinct address, in the order given."""
    opts = _options(timeout, retries, concurrency, per_host, backoff_s)
    unique = list(dict.fromkeys(urls))
    done = 0
    if progress:
        progress(0, len(unique))
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=opts.concurrency)
    async with httpx.AsyncClient(timeout=httpx.Timeout(opts.timeout), follow_redirects=False, limits=limits,
                                 headers={"User-Agent": USER_AGENT}) as client:
        checker = _Checker(client, opts)

        async def one(url: str) -> LinkResult:
            nonlocal done
            result = await checker.check(url)
            done += 1
            if progress:
                progress(done, len(unique))
            return result

        return list(await asyncio.gather(*(one(url) for url in unique)))


def check_urls(urls: Iterable[str], *, timeout: float | None = None, retries: int | None = None,
               concurrency: int | None = None, per_host: int | None = None, backoff_s: float = BACKOFF_S,
               progress: Progress | None = None) -> list[LinkResult]:
    """Blocking face of ``check_urls_async`` (no database); works inside a running loop too.

    A Jupyter/Voilà kernel already runs an event loop, so there the check runs on a thread.
    """
    job = check_urls_async(list(urls), timeout=timeout, retries=retries, concurrency=concurrency,
                           per_host=per_host, backoff_s=backoff_s, progress=progress)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(job)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, job).result()


# --- the database side ------------------------------------------------------------------------

LEARNING_URLS_SQL = f"""
SELECT min(url) AS url FROM (
    SELECT unnest(regexp_extract_all(erfaringer, ?)) AS url FROM cases WHERE erfaringer IS NOT NULL)
GROUP BY {_key_sql('url')} ORDER BY url"""

# Per registry address: the latest informative check of its *current* url (an accepted move
# makes the old checks irrelevant), and when its current run of failures began.
LATEST_SQL = f"""
WITH checks AS (
    SELECT c.* FROM link_checks c JOIN addresses a USING (address_id)
    WHERE coalesce(c.error_kind, '') <> 'offline' AND {_key_sql('c.url')} = {_key_sql('a.url')}),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY address_id ORDER BY checked_at DESC) AS rn,
           max(checked_at) FILTER (WHERE status IN ('ok', 'moved')) OVER (PARTITION BY address_id) AS last_good
    FROM checks),
streaks AS (
    SELECT address_id, min(checked_at) AS failing_since FROM ranked
    WHERE status IN ('broken', 'unreachable') AND (last_good IS NULL OR checked_at > last_good)
    GROUP BY address_id)
SELECT a.address_id, a.url, a.purpose, r.url AS checked_url, r.status, r.checked_at, r.http_status,
       r.final_url, r.proposed_url, r.error, r.note,
       CASE WHEN r.status IN ('broken', 'unreachable') THEN s.failing_since END AS failing_since,
       CASE WHEN r.status IN ('broken', 'unreachable')
            THEN datediff('day', CAST(s.failing_since AS DATE), CAST(r.checked_at AS DATE)) ELSE 0 END
           AS failing_days
FROM addresses a
LEFT JOIN ranked r ON r.address_id = a.address_id AND r.rn = 1
LEFT JOIN streaks s ON s.address_id = a.address_id
ORDER BY a.address_id"""

HISTORY_SQL = """
SELECT run_id, checked_at, url, status, http_status, final_url, proposed_url, chain, error_kind, error, note,
       elapsed_ms
FROM link_checks WHERE address_id = ? ORDER BY checked_at DESC, run_id DESC"""

STORE_COLUMNS = ("run_id", "checked_at", "url", "address_id", "status", "http_status", "final_url",
                 "proposed_url", "chain", "error_kind", "error", "note", "elapsed_ms")


def addresses_to_check(con: duckdb.DuckDBPyConnection) -> list[tuple[str | None, str]]:
    """(address_id, url) for every registry address, then each new address from the learnings."""
    known = [(row[0], row[1]) for row in con.execute("SELECT address_id, url FROM addresses "
                                                     "ORDER BY address_id").fetchall()]
    keys = {address_key(url) for _, url in known}
    found = [row[0] for row in con.execute(LEARNING_URLS_SQL, [URL_PATTERN]).fetchall()]
    return known + [(None, url) for url in found if address_key(url) not in keys]


@dataclass(frozen=True)
class RunSummary:
    """What one run checked and found; ``message()`` is the Danish conclusion."""

    run_id: int | None
    results: tuple[LinkResult, ...]
    offline: bool
    elapsed_s: float
    flagged: tuple[tuple[str, str, int], ...] = ()  # (address_id, url, failing_days)

    @property
    def counts(self) -> dict[str, int]:
        return {status: sum(r.status == status for r in self.results) for status in STATUS_LABELS}

    def message(self) -> str:
        n = len(self.results)
        if not n:
            return "Der er ingen webadresser at kontrollere."
        if self.offline:
            return (f"Ingen forbindelse til internettet – ingen af de {n} adresser kunne nås (navneopslag eller "
                    "forbindelse mislykkedes). Kontrollen er gemt, men tæller ikke som fejl på adresserne. "
                    "Kør 'ssp-eval links' igen, når maskinen er på nettet.")
        counts = ", ".join(f"{self.counts[s]} {label}" for s, label in STATUS_LABELS.items())
        text = f"Kontrollerede {n} adresser på {_danish_number(round(self.elapsed_s, 1))} s: {counts}."
        if self.counts["moved"]:
            text += " Flyttede adresser kan rettes i planregistret (forslaget står ovenfor)."
        return text

    def lines(self) -> list[str]:
        """Every result that needs attention, the flagged addresses, and the conclusion."""
        out = [r.describe() for r in self.results if self.offline or r.status != "ok"]
        out += [f"Fejlet i {days} dage i træk: {url} ({address_id})" for address_id, url, days in self.flagged]
        return out + [self.message()]


def _is_offline(results: list[LinkResult]) -> bool:
    return bool(results) and all(r.status == "unreachable" and r.error_kind in OFFLINE_KINDS for r in results)


def run(db_path: Path | str, *, progress: Progress | None = None, urls: Iterable[str] | None = None,
        timeout: float | None = None, retries: int | None = None, concurrency: int | None = None,
        per_host: int | None = None) -> RunSummary:
    """Check the registry's and the learnings' addresses (or ``urls``) and store the run.

    The database is only read before and written after the network work, in one writer
    transaction, so a slow check never holds the file.
    """
    started = time.monotonic()
    db_path = Path(db_path)
    with db.reader(db_path) as con:
        targets = addresses_to_check(con)
    if urls is not None:
        ids = {address_key(url): address_id for address_id, url in targets if address_id}
        targets = [(ids.get(address_key(url)), url) for url in dict.fromkeys(urls)]
    checked = {r.url: r for r in check_urls([url for _, url in targets], timeout=timeout, retries=retries,
                                            concurrency=concurrency, per_host=per_host, progress=progress)}
    results = [replace(checked[url], address_id=address_id) for address_id, url in targets]
    offline = _is_offline(results)
    if offline:
        results = [replace(r, error_kind="offline", error=f"{r.error}; {ERROR_TEXTS['offline']}") for r in results]
    if not results:
        return RunSummary(None, (), False, time.monotonic() - started)
    with db.writer(db_path) as con:
        run_id = int(con.execute("SELECT nextval('link_run_seq')").fetchall()[0][0])
        _store(con, run_id, results)
        status = latest_status(con)
    flagged = status[status["flagged"]]
    return RunSummary(run_id, tuple(results), offline, time.monotonic() - started,
                      tuple((a, u, int(d)) for a, u, d in zip(flagged["address_id"], flagged["url"],
                                                               flagged["failing_days"])))


def _store(con: duckdb.DuckDBPyConnection, run_id: int, results: list[LinkResult]) -> None:
    """All checks of a run as one frame, INSERT … SELECT (never row by row)."""
    frame = pd.DataFrame([{
        "run_id": run_id, "checked_at": r.checked_at, "url": r.checked_url, "address_id": r.address_id,
        "status": r.status, "http_status": r.http_status, "final_url": r.final_url, "proposed_url": r.proposed_url,
        "chain": [f"{status} {url}" for url, status in r.chain], "error_kind": r.error_kind, "error": r.error,
        "note": r.note, "elapsed_ms": r.elapsed_ms} for r in results], columns=list(STORE_COLUMNS))
    frame["http_status"] = frame["http_status"].astype("Int64")
    con.register("link_results", frame)
    try:
        con.execute(f"INSERT INTO link_checks ({', '.join(STORE_COLUMNS)}) SELECT run_id, checked_at, url, "
                    "address_id, status, http_status, final_url, proposed_url, CAST(chain AS VARCHAR[]), "
                    "error_kind, error, note, elapsed_ms FROM link_results")
    finally:
        con.unregister("link_results")


def latest_status(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per registry address: the latest class and Danish label, and how long it has been failing.

    ``failing_days`` counts calendar days from the first failing check of the current run of
    failures to the latest check (0 when the latest check is ok or moved); ``flagged`` when
    that reaches ``settings.link_failing_days``. Offline runs are ignored; an address with no
    informative check has no status and the label "ikke kontrolleret".
    """
    frame = con.execute(LATEST_SQL).df()
    frame["label"] = frame["status"].map(lambda s: STATUS_LABELS.get(s, NOT_CHECKED_LABEL))
    frame["failing_days"] = frame["failing_days"].fillna(0).astype(int)
    frame["flagged"] = frame["failing_days"] >= settings.link_failing_days
    return frame


def history(con: duckdb.DuckDBPyConnection, address_id: str) -> pd.DataFrame:
    """Every check ever made of one registry address, newest first, with the Danish label."""
    frame = con.execute(HISTORY_SQL, [address_id]).df()
    frame.insert(4, "label", frame["status"].map(STATUS_LABELS))
    return frame


def propose_moves(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Addresses whose latest check found a permanent move: the printed and the proposed address."""
    frame = latest_status(con)
    moved = frame[frame["status"] == "moved"]
    return moved[["address_id", "url", "proposed_url", "purpose", "checked_at"]].reset_index(drop=True)
