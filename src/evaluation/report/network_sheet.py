"""What a local network's yearly meeting looks at, as data, as a page section and as a PDF.

``network_year`` gathers one network's year: its key figures this year against last year
(``kpis.kpis`` filtered to the network, so the verdicts are already judged together across
the figures, as on Årsevaluering), how often each actioncard phase was followed this year
and last (shares with their Wilson intervals, no verdicts: a table of intervals makes no
claim that needs correcting), its cases per quarter, its key persons and this year's
exercise, its written learnings and the meeting note. The Netværk page lays this out; the
same object becomes the printable sheet (``render_html``, ``write_pdf``) that the download
handler serves as kind ``netvaerk`` under the name ``sheet_name(network, year)``.

Only the team and the network's own contact see a sheet (the server decides); it holds no
case rows, only counts and the networks' own anonymised learnings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import pandas as pd

from evaluation import format as fmt
from evaluation.analysis import kpis, queries, stats
from evaluation.analysis.filters import Filters
from evaluation import pdf as pdf_module
from evaluation.errors import EvaluationError
from evaluation.plan import keypersons, notes
from evaluation.store import db
from evaluation.report.kpi_text import kpi_detail_text, kpi_value_text

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "network_sheet.html.j2"
LEARNINGS_SHOWN = 30  # newest first; a meeting reads a page of them, not a hundred
_NAME = re.compile(r"(?P<year>\d{4})-(?P<network>.+)\.pdf")


class NetworkSheetError(EvaluationError):
    """A network sheet was asked for a network or year the data does not have (Danish)."""


@dataclass(frozen=True)
class NetworkYear:
    """One network's year, as the meeting sees it (frames in display order)."""

    network: str
    year: int
    kpis: pd.DataFrame
    phases: pd.DataFrame
    trend: pd.DataFrame
    roles: pd.DataFrame
    exercise: dict[str, Any] | None
    learnings: pd.DataFrame
    note: dict[str, Any] | None
    year_complete: bool


