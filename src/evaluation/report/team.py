"""The SSP team's edition: the five evaluation questions first, then the analysis, the
networks' learnings grouped by what they are about, and appendices on the data.

Every section function takes the :class:`context.ReportContext` and returns a
:class:`model.Section`; numbers come from ``queries``/``kpis``/``stats`` (the dashboards'
functions, so the same figure has the same value and the same verdict), charts from
``charts``. This edition may show small counts, network names and free text: it is for the
team only. ``editions.py`` puts the sections in order; this module never imports the
council's (``kredsraad.py``), nor it this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from evaluation import format as fmt
from evaluation.analysis import charts, disclosure, kpis, queries, stats
from evaluation.analysis.filters import Filters, where
from evaluation.plan import keypersons, notes
from evaluation.report import inputs
from evaluation.report.context import ReportContext
from evaluation.report.model import Heading, Paragraph, Section, bullets, figure, table
from evaluation.settings import settings

EXAMPLES_PER_TAG = 3  # quoted learnings per phase or theme in the body; the rest in the appendix
APPENDIX_LEARNINGS = 300  # the appendix lists at most the newest this many (a year has tens)
METHOD_ITEMS = (
    "Et 95 %-interval er det spænd, som det sande tal med stor sikkerhed ligger i, når man tager højde for "
    "tilfældigheder: med få sager er spændet bredt, og to år kan se forskellige ud uden at være det.",
    "»Ud over tilfældig variation« betyder, at forskellen fra året før er så stor, at den næppe skyldes "
    "tilfældigheder alene. »Ingen sikker ændring« betyder, at forskellen godt kan være tilfældig.",
    stats.FDR_SENTENCE,
    f"En andel vurderes kun, når begge år har mindst {stats.MIN_GROUP_N} sager; ellers står der "
    f"»{stats.VERDICT_TOO_FEW}«.",
)


@dataclass(frozen=True)
class Facts:
    """What the five questions and the recommendations need, read once per report."""

    policies: pd.DataFrame
    roles: pd.DataFrame
    addresses: pd.DataFrame
    candidates: pd.DataFrame
    accepted: pd.DataFrame
    decisions: pd.DataFrame
    phones: pd.DataFrame
    kpis: pd.DataFrame
    adherence: pd.DataFrame
    exercises: pd.DataFrame
    silent_networks: pd.DataFrame
    networks: list[str]
    learning_counts: pd.DataFrame  # per tag
    changes: pd.DataFrame


_ACCEPTED_SQL = """
WITH latest AS (   -- one decision row per spelling; the latest wins
    SELECT * FROM actor_decisions
    QUALIFY row_number() OVER (PARTITION BY normalised_name ORDER BY decided_at DESC, rowid DESC) = 1
)
SELECT l.actor_id, coalesce(any_value(a.name), l.actor_id) AS name,
       bool_or(l.decision = 'new_actor') AS new_actor, min(l.decided_at) AS decided_at
