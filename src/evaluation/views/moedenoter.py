"""The Mødenoter page: the consultant's note from each network's yearly evaluation meeting.

Notes are saved through ``notes.save_meeting_note`` (``db.writer``, append-only: every save
is a version, the latest is the note) and listed per year; the report prints the current
notes. Choosing a network and year loads its current note for editing. A bar chart shows
each network's cases in the year and whether its meeting note is saved yet.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from evaluation.analysis import charts, explore, queries
from evaluation.plan import notes
from evaluation.analysis.filters import Filters
from evaluation.views.common import (STYLE, Status, esc, first_read, fmt_date, fmt_datetime, fmt_int, guarded,
                                     page_database, reader, show_figure, show_page, table_html)
from evaluation.views.figure_view import FigureView

TITLE = "Mødenoter fra netværkenes evalueringsmøder"
INTRO = ("Skriv noten fra hvert lokale SSP-netværks årlige evalueringsmøde. Noten gemmes i databasen "
         "med dato og kommer med i årsrapporten. Skriv ingen navne eller andre personoplysninger.")
COLOUR_SAVED, COLOUR_MISSING = charts.COLOURS["ja"], charts.COLOURS["ikke_registreret"]


class MoedenoterView:
    """The whole page; ``widget`` is what the notebook displays.

    Everything is read before the page is shown (one query). The chart is part of the page's
    first state; its area draws it once the browser has laid the page out (``figure_view``), so
    ``in_browser`` changes nothing here.
    """

    def __init__(self, db_path: Path | str | None = None, *, today: date | None = None,
                 in_browser: bool = False) -> None:
        self.db_path = Path(db_path) if db_path else page_database()
        self.ready = False
        self.status = Status()
        self.notes_frame = pd.DataFrame()
        loaded, message = first_read(self.db_path, TITLE, self.status, lambda con: (
            notes.note_networks(con), list(queries.filter_options(con).years)))
        if message is not None:
            self.widget = message
            return
        networks, years = loaded
        # The meetings evaluate the newest year with cases (as Årsevaluering does by default).
        default = years[0] if years else (today or date.today()).year
        years = sorted(set(years) | {(today or date.today()).year}, reverse=True)
        label = {"description_width": "120px"}
        self.year = widgets.Dropdown(options=years, value=default, description="År", style=label)
        self.year.add_class("ssp-note-year")
        self.network = widgets.Dropdown(options=networks, description="SSP-netværk", style=label,
                                        layout=widgets.Layout(width="420px"))
        self.network.add_class("ssp-note-network")
        self.meeting_date = widgets.DatePicker(description="Mødedato", style=label)
        self.meeting_date.add_class("ssp-note-date")
        self.note = widgets.Textarea(placeholder="Hvad kom frem på mødet? Hvad skal med i planen?",
                                     description="Note", style=label,
                                     layout=widgets.Layout(width="760px", height="180px"))
        self.note.add_class("ssp-note-text")
        self.save_button = widgets.Button(description="Gem mødenote", button_style="primary", icon="save")
        self.save_button.add_class("ssp-save-note")
        self.save_button.on_click(lambda _b: self.save())
        self.chart = FigureView()
        self.chart.add_class("ssp-chart")
        self.listing = widgets.HTML("")
        self.listing.add_class("ssp-note-list")
        self.history = widgets.HTML("")
        self.year.observe(lambda _c: self.refresh(), names="value")
        self.network.observe(lambda _c: self.load_note(), names="value")
        self.widget = widgets.VBox([
            widgets.HTML(f'{STYLE}<h1>{TITLE}</h1><p class="ssp-lead">{esc(INTRO)}</p>'),
            widgets.HTML("<h2>Skriv eller ret en mødenote</h2>"),
            self.year, self.network, self.meeting_date, self.note, self.save_button, self.status.widget,
            self.history,
            widgets.HTML("<h2>Gemte mødenoter</h2>"), self.chart, self.listing,
        ])
        self.widget.add_class("ssp-page")
        self.refresh()
        self.ready = True

    def refresh(self) -> None:
        """Reload the year's notes, the chart and the chosen network's note."""
        with guarded(self.status):
            with reader(self.db_path) as con:
                self._load_year(con)
                self._load_note(con)

    def load_note(self) -> None:
        with guarded(self.status):
            with reader(self.db_path) as con:
                self._load_note(con)

    def _load_year(self, con) -> None:
        year = int(self.year.value)
        self.notes_frame = notes.meeting_notes(con, year=year)
        per_network = explore.explore(con, Filters(year=year), ["netvaerk"], "cases")
        counts = per_network[["netvaerk", "cases"]] if not per_network.empty else pd.DataFrame(
            {"netvaerk": [], "cases": []})
        chart = pd.DataFrame({"netvaerk": list(self.network.options)}).merge(counts, how="left", on="netvaerk")
        chart["cases"] = chart["cases"].fillna(0).astype(int)
        saved = set(self.notes_frame["netvaerk"])
        chart["saved"] = chart["netvaerk"].isin(saved)
        spec = charts.bar_spec(chart, "netvaerk", "cases", f"Sager pr. netværk i {year} og gemte mødenoter",
                               x_title="SSP-netværk", y_title="Antal sager")
        for trace in spec["data"]:
            trace.update(marker={"color": [COLOUR_SAVED if s else COLOUR_MISSING for s in chart["saved"]]},
                         customdata=[["mødenote gemt" if s else "ingen mødenote endnu"] for s in chart["saved"]],
                         hovertemplate="%{x}: %{y} sager<br>%{customdata[0]}<extra></extra>")
        spec["layout"].setdefault("annotations", []).append(
            {"text": f"Grøn: mødenote gemt ({len(saved & set(chart['netvaerk']))} af {len(chart)}). Grå: mangler.",
             "showarrow": False, "x": 0, "y": 1.06, "xref": "paper", "yref": "paper", "xanchor": "left",
             "font": {"size": 12}})
        show_figure(self.chart, spec)
        self.listing.value = table_html(
            self.notes_frame, {"netvaerk": "SSP-netværk", "meeting_date": "Mødedato", "note": "Note",
                               "saved_at": "Gemt", "saved_by": "Af", "versions": "Versioner"},
            formats={"meeting_date": fmt_date, "saved_at": fmt_datetime, "versions": fmt_int},
            empty=f"Ingen mødenoter gemt for {year} endnu.")

    def _load_note(self, con) -> None:
        """Put the chosen network's current note for the year in the form, with its history."""
        if self.network.value is None:
            return
        current = notes.meeting_note(con, self.network.value, int(self.year.value))
        history = notes.meeting_note_history(con, self.network.value, int(self.year.value))
        if current is None:
            self.note.value, self.meeting_date.value = "", None
        else:
            self.note.value = current["note"]
            day = current["meeting_date"]
            self.meeting_date.value = None if pd.isna(day) else pd.Timestamp(day).date()
        older = history.iloc[1:]
        self.history.value = "" if older.empty else (
            f"<h3>Tidligere versioner ({len(older)})</h3>" + table_html(
                older, {"saved_at": "Gemt", "saved_by": "Af", "meeting_date": "Mødedato", "note": "Note"},
                formats={"saved_at": fmt_datetime, "meeting_date": fmt_date}, scroll=True))

    def save(self) -> None:
        """Save the form as the network's note for the year (a new version), then reload."""
        if self.network.value is None:
            self.status.show("Vælg et SSP-netværk.", "warn")
            return
        with guarded(self.status, loading="Gemmer …", done="Mødenoten er gemt."):
            notes.save_meeting_note(self.db_path, self.network.value, int(self.year.value), self.note.value,
                                    meeting_date=self.meeting_date.value)
            with reader(self.db_path) as con:
                self._load_year(con)
                self._load_note(con)


def show(db_path: Path | str | None = None) -> MoedenoterView | None:
    """Build the page and display it (the notebook's only call); never raises."""
    return show_page(MoedenoterView, TITLE, db_path, page="moedenoter")
