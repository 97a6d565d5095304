"""Plan status: what the SSP team must follow up to keep the plan current (``ssp-eval plan status``).

One list answers the plan-content questions of the yearly evaluation with concrete items:

* ``policy_revised``   – a related policy revised after the plan's last evaluation (question 1;
  nothing is flagged while no evaluation date is recorded),
* ``role_missing``     – a network with no one registered in a required role, e.g. no SSP
  contact teacher (question 2),
* ``role_due``         – a key person not verified within ``settings.verification_months`` (2),
* ``address_broken``   – a web address the link checker finds broken (3),
* ``address_moved``    – a web address that permanently redirects: the new one is proposed (3),
* ``phone_broken``     – a phone number whose latest check found it not working (3),
* ``phone_due``        – a phone number not checked within ``settings.verification_months`` (3),
* ``exercise_missing`` – a network without this year's actioncard exercise (the plan's
  yearly training requirement).

The plan's last evaluation date is the ``plan_meta`` key ``last_evaluated`` (set with
``registry.set_plan_meta`` after each evaluation). Link results are read straight from the
``link_checks`` table (latest check per registry address); a check only counts while its URL
is still the address in the registry, so accepting a moved address clears the item at once.
A broken address (HTTP 4xx/5xx) is listed at once; an unreachable one (DNS, TLS, timeout,
often passing) only when it has failed for ``settings.link_failing_days`` days running.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pandas as pd

from evaluation.plan import keypersons, phone_checks
from evaluation import settings as config

__all__ = ["KINDS", "KIND_LABELS", "LAST_EVALUATED_KEY", "COLUMNS", "due_items", "format_due"]

LAST_EVALUATED_KEY = "last_evaluated"
KINDS = ("policy_revised", "role_missing", "role_due", "address_broken", "address_moved", "phone_broken",
         "phone_due", "exercise_missing", "retention_past")
KIND_LABELS = {
    "policy_revised": "Politikker og planer revideret efter seneste evaluering",
    "role_missing": "Roller uden registreret nøgleperson",
    "role_due": f"Nøglepersoner ikke bekræftet i {config.settings.verification_months} måneder",
    "address_broken": "Webadresser, der ikke virker",
    "address_moved": "Webadresser, der er flyttet",
    "phone_broken": "Telefonnumre, der ikke virker",
    "phone_due": f"Telefonnumre ikke kontrolleret i {config.settings.verification_months} måneder",
    "exercise_missing": "Årets øvelse i actioncardet mangler",
    "retention_past": "Sager ældre end planens opbevaringsperiode",
}
COLUMNS = ["kind", "kind_label", "what", "why", "since", "network", "ref", "proposed"]
# How format_due words ``since`` per kind; kinds whose "why" already holds the date have none.
SINCE_WORDS = {"retention_past": "Forfalden siden", "role_due": "Forfalden siden", "address_broken": "Fejler siden", "address_moved": "Set flyttet siden"}


def due_items(con: duckdb.DuckDBPyConnection, *, today: date | None = None) -> pd.DataFrame:
    """Everything due, one row per item: kind, Danish kind label, what, why (Danish), since,
    and what a page needs to act on the item: network, ref, proposed.

    ``since`` is the date the item became due (NaT when there is no such date, e.g. a role
    that was never filled). ``ref`` is the registry id the item is about (policy_id,
    role_id, address_id; None for exercises), ``network`` the network of a role or exercise,
    ``proposed`` the new address of a moved one. Rows come in ``KINDS`` order, then by what.
    """
    today = today or date.today()
    rows: list[dict[str, Any]] = []
    rows += _policies(con)
    rows += _roles(con, today)
    rows += _addresses(con)
    rows += _phones(con, today)
    rows += _exercises(con, today)
    rows += _retention(con, today)
    frame = pd.DataFrame(rows, columns=["kind", "what", "why", "since", "network", "ref", "proposed"])
    frame.insert(1, "kind_label", frame["kind"].map(KIND_LABELS))
    frame["since"] = pd.to_datetime(frame["since"])
    frame["_order"] = frame["kind"].map(KINDS.index)
    frame = frame.sort_values(["_order", "what"], kind="stable").drop(columns="_order")
    return frame.reset_index(drop=True)[COLUMNS]


def _d(value: Any) -> str:
    """A date as Danes write it on paper: 20.11.2025."""
    return f"{pd.Timestamp(value):%d.%m.%Y}"


# --- question 1: policies -----------------------------------------------------------------

def _policies(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Policies revised after the plan was last evaluated.

    Without a recorded last evaluation nothing is flagged, as in the dashboards'
    ``notes.policy_status``, so the CLI and the dashboard agree.
    """
    rows = con.execute(
        """WITH evaluated AS (SELECT max(TRY_CAST(left(value, 10) AS DATE)) AS d FROM plan_meta WHERE key = ?)
           SELECT p.name, p.last_revised, e.d, p.policy_id
           FROM policies p CROSS JOIN evaluated e
           WHERE p.last_revised > e.d
           ORDER BY p.name""", [LAST_EVALUATED_KEY]).fetchall()
    return [{"kind": "policy_revised", "what": name, "since": revised, "ref": policy_id,
             "why": f"Revideret {_d(revised)}, efter planens seneste evaluering {_d(evaluated)}. "
                    "Tjek, at handleplanen stadig stemmer overens."}
            for name, revised, evaluated, policy_id in rows]


