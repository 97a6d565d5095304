"""What ``GET /ssp/download/<kind>/<name>`` may send, and where each file comes from.

A download is never a path the browser chose: ``kind`` picks a producer from ``KINDS`` and
``name`` must be one of the names that producer makes (or, for reports, a plain file name
directly inside the configured reports folder). Generated files (the template, the
actioncard, the plan export) are written by the same library functions the CLI calls, into a
private temporary folder that is removed once the file is sent.

Every function here is blocking (files, DuckDB, a browser for the actioncard's PDF): the
handler runs them in a worker thread, never on the server's event loop.
"""

from __future__ import annotations

import mimetypes
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from evaluation.errors import EvaluationError


class DownloadRefused(EvaluationError):
    """The request names something that is not a download (or not for this person)."""


class DownloadMissing(EvaluationError):
    """A well-formed name that does not exist (an old link, a report not made yet)."""


@dataclass(frozen=True)
class Download:
    """One file to send: where it is, the name the browser saves it as, and what to remove after."""

    path: Path
    file_name: str
    media_type: str
    temporary_dir: Path | None = None

    def cleanup(self) -> None:
        if self.temporary_dir is not None:
            shutil.rmtree(self.temporary_dir, ignore_errors=True)


# A file name as the producers and the report write them: letters (Danish too), digits,
# space, dot, dash, underscore, parentheses. No separators, no leading dot, no "..".
SAFE_NAME = re.compile(r"[^\W_][\w .()\-]{0,199}")
REPORT_SUFFIXES = (".html", ".pdf", ".docx", ".xlsx", ".csv", ".ipynb")


def check_name(name: str) -> str:
    """The name if it is a plain file name, else ``DownloadRefused`` (no path can sneak in)."""
    normal = unicodedata.normalize("NFC", name)
    if (not SAFE_NAME.fullmatch(normal) or ".." in normal or normal != normal.strip()):
        raise DownloadRefused("Filnavnet er ikke gyldigt.")
    return normal


def media_type(name: str) -> str:
    guessed, _ = mimetypes.guess_type(name)
    if name.endswith(".yaml"):
        return "application/yaml"
    return guessed or "application/octet-stream"


def _in_folder(folder: Path, name: str) -> Path:
    """``folder/name`` only when it is a regular file directly inside ``folder``."""
    root = folder.resolve()
    candidate = (root / name).resolve()
    if candidate.parent != root:
        raise DownloadRefused("Filnavnet er ikke gyldigt.")
    if not candidate.is_file():
        raise DownloadMissing(f"Filen {name} findes ikke (længere). Genindlæs siden for at se de filer, der er nu.")
    return candidate


def report_file(name: str, *, db_path: Path, reports_dir: Path) -> Download:
    """A file the report wrote into the reports folder (HTML, PDF, the run notebook, logs)."""
    if not name.endswith(REPORT_SUFFIXES):
        raise DownloadRefused("Den slags fil kan ikke hentes herfra.")
    path = _in_folder(reports_dir, name)
    return Download(path, name, media_type(name))


