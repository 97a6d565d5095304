"""The report's inputs the team writes in the browser, as sections for the Årsrapport page.

* :class:`PlannedChangesSection`: the changes the team will make to the plan and the
  actioncard, in its own words. A change is a draft until someone approves it; only
  approved changes are printed in the Kredsråd edition (the only free text a council
  reader sees), and the team edition shows all with their status.
* :class:`LearningTagsSection`: each of the year's written learnings with a list to tag it
  with the actioncard phase or theme it is about; the team edition groups learnings by tag.

Both follow ``views.sections.Section`` (``load`` on a reader, ``render``, saves through the
library: ``report.inputs``). Embed them like the other sections: build with the database
path, put ``section.widget`` on the page and call ``refresh(Filters(year=...))``.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import ipywidgets as widgets
import pandas as pd

from evaluation import format as fmt
from evaluation.analysis.filters import Filters
from evaluation.report import inputs
from evaluation.views.common import guarded, heading_html, reader
from evaluation.views.sections import LABEL_STYLE, WIDE, Section, set_options

NEW = "__ny__"
MAX_TAG_ROWS = 200  # a year has tens of learnings; beyond this the Udforsk page searches them


class PlannedChangesSection(Section):
    """Write, edit, approve and delete the year's planned changes to the plan and actioncard."""

    def __init__(self, db_path: Path, *, anchor: str = "planlagte-aendringer") -> None:
        super().__init__(db_path)
        self.frame = pd.DataFrame()
        self.table = widgets.HTML("")
        self.table.add_class("ssp-planned-changes")
        self.choice = widgets.Dropdown(options=[("Ny ændring", NEW)], value=NEW, description="Ændring",
                                       layout=WIDE, style=LABEL_STYLE)
        self.choice.observe(lambda _c: self._load_choice(), names="value")
        self.target = widgets.Dropdown(options=[(v, k) for k, v in inputs.TARGETS.items()], value="plan",
                                       description="Ændring af", style=LABEL_STYLE,
                                       layout=widgets.Layout(width="360px"))
        self.text = widgets.Textarea(placeholder="Hvad vil I ændre, og hvorfor? (højst 1.000 tegn; Kredsrådet "
                                     "læser teksten, når den er godkendt)", description="Tekst",
                                     layout=widgets.Layout(width="520px", height="90px"), style=LABEL_STYLE)
        self.save_button = widgets.Button(description="Gem som kladde", button_style="primary", icon="save")
        self.approve_button = widgets.Button(description="Godkend til rapporten", icon="check")
        self.delete_button = widgets.Button(description="Slet", icon="trash")
        self.save_button.on_click(lambda _b: self.save_change())
        self.approve_button.on_click(lambda _b: self.approve_change())
        self.delete_button.on_click(lambda _b: self.delete_change())
        for name in ("save_button", "approve_button", "delete_button", "text", "target", "choice"):
            getattr(self, name).add_class(f"ssp-change-{name.replace('_', '-')}")
        self.widget = widgets.VBox([
            widgets.HTML(heading_html(None, "Planlagte ændringer af planen og actioncardet",
                                      "Skriv de ændringer, teamet vil lave. En ændring er en kladde, til nogen "
                                      "godkender den; kun godkendte ændringer kommer med i Kredsrådets udgave.",
                                      anchor=anchor)),
            self.table, self.choice, self.target, self.text,
            widgets.HBox([self.save_button, self.approve_button, self.delete_button]), self.status.widget,
        ])

    def load(self, con: duckdb.DuckDBPyConnection, filters: Filters) -> None:
        self.filters = filters
        self.frame = inputs.planned_changes(con, self.year)

    def render(self) -> None:
        frame = self.frame.assign(author=self.frame["first_saved_by"],
                                  approved=[f"{fmt.day_time(at)} af {by}" if s == "godkendt" else "–"
                                            for s, at, by in zip(self.frame["status"], self.frame["saved_at"],
                                                                 self.frame["saved_by"])])
        self.table.value = str(fmt.table_html(
            frame, {"target_label": "Ændring af", "text": "Tekst", "status_label": "Status", "author": "Skrevet af",
                    "approved": "Godkendt"},
            empty=f"Ingen planlagte ændringer skrevet for {self.year} endnu."))
        options = [("Ny ændring", NEW)] + [(f"{r.target_label}: {_short(r.text)}", r.change_key)
                                           for r in self.frame.itertuples()]
        set_options(self.choice, options)
        self._load_choice()

    def _load_choice(self) -> None:
        """Show the chosen change in the form (empty for a new one)."""
        chosen = self._chosen()
        self.text.value = "" if chosen is None else str(chosen["text"])
        self.target.value = "plan" if chosen is None else str(chosen["target"])
        self.approve_button.disabled = self.delete_button.disabled = chosen is None
        if chosen is not None:
            self.approve_button.disabled = chosen["status"] == "godkendt"

    def _chosen(self) -> pd.Series | None:
        if self.choice.value in (None, NEW) or self.frame.empty:
            return None
        found = self.frame[self.frame["change_key"] == self.choice.value]
        return None if found.empty else found.iloc[0]

    def save_change(self) -> None:
        """Save the form: a new draft, or a new version (a draft again) of the chosen change."""
        key = None if self.choice.value in (None, NEW) else self.choice.value

        saved: list[str] = []
        self.save(lambda: saved.append(inputs.save_planned_change(self.db_path, self.year, self.target.value,
                                                                  self.text.value, change_key=key)),
                  "Ændringen er gemt som kladde. Den skal godkendes, før den kommer med i Kredsrådets udgave.")
        if saved and saved[0] in [o[1] for o in self.choice.options]:
            self.choice.value = saved[0]

    def approve_change(self) -> None:
        """Approve the chosen change for the report."""
        if self._chosen() is None:
            self.status.show("Vælg den ændring, der skal godkendes.", "warn")
            return
        key = self.choice.value
        self.save(lambda: inputs.approve_planned_change(self.db_path, key), "Ændringen er godkendt til rapporten.")

    def delete_change(self) -> None:
        """Take the chosen change out of the report (kept in the history)."""
        if self._chosen() is None:
            self.status.show("Vælg den ændring, der skal slettes.", "warn")
            return
        key = self.choice.value
        self.save(lambda: inputs.delete_planned_change(self.db_path, key), "Ændringen er slettet.")