FROM latest l LEFT JOIN actors a USING (actor_id)
WHERE l.decision IN ('new_actor', 'alias') AND l.decided_at >= ? AND l.decided_at < ?
GROUP BY l.actor_id
ORDER BY name
"""


def facts(ctx: ReportContext) -> Facts:
    """Everything the first section needs, on one reader, cached for the recommendations."""
    if "team_facts" in ctx.cache:
        return ctx.cache["team_facts"]
    from evaluation.plan import actor_decisions, actors, links, phone_checks

    with ctx.reader() as con:
        roles = keypersons.role_status(con, today=ctx.today)
        status = links.latest_status(con)
        found = Facts(
            policies=notes.policy_status(con, ctx.year),
            roles=roles[roles["due"]].reset_index(drop=True),
            addresses=status[status["flagged"] | status["status"].isin(["moved", "broken"])].reset_index(drop=True),
            candidates=actors.candidates(con, year=ctx.year),
            accepted=con.execute(_ACCEPTED_SQL, [date(ctx.year, 1, 1), ctx.today + timedelta(days=1)]).df(),
            decisions=actor_decisions.decision_history(con, since=date(ctx.year, 1, 1),
                                                       until=ctx.today + timedelta(days=1)),
            phones=phone_checks.latest_status(con, today=ctx.today),
            kpis=queries.kpis(con, ctx.filters, today=ctx.today),
            adherence=queries.actioncard_adherence(con, ctx.filters),
            exercises=keypersons.exercises(con, ctx.year),
            silent_networks=queries.networks_without_export(con, ctx.year),
            networks=keypersons.networks(con),
            learning_counts=inputs.learning_counts(con, ctx.year),
            changes=inputs.planned_changes(con, ctx.year),
        )
    ctx.cache["team_facts"] = found
    return found


def _phone_sentence(phones: pd.DataFrame) -> str:
    """Question 3's phone numbers in one sentence: checked within the period, due, not working."""
    if phones.empty:
        return "Planen har ingen telefonnumre."
    broken = int((phones["result"] == "broken").sum())
    due = int(phones["due"].astype(bool).sum()) - broken
    checked = len(phones) - due - broken
    text = (f"{fmt.integer(checked)} af planens {fmt.plural(len(phones), 'telefonnummer', 'telefonnumre')} er "
            f"kontrolleret inden for {settings.verification_months} måneder")
    text += f", {fmt.integer(due)} skal kontrolleres" if due else ""
    text += f", og {fmt.integer(broken)} virker ikke" if broken else ""
    return text + "."


# --- 1. summary ----------------------------------------------------------------------------