def _generated(name: str, allowed: tuple[str, ...], make: Callable[[Path], list[Path]]) -> Download:
    """Run ``make(tmp_dir)`` and hand out the file called ``name`` (one of ``allowed``)."""
    if name not in allowed:
        raise DownloadMissing(f"Filen {name} findes ikke. Her kan hentes: {', '.join(allowed)}.")
    tmp = Path(tempfile.mkdtemp(prefix="ssp-hent-"))
    try:
        made = {path.name: path for path in make(tmp)}
        if name not in made:
            raise DownloadMissing(f"Filen {name} blev ikke lavet.")
        return Download(made[name], name, media_type(name), temporary_dir=tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def template_file(name: str, *, db_path: Path, reports_dir: Path) -> Download:
    """The fill-in template for the networks (.xlsx with guidance and drop-downs, or .csv)."""
    from evaluation.ingest import template

    return _generated(name, (template.XLSX_NAME, template.CSV_NAME), template.write_templates)


def actioncard_file(name: str, *, db_path: Path, reports_dir: Path) -> Download:
    """Today's actioncard from the plan registry, as one printable page (PDF) or HTML."""
    from evaluation.plan import actioncard

    return _generated(name, (actioncard.PDF_NAME, actioncard.HTML_NAME),
                      lambda out: actioncard.write(db_path, out))


PLAN_NAME = "handleplan.yaml"


def plan_file(name: str, *, db_path: Path, reports_dir: Path) -> Download:
    """The plan registry written out as YAML (the same as ``ssp-eval plan export``)."""
    from evaluation.plan import registry
    from evaluation.store import db

    def make(out: Path) -> list[Path]:
        with db.reader(db_path) as con:
            return [registry.export_plan(con, out / PLAN_NAME)]

    return _generated(name, (PLAN_NAME,), make)


def network_file(name: str, *, db_path: Path, reports_dir: Path) -> Download:
    """A network's meeting sheet (``2025-Sindal.pdf``), printed on request (``network_sheet``)."""
    from evaluation.report import network_sheet

    try:
        network_sheet.parse_sheet_name(name)
        tmp = Path(tempfile.mkdtemp(prefix="ssp-hent-"))
        try:
            path = network_sheet.write_pdf(db_path, name, tmp)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    except network_sheet.NetworkSheetError as exc:
        raise DownloadMissing(str(exc)) from None
    return Download(path, path.name, "application/pdf", temporary_dir=tmp)


PUBLISHED_NAME = re.compile(r"(\d{1,9})-([^/\\]+\.(pdf|html))")


def published_name(publication_id: int, file_name: str) -> str:
    """The download name of a published edition's file: ``3-aarsevaluering-2025-kredsraad.pdf``."""
    return f"{int(publication_id)}-{file_name}"


def published_edition_file(name: str, *, db_path: Path, reports_dir: Path) -> Download:
    """A published Kredsråd edition exactly as published (kept in the database, ``report.publish``)."""
    from evaluation.report import publish
    from evaluation.store import db

    match = PUBLISHED_NAME.fullmatch(name)
    if not match:
        raise DownloadMissing("Den udgivne rapport findes ikke.")
    try:
        with db.reader(db_path) as con:
            stored_name, data = publish.published_file(con, int(match.group(1)), match.group(3))
    except EvaluationError:
        raise DownloadMissing("Den udgivne rapport findes ikke.") from None
    if stored_name != match.group(2):
        raise DownloadMissing("Den udgivne rapport findes ikke.")
    tmp = Path(tempfile.mkdtemp(prefix="ssp-hent-"))
    path = tmp / check_name(stored_name)
    path.write_bytes(data)
    return Download(path, stored_name, media_type(stored_name), temporary_dir=tmp)


def published_files(db_path: Path) -> list[tuple[object, list[str]]]:
    """Every published Kredsråd edition, newest first, with the download names of its files."""
    from evaluation.report import publish
    from evaluation.store import db

    with db.reader(db_path) as con:
        found = publish.publications(con)
    return [(p, [published_name(p.publication_id, n) for n in (p.pdf_name, p.html_name) if n]) for p in found]


def network_of(kind: str, name: str) -> str | None:
    """The network a download is about (a network sheet's), for the role check; else None."""
    if kind != "netvaerk":
        return None
    from evaluation.report import network_sheet

    try:
        return network_sheet.parse_sheet_name(name)[0]
    except network_sheet.NetworkSheetError:
        return None


Producer = Callable[..., Download]
KINDS: dict[str, Producer] = {
    "rapport": report_file,
    "skabelon": template_file,
    "actioncard": actioncard_file,
    "plan": plan_file,
    "netvaerk": network_file,
    "udgivet": published_edition_file,
}


def produce(kind: str, name: str, *, db_path: Path, reports_dir: Path) -> Download:
    """The file for ``/ssp/download/<kind>/<name>``; ``DownloadRefused``/``DownloadMissing`` if none."""
    producer = KINDS.get(kind)
    if producer is None:
        raise DownloadMissing("Den slags fil findes ikke.")
    return producer(check_name(name), db_path=Path(db_path), reports_dir=Path(reports_dir))