class LearningTagsSection(Section):
    """The year's learnings, each with a list to tag it with an actioncard phase or a theme."""

    def __init__(self, db_path: Path, *, anchor: str = "erfaringer-maerkning") -> None:
        super().__init__(db_path)
        self.frame = pd.DataFrame()
        self.counts = pd.DataFrame()
        self.options: list[inputs.TagOption] = []
        self.summary = widgets.HTML("")
        self.rows = widgets.VBox([])
        self.rows.add_class("ssp-learning-tags")
        self.widget = widgets.VBox([
            widgets.HTML(heading_html(None, "Mærk netværkenes erfaringer",
                                      "Vælg for hver erfaring den fase i actioncardet eller det tema, den handler "
                                      "om. Rapporten samler erfaringerne efter mærke; umærkede vises som umærkede.",
                                      anchor=anchor)),
            self.summary, self.status.widget, self.rows,
        ])

    def load(self, con: duckdb.DuckDBPyConnection, filters: Filters) -> None:
        self.filters = filters
        self.options = inputs.tag_options(con)
        self.frame = inputs.learnings(con, self.year, limit=MAX_TAG_ROWS)
        self.counts = inputs.learning_counts(con, self.year)

    def _summary(self) -> str:
        """How many learnings, and how many still untagged (all of the year's, not only those listed)."""
        total = int(self.counts["learnings"].sum()) if not self.counts.empty else 0
        if not total:
            return str(fmt.element("p", f"Ingen erfaringer skrevet i sagerne fra {self.year}.", class_="ssp-lead"))
        untagged = int(self.counts.loc[self.counts["tag"] == inputs.UNTAGGED, "learnings"].sum())
        listed = "" if total <= len(self.frame) else f" Her vises de nyeste {fmt.integer(len(self.frame))}."
        return str(fmt.element("p", f"{fmt.plural(total, 'erfaring', 'erfaringer')} skrevet i {self.year}; "
                                    f"{fmt.integer(untagged)} er ikke mærket.{listed}", class_="ssp-lead"))

    def render(self) -> None:
        self.summary.value = self._summary()
        ordered = self.frame.sort_values("tag", key=lambda s: s != inputs.UNTAGGED, kind="stable") \
            if not self.frame.empty else self.frame
        self.rows.children = [self._row(r) for r in ordered.itertuples()]

    def _row(self, r: object) -> widgets.Widget:
        text = widgets.HTML(str(fmt.element("div", fmt.element("strong", f"{r.netvaerk}, {fmt.month(r.month)}: "),
                                            r.erfaringer)), layout=widgets.Layout(width="620px"))
        # Labelled (axe 'select-name', critical): a screen reader says what the box is for.
        choice = widgets.Dropdown(options=[(o.label, o.value) for o in self.options], value=r.tag,
                                  description="Mærke", style={"description_width": "50px"},
                                  layout=widgets.Layout(width="380px"))
        choice.add_class("ssp-learning-tag")
        network, case = r.netvaerk, r.sags_id
        choice.observe(lambda change: self.tag(network, case, change["new"]), names="value")
        return widgets.HBox([text, choice], layout=widgets.Layout(border_bottom="1px solid #E4E7EB"))

    def tag(self, network: str, case: str, tag: str) -> None:
        """Save one learning's tag (the list keeps its place; only the counts are redrawn)."""
        with self.lock, guarded(self.status, loading="Gemmer …", done="Mærket er gemt."):
            inputs.tag_learning(self.db_path, network, case, tag)
            with reader(self.db_path) as con:
                self.counts = inputs.learning_counts(con, self.year)
            self.summary.value = self._summary()


def _short(text: str, limit: int = 60) -> str:
    """The start of a text for a list entry."""
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


__all__ = ["PlannedChangesSection", "LearningTagsSection"]