def summary(ctx: ReportContext) -> Section:
    """The answers to the plan's five evaluation questions, the team's planned changes and
    the changes the data point at."""
    f = facts(ctx)
    s = Section("Resumé: svar på de fem evalueringsspørgsmål", "resume")
    to_adjust = f.policies[f.policies["judgement"] == "skal_tilpasses"]
    revised = f.policies[f.policies["revised_after_evaluation"]]
    unjudged = f.policies[f.policies["judgement"] == "ikke_vurderet"]
    s.add(Heading("1. Er planen i overensstemmelse med kommunens øvrige planer og politikker?"),
          Paragraph(f"{fmt.plural(len(f.policies), 'politik eller plan', 'politikker og planer')} hører til "
                    f"handleplanen. {fmt.integer(len(to_adjust))} er vurderet til at kræve tilpasning, "
                    f"{fmt.integer(len(revised))} er revideret efter planens seneste evaluering, og "
                    f"{fmt.integer(len(unjudged))} er ikke vurderet for {ctx.year}.", "answer"),
          table("tabel-politikker", ["Politik eller plan", "Ejer", "Senest revideret", f"Vurdering {ctx.year}",
                                     "Revideret efter seneste evaluering", "Note"],
                [[r.name, fmt.text(r.owner), fmt.day(r.last_revised), r.judgement_label,
                  fmt.yes_no(r.revised_after_evaluation), fmt.text(r.note)] for r in f.policies.itertuples()]))
    missing = f.roles[f.roles["missing"]]
    s.add(Heading("2. Er de rigtige nøglepersoner angivet?"),
          Paragraph(f"{fmt.plural(len(missing), 'rolle', 'roller')} mangler en registreret nøgleperson, og "
                    f"{fmt.plural(len(f.roles) - len(missing), 'rolle', 'roller')} skal bekræftes igen (ikke "
                    f"bekræftet i {settings.verification_months} måneder).", "answer"))
    if not f.roles.empty:
        s.add(table("tabel-noeglepersoner", ["SSP-netværk", "Rolle", "Sidst bekræftet", "Status"],
                    [[r.netvaerk, r.role, fmt.day(r.verified_on), "Mangler" if r.missing else "Skal bekræftes igen"]
                     for r in f.roles.itertuples()]))
    moved = f.addresses[f.addresses["status"] == "moved"]
    s.add(Heading("3. Er de rigtige webadresser og telefonnumre angivet?"),
          Paragraph(f"{fmt.plural(len(f.addresses), 'webadresse', 'webadresser')} i planen skal rettes: "
                    f"{fmt.integer(len(moved))} er flyttet til en ny adresse, "
                    f"{fmt.integer(len(f.addresses) - len(moved))} virker ikke. " + _phone_sentence(f.phones),
                    "answer"))
    if not f.addresses.empty:
        s.add(table("tabel-adresser", ["Adresse i planen", "Status", "Ny adresse", "Kontrolleret"],
                    [[r.url, r.label, fmt.text(r.proposed_url), fmt.day(r.checked_at)]
                     for r in f.addresses.itertuples()]))
    due_phones = f.phones[f.phones["due"].astype(bool)]
    if not due_phones.empty:
        s.add(table("tabel-telefonnumre", ["Telefonnummer i planen", "Aktør", "Status", "Senest kontrolleret"],
                    [[r.number, fmt.text(r.actor_name), r.result_label, fmt.day(r.checked_on)]
                     for r in due_phones.itertuples()]))
    s.add(Heading("4. Er der kommet nye relevante aktører til?"),
          Paragraph(f"{fmt.plural(len(f.accepted), 'aktør', 'aktører')} er optaget i planens register fra "
                    f"{ctx.year} til nu, og {fmt.plural(len(f.candidates), 'navn', 'navne')} fra sagerne er endnu "
                    "ikke afgjort.", "answer"))
    if not f.decisions.empty:  # every decision of the year, dismissals and undone ones too (actor_decisions.py)
        s.add(table("tabel-nye-aktoerer", ["Navn fra sagerne", "Afgørelse", "Aktør", "Begrundelse", "Dato", "Fortrudt"],
                    [[fmt.and_list(r.names), r.decision_label, fmt.text(r.actor_name), fmt.text(r.note),
                      fmt.day(r.decided_at), "" if fmt.is_missing(r.undone_at) else fmt.day(r.undone_at)]
                     for r in f.decisions.itertuples()]))
    if not f.candidates.empty:
        s.add(table("tabel-foreslaaede-aktoerer", ["Foreslået aktør", "Sager", "Netværk"],
                    [[r.candidate, fmt.integer(r.cases), fmt.integer(r.networks)] for r in f.candidates.itertuples()],
                    numeric=(1, 2)))
    s.add(Heading("5. Hvilke erfaringer fra året skal bygges ind i planen?"), bullets(experience(ctx, f), "answer"))
    s.add(Heading("Teamets planlagte ændringer"))
    if f.changes.empty:
        s.add(Paragraph("Teamet har ikke skrevet planlagte ændringer for året endnu (det gøres på siden "
                        "Årsrapport).", "note"))
    else:
        s.add(table("tabel-planlagte-aendringer", ["Ændring af", "Ændring", "Status"],
                    [[r.target_label, r.text, r.status_label] for r in f.changes.itertuples()]),
              Paragraph("Kun godkendte ændringer kommer med i Kredsrådets udgave.", "note"))
    recs = recommendations(ctx, f)
    s.add(Heading("Ændringer, som data peger på"),
          bullets(recs) or Paragraph("Ingen ændringer foreslået ud fra data.", "note"))
    return s


def _weakest_phase(adherence: pd.DataFrame) -> pd.Series | None:
    total = adherence[adherence["is_total"] & (adherence["n"] > 0)]
    return None if total.empty else total.sort_values(["share", "phase_no"]).iloc[0]