# --- question 2: key persons --------------------------------------------------------------

def _roles(con: duckdb.DuckDBPyConnection, today: date) -> list[dict[str, Any]]:
    """Required roles never filled, and roles whose verification is older than the limit."""
    status = keypersons.role_status(con, today=today)
    months = config.settings.verification_months
    out = []
    for row in status[status["due"]].itertuples():
        what = f"{row.role} i {row.netvaerk}"
        if row.missing:
            why = ("Netværket har ingen registreret SSP-kontaktlærer." if row.role_id == "ssp_kontaktlaerer"
                   else "Ingen nøgleperson er registreret i rollen for netværket.")
            out.append({"kind": "role_missing", "what": what, "why": why, "since": None,
                        "network": row.netvaerk, "ref": row.role_id})
        else:
            became_due = pd.Timestamp(row.verified_on) + pd.DateOffset(months=months)
            out.append({"kind": "role_due", "what": what, "since": became_due,
                        "network": row.netvaerk, "ref": row.role_id,
                        "why": f"Sidst bekræftet {_d(row.verified_on)}; skal bekræftes mindst hver "
                               f"{months}. måned."})
    return out


# --- question 3: web addresses ------------------------------------------------------------

def _key_sql(column: str) -> str:
    """SQL comparison key of an address (no scheme, trailing slash or www., any case), as links.py."""
    return (f"lower(regexp_replace(regexp_replace(rtrim(trim({column}), '/'), '^https?://', '', 'i'), "
            "'^www[.]', '', 'i'))")


def _links_sql(con: duckdb.DuckDBPyConnection) -> str:
    """Latest check per registry address whose class is failing or moved, with its streak start.

    Only checks of the address's *current* url count. Checks stored by an offline run
    (``error_kind = 'offline'``) say nothing about the address and are skipped; the optional
    columns (``error_kind``, ``proposed_url``) are used when the database has them.
    """
    columns = {d[0] for d in con.execute("SELECT * FROM link_checks LIMIT 0").description}
    offline = "AND coalesce(c.error_kind, '') <> 'offline'" if "error_kind" in columns else ""
    proposed = "coalesce(c.proposed_url, c.final_url)" if "proposed_url" in columns else "c.final_url"
    return f"""
WITH checks AS (
    SELECT c.address_id, c.checked_at, c.status, c.http_status, {proposed} AS proposed, c.error,
           CASE WHEN c.status IN ('broken', 'unreachable') THEN 'failing' ELSE c.status END AS grp
    FROM link_checks c JOIN addresses a USING (address_id)
    WHERE {_key_sql('c.url')} = {_key_sql('a.url')} {offline}
),
latest AS (
    SELECT * FROM checks
    QUALIFY row_number() OVER (PARTITION BY address_id ORDER BY checked_at DESC) = 1
),
streak_break AS (   -- the last check of another class before the current run of this class
    SELECT l.address_id, max(c.checked_at) AS t
    FROM latest l JOIN checks c ON c.address_id = l.address_id AND c.grp <> l.grp
    GROUP BY l.address_id
)
SELECT a.url, l.status, l.http_status, l.proposed, l.error, l.checked_at, a.address_id,
       (SELECT min(c.checked_at) FROM checks c
        WHERE c.address_id = l.address_id AND c.grp = l.grp AND (b.t IS NULL OR c.checked_at > b.t)) AS since
FROM latest l
JOIN addresses a USING (address_id)
LEFT JOIN streak_break b USING (address_id)
WHERE l.grp IN ('failing', 'moved')
ORDER BY a.url
"""