def networks(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The networks a sheet can be made for: those with cases (the registry's list once it has one)."""
    return list(queries.filter_options(con).networks)


def network_year(con: duckdb.DuckDBPyConnection, network: str, year: int | None = None, *,
                 today: date | None = None) -> NetworkYear:
    """Gather one network's year (``year`` None: the newest year with cases)."""
    if network not in networks(con):
        raise NetworkSheetError(f"Netværket '{network}' har ingen sager i databasen. Vælg et af netværkene på "
                                "listen.")
    today = today or date.today()
    year = int(year) if year is not None else (kpis.latest_year(con) or today.year)
    mine = Filters(year=year, networks=(network,))
    roles = keypersons.role_status(con, today=today)
    exercises = keypersons.exercises(con, year)
    exercise = exercises[exercises["netvaerk"] == network]
    return NetworkYear(
        network=network, year=year,
        kpis=kpis.kpis(con, mine, today=today),
        phases=phase_shares(con, mine),
        trend=queries.trend(con, Filters(networks=(network,)), by="quarter"),
        roles=roles[roles["netvaerk"] == network].reset_index(drop=True),
        exercise=None if exercise.empty else exercise.iloc[0].to_dict(),
        learnings=queries.learnings(con, mine, limit=LEARNINGS_SHOWN),
        note=notes.meeting_note(con, network, year),
        year_complete=year < today.year,
    )


def phase_shares(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Each actioncard phase: followed of n with a 95 % Wilson interval, this year and last."""
    def one(f: Filters) -> pd.DataFrame:
        frame = kpis.actioncard_adherence(con, f, include_total=False)
        return frame.groupby(["phase_no", "phase", "phase_label"], as_index=False)[["n", "followed"]].sum()

    now, before = one(filters), one(filters.with_year(filters.year - 1))
    labels = pd.DataFrame([{"phase_no": i, "phase": p.key, "phase_label": p.label, "definition": p.definition}
                           for i, p in enumerate(kpis.PHASES, start=1)])
    out = labels.merge(now[["phase", "n", "followed"]], on="phase", how="left")
    out = out.merge(before[["phase", "n", "followed"]].rename(columns={"n": "previous_n",
                                                                       "followed": "previous_followed"}),
                    on="phase", how="left")
    for prefix in ("", "previous_"):
        out[f"{prefix}n"] = out[f"{prefix}n"].fillna(0).astype(int)
        out[f"{prefix}followed"] = out[f"{prefix}followed"].fillna(0).astype(int)
        bounds = [stats.wilson_interval(int(x), int(n)) for x, n in zip(out[f"{prefix}followed"], out[f"{prefix}n"])]
        out[f"{prefix}share"] = [x / n if n else float("nan") for x, n in zip(out[f"{prefix}followed"],
                                                                              out[f"{prefix}n"])]
        out[f"{prefix}low"] = [b[0] for b in bounds]
        out[f"{prefix}high"] = [b[1] for b in bounds]
    return out


# --- the printable sheet --------------------------------------------------------------------

def sheet_name(network: str, year: int) -> str:
    """The download name of a sheet: ``2025-Sindal.pdf`` (``GET /ssp/download/netvaerk/<name>``)."""
    return f"{int(year)}-{network}.pdf"


def parse_sheet_name(name: str) -> tuple[str, int]:
    """``(network, year)`` from a download name; a Danish error for anything else."""
    match = _NAME.fullmatch(name or "")
    if not match or "/" in match["network"] or "\\" in match["network"]:
        raise NetworkSheetError("Netværksarket findes ikke. Hent det fra siden Netværk.")
    return match["network"], int(match["year"])


def render_html(sheet: NetworkYear, *, printed_on: date | None = None) -> str:
    """The sheet as one self-contained A4 HTML page (no scripts, fonts or images from outside)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    kpi_rows = [{**row, "value_text": kpi_value_text(row), "previous_text": kpi_value_text(row, "previous_"),
                 "detail": kpi_detail_text(row)} for row in sheet.kpis.to_dict("records")]
    phase_rows = [{**row, "now": share_text(row["followed"], row["n"], row["low"], row["high"]),
                   "before": share_text(row["previous_followed"], row["previous_n"], row["previous_low"],
                                        row["previous_high"])}
                  for row in sheet.phases.to_dict("records")]
    trend = sheet.trend.tail(8)
    return env.get_template(TEMPLATE_NAME).render(
        sheet=sheet, kpis=kpi_rows, phases=phase_rows, fdr=stats.FDR_SENTENCE,
        period=str(sheet.kpis.iloc[0]["period"]) if not sheet.kpis.empty else "",
        trend=[{"period": quarter_text(r["period"]), "cases": fmt.integer(r["cases"])}
               for r in trend.to_dict("records")],
        roles=[{"role": r["role"], "person": r["person"] if isinstance(r["person"], str) else "–",
                "verified": fmt.day(r["verified_on"]), "status": ("Mangler" if r["missing"] else
                                                                  "Skal bekræftes" if r["due"] else "Bekræftet")}
               for r in sheet.roles.to_dict("records")],
        exercise=exercise_text(sheet), learnings=[{**row, "month": fmt.month(row["month"])} for row in sheet.learnings.to_dict("records")],
        note=sheet.note, note_date=fmt.day(sheet.note["meeting_date"]) if sheet.note else "",
        printed_on=fmt.day(printed_on or date.today()))


def share_text(followed: int, n: int, low: float, high: float) -> str:
    """'42 % (5 af 12; 95 %-interval 19–68 %)'; 'ingen sager' when n is 0."""
    if not n:
        return "ingen relevante sager"
    return (f"{fmt.percent(followed / n)} ({fmt.integer(followed)} af {fmt.integer(n)}; 95\u00a0%-interval "
            f"{fmt.percent(low)}–{fmt.percent(high)})")


def quarter_text(period: Any) -> str:
    """'3. kvartal 2025' for the first day of a quarter."""
    stamp = pd.Timestamp(period)
    return f"{(stamp.month - 1) // 3 + 1}. kvartal {stamp.year}"


def exercise_text(sheet: NetworkYear) -> str:
    """'Holdt 12.03.2025 med 14 kontaktlærere (heraf 3 nye).' or why not."""
    ex = sheet.exercise
    if ex is None:
        return f"Ingen øvelse registreret for {sheet.year}."
    if not bool(ex["held"]):
        return f"Registreret som ikke holdt i {sheet.year}."
    when = f" {fmt.day(ex['held_on'])}" if not pd.isna(ex["held_on"]) else ""
    teachers = ""
    if not pd.isna(ex["contact_teachers"]):
        teachers = f" med {fmt.integer(ex['contact_teachers'])} kontaktlærere"
        if not pd.isna(ex["new_contact_teachers"]):
            teachers += f" (heraf {fmt.integer(ex['new_contact_teachers'])} nye)"
    return f"Holdt{when}{teachers}."


def write_pdf(db_path: Path | str, name: str, out_dir: Path | str, *, today: date | None = None) -> Path:
    """Make the sheet named ``name`` (``sheet_name``) as a PDF in ``out_dir``; returns its path.

    What the download handler calls for kind ``netvaerk``. Raises ``NetworkSheetError`` for
    an unknown network or a malformed name, ``EvaluationError`` when Chromium can't print.
    """
    network, year = parse_sheet_name(name)
    with db.reader(Path(db_path)) as con:
        html = render_html(network_year(con, network, year, today=today))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pdf = out / sheet_name(network, year)
    try:
        pdf_module.in_chromium(html, lambda page: page.pdf(path=str(pdf), format="A4", print_background=True,
                                                           prefer_css_page_size=True))
    except pdf_module.PrintError as exc:
        raise EvaluationError(f"Netværksarket kunne ikke laves som PDF: {exc}") from exc
    return pdf


__all__ = ["NetworkSheetError", "NetworkYear", "network_year", "networks", "parse_sheet_name", "phase_shares",
           "exercise_text", "render_html", "share_text", "sheet_name", "write_pdf"]