def experience(ctx: ReportContext, f: Facts) -> list[str]:
    """Plain sentences: the key figures that changed, the weakest phase, the learnings."""
    cases = f.kpis[f.kpis["key"] == "cases"].iloc[0]
    out = [f"{fmt.plural(cases['numerator'], 'sag', 'sager')} i {ctx.year} ({cases['period']}) mod "
           f"{fmt.integer(cases['previous_numerator'])} samme periode året før: {cases['verdict'].lower()}."]
    changed = f.kpis[(f.kpis["kind"] == "share") & f.kpis["verdict"].isin([stats.VERDICT_UP, stats.VERDICT_DOWN])]
    out += [f"{r.label}: {fmt.percent(r.value)} mod {fmt.percent(r.previous_value)} året før ({r.verdict.lower()})."
            for r in changed.itertuples()]
    if changed.empty:
        out.append("Ingen af andelene har ændret sig ud over tilfældig variation.")
    weakest = _weakest_phase(f.adherence)
    if weakest is not None:
        out.append(f"Actioncardets fase {fmt.quote(weakest['phase_label'])} blev fulgt mindst: i "
                   f"{fmt.percent(weakest['share'])} af {fmt.plural(weakest['n'], 'sag', 'sager')}.")
    total = int(f.learning_counts["learnings"].sum())
    untagged = int(f.learning_counts.loc[f.learning_counts["tag"] == inputs.UNTAGGED, "learnings"].sum())
    out.append(f"Netværkene har skrevet erfaringer i {fmt.plural(total, 'sag', 'sager')}; "
               f"{fmt.integer(total - untagged)} er mærket med en fase eller et tema (afsnittet om "
               "erfaringer).")
    return out


def recommendations(ctx: ReportContext, f: Facts) -> list[str]:
    """Concrete changes to the plan that the data point at, in the order of the questions."""
    recs = [f"Tilpas handleplanen til {fmt.quote(r.name)}." + (f" ({r.note})" if isinstance(r.note, str) and r.note
                                                               else "")
            for r in f.policies[f.policies["judgement"] == "skal_tilpasses"].itertuples()]
    recs += [f"Gennemgå planen mod {fmt.quote(r.name)}, som er revideret {fmt.day(r.last_revised)}."
             for r in f.policies[f.policies["revised_after_evaluation"]
                                 & (f.policies["judgement"] != "skal_tilpasses")].itertuples()]
    for network, part in f.roles.groupby("netvaerk", sort=True):
        missing, due = part.loc[part["missing"], "role"].tolist(), part.loc[~part["missing"], "role"].tolist()
        if missing:
            recs.append(f"{network}: udpeg en nøgleperson som {fmt.and_list(missing)}.")
        if due:
            recs.append(f"{network}: bekræft nøglepersonerne som {fmt.and_list(due)}.")
    for r in f.addresses.itertuples():
        new = "" if fmt.is_missing(r.proposed_url) else str(r.proposed_url)
        recs.append(f"Ret webadressen {r.url} til {new}." if new else f"Find en ny adresse for {r.url} eller fjern den.")
    recs += [f"Skriv {r.name} ind i planens tekst (optaget i registret {fmt.day(r.decided_at)})."
             for r in f.accepted[f.accepted["new_actor"].astype(bool)].itertuples()]
    recs += [f"Tag stilling til, om {r.candidate} skal med i planen (nævnt i {fmt.plural(r.cases, 'sag', 'sager')})."
             for r in f.candidates.itertuples()]
    weakest = _weakest_phase(f.adherence)
    if weakest is not None and weakest["share"] < 0.8:
        recs.append(f"Brug årets øvelse i actioncardet til fasen {fmt.quote(weakest['phase_label'])}, som kun blev "
                    f"fulgt i {fmt.percent(weakest['share'])} af sagerne.")
    held = set(f.exercises.loc[f.exercises["held"].astype(bool), "netvaerk"]) if not f.exercises.empty else set()
    missing_exercise = [n for n in f.networks if n not in held]
    if missing_exercise:
        recs.append(f"Hold den årlige øvelse i actioncardet i: {fmt.and_list(missing_exercise)}.")
    recs += [f"Spørg {r.netvaerk}, hvorfor der ikke er indberettet sager i {ctx.year} ("
             + (f"seneste {fmt.month(r.last_month)})." if not fmt.is_missing(r.last_month)
                else "netværket har ikke indberettet sager endnu).") for r in f.silent_networks.itertuples()]
    return recs