def _addresses(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Registry addresses whose latest check is broken, long unreachable, or moved.

    Days failing are counted like links.latest_status: from the first failing check of the
    current run to the latest check (evidence, not the calendar).
    """
    limit = config.settings.link_failing_days
    out = []
    for url, status, http_status, proposed, error, checked_at, address_id, since in (
            con.execute(_links_sql(con)).fetchall()):
        days = (checked_at.date() - since.date()).days
        running = f"; har fejlet i {days} dage i træk" if days >= 1 else ""
        over = f" (grænsen er {limit} dage): ret eller fjern adressen i planen" if days >= limit else ""
        if status == "moved":
            target = _printed(proposed) if proposed else "en ny adresse"
            out.append({"kind": "address_moved", "what": url, "since": since, "ref": address_id,
                        "proposed": proposed,
                        "why": f"Viderestilles permanent til {target} (kontrolleret {_d(checked_at)}). "
                               "Foreslået: ret adressen i planen."})
        elif status == "broken":
            code = (f"HTTP-status {http_status}" if http_status
                    else f"fejl ({error})" if isinstance(error, str) and error else "fejl")
            out.append({"kind": "address_broken", "what": url, "since": since, "ref": address_id,
                        "why": f"Seneste kontrol {_d(checked_at)} gav {code}{running}{over}."})
        elif days >= limit:  # unreachable: often passing, so only after the agreed number of days
            reason = f" ({error})" if isinstance(error, str) and error else ""
            out.append({"kind": "address_broken", "what": url, "since": since, "ref": address_id,
                        "why": f"Kunne ikke nås{reason}{running}{over}."})
    return out


def _printed(url: str) -> str:
    """An address the way the plan prints it (as registry.printed_url), for the proposal."""
    from evaluation.plan.registry import printed_url

    return printed_url(url)


# --- phone numbers ------------------------------------------------------------------------

def _phones(con: duckdb.DuckDBPyConnection, today: date) -> list[dict[str, Any]]:
    """Phone numbers found not working, or not checked within the verification period."""
    out = []
    for row in phone_checks.latest_status(con, today=today).to_dict("records"):
        if not row["due"]:
            continue
        what = f"{row['number']} ({row['actor_name']})" if isinstance(row["actor_name"], str) else row["number"]
        checked = row["checked_on"]
        if row["result"] == "broken":
            out.append({"kind": "phone_broken", "what": what, "since": checked, "ref": row["phone_id"],
                        "why": f"Virkede ikke ved kontrollen {_d(checked)}: ret eller fjern nummeret i planen."})
        else:
            why = ("Aldrig kontrolleret." if pd.isna(checked) else f"Senest kontrolleret {_d(checked)}.")
            out.append({"kind": "phone_due", "what": what, "since": None if pd.isna(checked) else checked,
                        "ref": row["phone_id"],
                        "why": why + " Ring op eller slå nummeret op hos organisationen, og markér det som kontrolleret."})
    return out


# --- the yearly exercise ------------------------------------------------------------------

def _exercises(con: duckdb.DuckDBPyConnection, today: date) -> list[dict[str, Any]]:
    """Networks without a held exercise registered for this calendar year."""
    year = today.year
    saved = keypersons.exercises(con, year).set_index("netvaerk")
    out = []
    for network in keypersons.networks(con):
        if network in saved.index and bool(saved.at[network, "held"]):
            continue
        why = (f"Registreret som ikke holdt i {year}." if network in saved.index
               else f"Ingen øvelse registreret for {year}.")
        out.append({"kind": "exercise_missing", "what": f"Øvelse {year} i {network}", "network": network,
                    "why": why + " Planen kræver en årlig øvelse for alle SSP-kontaktlærere.",
                    "since": date(year, 1, 1)})
    return out


# --- retention (store/retention.py) --------------------------------------------------------

def _retention(con: duckdb.DuckDBPyConnection, today: date) -> list[dict[str, Any]]:
    """Cases reported before the plan's retention period: one item, ``ref`` the last year to erase."""
    from evaluation.store import retention

    past = retention.past_retention(con, today)
    if not past.cases:
        return []
    keep = past.retention
    standard = "" if keep.from_plan else " (standard; planen har ikke fastsat en periode: retention_years)"
    why = (f"{past.cases} {'sag er' if past.cases == 1 else 'sager er'} ældre end opbevaringsperioden på "
           f"{keep.years} år{standard}.")  # how to erase: format_due (CLI), the Opfølgning page's button
    return [{"kind": "retention_past", "what": f"Sager indberettet i {past.through_year} og før", "why": why,
             "since": date(int(past.oldest_year or past.through_year) + keep.years + 1, 1, 1),
             "ref": str(past.through_year)}]


# --- text for the CLI ---------------------------------------------------------------------

# How the CLI does an item (the pages have their own button): appended to its text.
CLI_HOW = {"retention_past": " Slet dem med 'ssp-eval slet til-og-med {ref}'."}


def format_due(frame: pd.DataFrame) -> str:
    """The due items as Danish text, grouped by kind with a count per group."""
    if frame.empty:
        return ("Intet at følge op på: politikker, nøglepersoner, webadresser, telefonnumre og årets "
                "øvelser er ajour.")
    lines = [f"Til opfølgning: {len(frame)} {'punkt' if len(frame) == 1 else 'punkter'}."]
    for kind, group in frame.groupby("kind", sort=False):
        lines += ["", f"{KIND_LABELS.get(kind, kind)} ({len(group)})"]
        for row in group.itertuples():
            word = SINCE_WORDS.get(kind)
            since = f" {word} {_d(row.since)}." if word and pd.notna(row.since) else ""
            how = CLI_HOW.get(kind, "").format(ref=row.ref)
            lines.append(f"  - {row.what}: {row.why}{how}{since}")
    return "\n".join(lines)
