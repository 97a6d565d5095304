"""Does DuckDB's ``read_csv`` read a CSV's records as pandas does? The layout check, run beside the read.

The direct path (``readers.open_export``) lets DuckDB read a plain CSV into the staging table;
pandas reads every other one. Where the two differ is a matter of the file's *layout*, found
by one streamed pass over the bytes (:func:`plain_layout`). That pass is pure Python over the
whole file (~0.7 s per 300 MB) and DuckDB's read of the same file runs on one thread (its
parallel reader is not used: ``row_in_file`` needs the file's order, and that reader has lost
or doubled records at its chunk seams before, duckdb#25164, duckdb PR 15018), so :class:`LayoutCheck` runs the pass on a thread of its own, on the machine's
other core, while DuckDB reads; ``validate`` waits for the verdict before any cell is judged,
and a file that is not plain is then read again the pandas way, exactly as when the check came
first. The limits (size, lines, quotes) are still checked before the read (``readers``).

The same thread proves a file's UTF-8 when the reader took it as UTF-8 from its head alone
(``readers.direct_encoding``): the whole-file decode (~0.37 s per 300 MB) then overlaps the read
as well. A file that is not UTF-8 after all is opened again with its encoding decided from the
whole file by ``csvtext.detect_encoding`` (Windows-1252 is then transcoded and still read by
DuckDB; a mixed file is refused naming its rows).
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from evaluation.ingest import csvtext
from evaluation.ingest.csvtext import CHUNK_BYTES  # one chunk size for every streamed pass


class LayoutCheck:
    """:func:`plain_layout` of one file, computed on a background thread.

    ``start()`` starts the thread: just before DuckDB's read, so that it overlaps the read and
    not the Python work before it (which would only take turns with it for the interpreter).
    ``plain()`` waits for the verdict (starting the check if nobody did) and returns it, or
    raises what the check raised (e.g. an ``OSError``). ``wait()`` waits without raising, for
    cleaning up after a failed read. With ``prove_utf8`` a file is plain only if it all
    decodes as UTF-8, too.
    """

    def __init__(self, path: Path, delimiter: str, *, prove_utf8: bool = False) -> None:
        self._verdict: bool | None = None
        self._error: BaseException | None = None
        self.not_utf8 = False  # set by the thread: plain, but not UTF-8 as the head had promised
        self._thread = threading.Thread(target=self._run, args=(path, delimiter, prove_utf8),
                                        name="ssp-layout-check", daemon=True)

    def _run(self, path: Path, delimiter: str, prove_utf8: bool) -> None:
        try:
            plain = plain_layout(path, delimiter)
            self.not_utf8 = plain and prove_utf8 and not csvtext.decodes(path, "utf-8")
            self._verdict = plain and not self.not_utf8
        except BaseException as exc:  # handed to the waiting thread by plain()
            self._error = exc

    def start(self) -> None:
        if self._thread.ident is None:
            self._thread.start()

    def plain(self) -> bool:
        self.start()
        self._thread.join()
        if self._error is not None:
            raise self._error
        return bool(self._verdict)

    def wait(self) -> None:
        if self._thread.ident is not None:
            self._thread.join()


def plain_layout(path: Path, delimiter: str) -> bool:
    """True when no record follows a blank line, no CR stands alone, no quote follows blanks.

    Those are the three places where DuckDB's ``read_csv`` and pandas' reading differ. A
    quoted blank line or a ``; "`` inside a quoted text also counts (then pandas reads the
    file: correct, only slower). One streamed pass with C-speed ``find``/``count`` (memchr
    first where the byte is rare); chunks are never concatenated, their seams are checked
    in a small buffer of their own.
    """
    spaced_quote = re.compile(rb"[\n" + re.escape(delimiter.encode()) + rb'][ \t]+"')
    first_blank: int | None = None
    last_data, offset, tail = -1, 0, b""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            seam = tail + chunk[:re.match(rb"[ \t]*", chunk).end() + 2]  # patterns across the seam
            for buffer, base in ((seam, offset - len(tail)), (chunk, offset)):
                if first_blank is None:
                    hits = [buffer.find(b"\n\n")] + ([buffer.find(b"\n\r\n")] if b"\r" in buffer else [])
                    hits = [base + p for p in hits if p >= 0]
                    first_blank = min(hits) if hits else None
                if ((b' "' in buffer or (b"\t" in buffer and b'\t"' in buffer)) and (
                        spaced_quote.search(buffer) or (base == 0 and re.match(rb'(\xef\xbb\xbf)?[ \t]+"', buffer)))):
                    return False
            if b"\r" in chunk and chunk.count(b"\r") - chunk.count(b"\r\n") != chunk.endswith(b"\r"):
                return False
            if tail.endswith(b"\r") and not chunk.startswith(b"\n"):
                return False
            end = len(chunk)
            while end and chunk[end - 1] in b"\r\n":  # trailing line breaks (rstrip would copy)
                end -= 1
            if end:
                last_data = offset + end - 1
            tail = _seam_tail(tail, chunk)
            offset += len(chunk)
    return first_blank is None or last_data < first_blank


def _seam_tail(tail: bytes, chunk: bytes) -> bytes:
    """The end of the stream so far that a pattern may continue from: its trailing blanks and
    the two bytes before them (a run of blanks may span several chunks)."""
    blanks = len(chunk) - len(chunk.rstrip(b" \t")) if chunk[-1:] in (b" ", b"\t") else 0
    if blanks == len(chunk):
        return tail + chunk
    keep = blanks + 2
    return chunk[-keep:] if len(chunk) >= keep else (tail + chunk)[-keep:]