# --- 2-6. analysis -------------------------------------------------------------------------

def kpi_rows(k: pd.DataFrame) -> list[list[str]]:
    """The key-figure table's rows: value, interval, last year, verdict (judged together)."""
    rows = []
    for r in k.itertuples():
        if r.kind == "count":
            now, before, interval = fmt.integer(r.numerator), fmt.integer(r.previous_numerator), \
                fmt.number_range(r.low, r.high)
        else:
            now = f"{fmt.percent(r.value)} ({fmt.integer(r.numerator)} af {fmt.integer(r.denominator)})"
            before = f"{fmt.percent(r.previous_value)} ({fmt.integer(r.previous_numerator)} af " \
                     f"{fmt.integer(r.previous_denominator)})"
            interval = fmt.percent_range(r.low, r.high)
        rows.append([r.label, now, interval, before, r.verdict])
    return rows


def volumes(ctx: ReportContext) -> Section:
    """Cases over time against earlier years, with intervals suited to small counts."""
    k = facts(ctx).kpis
    with ctx.reader() as con:
        trend = queries.trend(con, Filters(), by="quarter")
    by_year = trend.groupby("year", as_index=False)[["cases", "cases_a", "cases_b"]].sum()
    return Section("Omfang og udvikling", "omfang", new_page=True).add(
        Paragraph(f"Nøgletal for {ctx.year} ({k['period'].iloc[0]}) sammenlignet med samme måneder året før, med "
                  "95 %-intervaller (se afsnittet om metode)."),
        table("tabel-noegletal", ["Nøgletal", f"{ctx.year}", "95 %-interval", f"{ctx.year - 1}",
                                  "Vurdering af ændringen"], kpi_rows(k), numeric=(1, 2, 3), row_headings=True),
        Paragraph(stats.FDR_SENTENCE, "note"),
        figure("graf-noegletal", charts.kpi_chart(k), "Nøgletallene i år og sidste år med 95 %-intervaller."),
        Heading("Sager pr. år"),
        table("tabel-sager-pr-aar", ["År", "Sager", "95 %-interval", "Situation A", "Situation B"],
              [[str(r.year), fmt.integer(r.cases), fmt.number_range(*stats.poisson_interval(int(r.cases))),
                fmt.integer(r.cases_a), fmt.integer(r.cases_b)] for r in by_year.itertuples()],
              numeric=(1, 2, 3, 4), row_headings=True),
        figure("graf-sager-kvartal", charts.trend_chart(trend, "Sager pr. kvartal, situation A og B"),
               "Sager pr. kvartal for alle år, delt på situation A og B."))


def situations(ctx: ReportContext) -> Section:
    """Situation A against B this year, with the share's interval."""
    with ctx.reader() as con:
        split = queries.situation_split(con, ctx.filters)
    return Section("Situation A og B", "situation").add(
        Paragraph("Situation A er deling i uskyldig sammenhæng; situation B er trusler, afpresning, seksuel "
                  "krænkelse eller hævn. Actioncardet kræver mere af B-sager (anmeldelse, underretning)."),
        table("tabel-situation", ["Situation", "Sager", "Andel", "95 %-interval"],
              [[r.situation_label, fmt.integer(r.cases), fmt.percent(r.share), fmt.percent_range(r.low, r.high)]
               for r in split.itertuples()], numeric=(1, 2, 3), row_headings=True),
        figure("graf-situation", charts.situation_chart(split), "Årets sager fordelt på situation A og B."))


def offences_and_outcomes(ctx: ReportContext) -> Section:
    """Kinds of offence, platforms and how the cases ended."""
    with ctx.reader() as con:
        kinds = queries.offence_types(con, ctx.filters)
        platforms = queries.platforms(con, ctx.filters)
        outcomes = queries.outcomes(con, ctx.filters)
        underretning = kpis.underretning_lines(con, ctx.filters, today=ctx.today)
    return Section("Krænkelser og udfald", "kraenkelser", new_page=True).add(
        Paragraph("En sag kan have flere krænkelsestyper, platforme og vurderinger; den tælles under hver."),
        figure("graf-kraenkelsestyper", charts.offence_types_chart(kinds), "Årets sager fordelt på krænkelsestype."),
        figure("graf-platforme", charts.platforms_chart(platforms), "Årets sager fordelt på platform."),
        figure("graf-udfald", charts.outcomes_chart(outcomes), "Hvordan årets sager endte."),
        Heading("Udfald i tal"),
        table("tabel-udfald", ["Felt", "Værdi", "Sager", "Andel af sagerne"],
              [[r.field_label, r.value_label, fmt.integer(r.cases), fmt.percent(r.share)]
               for r in outcomes.itertuples()], numeric=(2, 3)),
        Heading("Tre tal for underretning"), bullets(underretning, "note"))


def actioncard(ctx: ReportContext) -> Section:
    """How each phase of the actioncard was followed, and the network where it was followed least."""
    adherence = facts(ctx).adherence
    rows = []
    for _phase, part in adherence.groupby("phase_no", sort=True):
        total = part[part["is_total"]].iloc[0]
        nets = part[~part["is_total"] & (part["n"] >= stats.MIN_GROUP_N)].sort_values(["share", "netvaerk_label"])
        low = nets.iloc[0] if not nets.empty else None
        rows.append([total["phase_label"], fmt.integer(total["n"]), fmt.integer(total["n"] - total["followed"]),
                     fmt.percent(total["share"]),
                     fmt.percent_range(*stats.wilson_interval(int(total["followed"]), int(total["n"]))),
                     f"{low['netvaerk_label']} ({fmt.percent(low['share'])} af {fmt.integer(low['n'])})"
                     if low is not None else "–"])
    return Section("Actioncardet i praksis", "actioncard", new_page=True).add(
        Paragraph("Hvor ofte hver fase i actioncardet blev fulgt, for alle netværk og pr. netværk. »Ikke fulgt« "
                  "omfatter sager, hvor trinnet ikke er registreret."),
        table("tabel-handlekort", ["Fase", "Sager", "Ikke fulgt", "Fulgt", "95 %-interval",
                                   f"Lavest (netværk med mindst {stats.MIN_GROUP_N} sager)"], rows,
              numeric=(1, 2, 3, 4), row_headings=True),
        figure("graf-handlekort", charts.adherence_heatmap(adherence), "Andel sager, hvor hver fase blev fulgt, "
               "pr. netværk."),
        Heading("Sådan måles faserne"), bullets([f"{p.label}: {p.definition}" for p in queries.PHASES], "note"))


def networks(ctx: ReportContext) -> Section:
    """Each network's cases, data completeness and yearly exercise."""
    f = facts(ctx)
    with ctx.reader() as con:
        complete = queries.completeness(con, ctx.filters)
    s = Section("Netværkene og datakvaliteten", "netvaerk", new_page=True).add(
        Paragraph("»Andel udfyldt« er andelen af de frivillige felter, der er udfyldt, hvor de er relevante. "
                  "Lavest først: her kan vejledning i udtrækket hjælpe."),
        table("tabel-netvaerk", ["SSP-netværk", "Sager", "Andel udfyldt", "Mindst udfyldte felter"],
              [[r.netvaerk, fmt.integer(r.cases), fmt.percent(r.share), r.weakest] for r in complete.itertuples()],
              numeric=(1, 2), row_headings=True),
        figure("graf-udfyldt", charts.completeness_chart(complete), "Andel udfyldte frivillige felter pr. netværk."),
        Heading("Netværk uden sager i året"))
    s.add(table("tabel-uden-sager", ["SSP-netværk", "Seneste indberetning", "Sager før"],
                [[r.netvaerk, fmt.month(r.last_month), fmt.integer(r.cases_before)]
                 for r in f.silent_networks.itertuples()], numeric=(2,))
          if not f.silent_networks.empty else Paragraph("Alle netværk har indberettet sager i året.", "note"))
    s.add(Heading(f"Årets øvelse i actioncardet ({ctx.year})"))
    s.add(table("tabel-oevelser", ["SSP-netværk", "Holdt", "Dato", "Kontaktlærere", "Heraf nye"],
                [[r.netvaerk, fmt.yes_no(r.held), fmt.day(r.held_on), fmt.integer(r.contact_teachers),
                  fmt.integer(r.new_contact_teachers)] for r in f.exercises.itertuples()], numeric=(3, 4))
          if not f.exercises.empty else Paragraph("Ingen øvelser registreret for året.", "note"))
    return s


# --- 7. learnings ----------------------------------------------------------------------------

def learnings(ctx: ReportContext) -> Section:
    """The networks' learnings grouped by actioncard phase or theme, with counts and a few
    quoted examples (the full list is an appendix), then the evaluation meetings' notes."""
    counts = facts(ctx).learning_counts
    with ctx.reader() as con:
        examples = inputs.learnings(con, ctx.year, per_tag=EXAMPLES_PER_TAG)
        meeting = notes.meeting_notes(con, year=ctx.year)
    s = Section("Netværkenes erfaringer og mødenoter", "erfaringer", new_page=True)
    total = int(counts["learnings"].sum())
    if not total:
        s.add(Paragraph(f"Ingen erfaringer skrevet i sagerne fra {ctx.year}.", "note"))
    else:
        s.add(Paragraph(f"{fmt.plural(total, 'erfaring', 'erfaringer')} er skrevet i årets sager. Teamet mærker "
                        "hver erfaring med den fase i actioncardet eller det tema, den handler om; umærkede står for "
                        f"sig. Her vises op til {EXAMPLES_PER_TAG} eksempler pr. mærke; de øvrige står i bilaget."),
              table("tabel-erfaringer-mærker", ["Fase eller tema", "Erfaringer"],
                    [[r.tag_label, fmt.integer(r.learnings)] for r in counts.itertuples()],
                    numeric=(1,), row_headings=True))
        for r in counts.itertuples():
            s.add(Heading(f"{r.tag_label} ({fmt.plural(r.learnings, 'erfaring', 'erfaringer')})", 4))
            s.add(*(Paragraph(f"{fmt.quote(e.erfaringer)} ({e.netvaerk}, {fmt.month(e.month)})", "quote")
                    for e in examples[examples["tag"] == r.tag].itertuples()))
    s.add(Heading("Noter fra evalueringsmøderne"))
    if meeting.empty:
        s.add(Paragraph(f"Ingen mødenoter gemt for {ctx.year}.", "note"))
    for r in meeting.itertuples():
        s.add(Heading(f"{r.netvaerk} – {fmt.day(r.meeting_date)}", 4),
              *(Paragraph(line) for line in str(r.note).splitlines() if line.strip()))
    return s


# --- 8-10. method and appendices -------------------------------------------------------------

def method(ctx: ReportContext) -> Section:
    """How to read the numbers, in plain words, and how each key figure is defined."""
    return Section("Sådan læses tallene", "metode", new_page=True).add(
        bullets(METHOD_ITEMS),
        Heading("Nøgletallene"), bullets([f"{k.label}: {k.definition}" for k in queries.KPIS], "note"),
        Paragraph("Metoderne bag (til fagfolk): antal sammenlignes som to Poisson-rater med en eksakt test, andele "
                  "med Boschloos eksakte test (Fishers ved mange sager), intervaller for antal er eksakte "
                  "Poisson-intervaller og for andele Wilson-intervaller, og vurderingerne er justeret for, at flere "
                  "tal vurderes samtidig (Benjamini–Hochberg).", "note"))


def learning_count(con: Any, filters: Filters) -> int:
    """Cases in the filter with a written learning (the same condition as ``queries.learnings``)."""
    clause, params = where(filters)
    sql = f"SELECT count(*) FROM cases WHERE {clause} AND length(trim(coalesce(erfaringer, ''))) > 0"
    return int(con.execute(sql, params).fetchall()[0][0])


def data_appendix(ctx: ReportContext) -> Section:
    """Which files were loaded or refused, how many rows, and how identifiable the data are."""
    with ctx.reader() as con:
        files = queries.imports(con)
        versions, current = con.execute(
            "SELECT count(*), count_if(replaced_by_import IS NULL) FROM case_versions").fetchall()[0]
        anonymity = _k_anonymity(con, ctx.year)
    loaded, refused = files[files["status"] == "indlaest"], files[files["status"] == "afvist"]
    s = Section("Bilag: data", "bilag-data", new_page=True).add(
        Paragraph(f"Databasen har {fmt.plural(current, 'aktuel sag', 'aktuelle sager')} og "
                  f"{fmt.plural(versions - current, 'ældre version', 'ældre versioner')}, der er erstattet af rettede "
                  f"udtræk. {fmt.plural(len(loaded), 'fil', 'filer')} er indlæst og {fmt.integer(len(refused))} "
                  "afvist."),
        *anonymity,
        Heading("Indlæste filer"),
        table("tabel-indlaeste", ["Fil", "Indlæst", "Rækker", "Nye", "Erstattede", "Uændrede", "Advarsler"],
              [[r.file_name, fmt.day(r.occurred_at), fmt.integer(r.rows_in_file), fmt.integer(r.rows_new),
                fmt.integer(r.rows_replaced), fmt.integer(r.rows_unchanged), fmt.integer(r.warnings)]
               for r in loaded.itertuples()], numeric=(2, 3, 4, 5, 6)),
        Heading("Afviste filer"))
    s.add(table("tabel-afviste", ["Fil", "Afvist", "Fejl", "Første fejl"],
                [[r.file_name, fmt.day(r.occurred_at), fmt.integer(r.errors), fmt.text(r.first_error)]
                 for r in refused.itertuples()], numeric=(2,))
          if not refused.empty else Paragraph("Ingen filer er afvist.", "note"))
    return s


def _k_anonymity(con: Any, year: int) -> list[Any]:
    """How identifiable the stored cases are (``analysis.disclosure``): the year's sentence and
    the table per year, so the team sees why the council's edition is protected."""
    frame = disclosure.uniqueness_frame(con)
    columns = list(frame.columns)
    rows = [[fmt.text(r[0]), fmt.integer(r[1]), fmt.integer(r[2]), fmt.percent(r[3]), fmt.integer(r[4]),
             fmt.integer(r[5])] for r in frame.itertuples(index=False)]
    return [Heading("Kan en sag genkendes?"), Paragraph(disclosure.sentence(disclosure.uniqueness(con, year))),
            table("tabel-genkendelighed", columns, rows, numeric=range(1, len(columns)), row_headings=True)]


def learnings_appendix(ctx: ReportContext) -> Section | None:
    """The year's learnings with their tags (the newest ``APPENDIX_LEARNINGS``; a year has tens)."""
    total = int(facts(ctx).learning_counts["learnings"].sum())
    if not total:
        return None
    with ctx.reader() as con:
        found = inputs.learnings(con, ctx.year, limit=APPENDIX_LEARNINGS)
    s = Section("Bilag: alle erfaringer", "bilag-erfaringer", new_page=True)
    if total > len(found):
        s.add(Paragraph(f"De nyeste {fmt.integer(len(found))} af {fmt.integer(total)} erfaringer; alle kan søges på "
                        "siden Udforsk.", "note"))
    return s.add(table("tabel-erfaringer", ["SSP-netværk", "Måned", "Situation", "Fase eller tema", "Erfaring"],
                       [[r.netvaerk, fmt.month(r.month), r.situation, r.tag_label, r.erfaringer]
                        for r in found.itertuples()]))


__all__ = ["Facts", "facts", "summary", "experience", "recommendations", "volumes", "situations",
           "offences_and_outcomes", "actioncard", "networks", "learnings", "method", "data_appendix",
           "learnings_appendix", "kpi_rows", "learning_count"]
