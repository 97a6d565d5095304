"""actioncard.py and ``ssp-eval actioncard``: the card follows the registry and prints on one A4 page."""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from evaluation.plan import actioncard, registry
from evaluation.store import db
from evaluation.plan.actioncard import _Marker
from evaluation.cli import cli

# The plan document (Hjørring Kommune's handleplan), kept in the repo so the test always runs.
PLAN_DOCUMENT = Path(__file__).parents[1] / "data" / "registry_handleplan.txt"


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    path = tmp_path / "plan.duckdb"
    db.init(path)
    return path


def render(path: Path) -> str:
    with db.reader(path) as con:
        return actioncard.render_html(con)


def visible_text(html: str) -> str:
    """The page's text as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    body = re.sub(r"</?span[^>]*>", "", html.split("<body>", 1)[1])  # inline: no space
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_card_has_every_phase_step_address_and_number_of_the_registry(seeded: Path) -> None:
    page = render(seeded)
    text = visible_text(page)
    with db.reader(seeded) as con:
        card = registry.actioncard(con)
        addresses = registry.addresses(con)
        phones = registry.phones(con)
        roles = registry.roles(con)
    assert card["phase_no"].nunique() == 5 and len(card) == 13
    for title in card["phase_title"].unique():
        assert title in text
    for row in card.itertuples():
        assert row.title in text
        assert " ".join(row.text.split()) in text, f"step {row.step_id}: text changed on the card"
    assert re.findall(r'<span class="n">(\d+)</span>', page) == [str(n) for n in range(1, 14)]
    for url in addresses["url"]:
        assert f'<span class="ref">{url}</span>' in page
    for number in phones["number"]:
        assert f'<span class="ref">{number}</span>' in page
    for title in roles.loc[roles["per_network"], "title"]:
        assert title in text
    assert "Hjørring Kommune" in text


def test_card_has_every_address_and_number_of_the_plan_document(seeded: Path) -> None:
    plan = PLAN_DOCUMENT.read_text(encoding="utf-8")  # in the repo: a missing file fails the test
    numbers = set(re.findall(r"\b\d{2} \d{2} \d{2} \d{2}\b", plan)) | set(re.findall(r"\b11\d\b", plan))
    urls = {u.lower() for u in re.findall(r"\b[a-z0-9-]+\.dk(?:/[a-z0-9_-]+)*", plan, re.I)}
    assert numbers == {"114", "35 36 55 55", "29 27 01 01"}
    assert urls == {"redbarnet.dk/sletdet", "datatilsynet.dk", "politi.dk/anmeld"}
    text = visible_text(render(seeded))
    for item in numbers:
        assert item in text
    for url in urls:
        assert url in text.lower()
    steps = ("Afdæk", "Vurder", "Inddrag", "Gem", "Noter", "Kendt krænker", "Ukendt krænker", "Samarbejde",
             "Politianmeldelse", "Forsikringsanmeldelse", "Faglig sparring", "Hjælp de relevante",
             "Håndtering af omgivelserne")
    for step in steps:
        assert step in plan and step in text


def test_an_accepted_new_address_and_number_reach_the_card_the_same_day(seeded: Path) -> None:
    with db.writer(seeded) as con:
        registry.update_address_url(con, "red_barnet_sletdet", "https://sletdet.redbarnet.dk/", reason="Linktjek")
        registry.update_item(con, "phones", "sikkerchat", {"number": "29 27 01 99"}, reason="Nyt nummer")
    page = render(seeded)
    text = visible_text(page)
    assert "redbarnet.dk/sletdet" not in text.lower()
    assert "29 27 01 01" not in text
    assert text.count("sletdet.redbarnet.dk") == 2  # in the step "Ukendt krænker" and in the contact box
    assert text.count("29 27 01 99") == 2           # in "Hjælp de relevante" and in the contact box
    assert "sociale medier: sletdet.redbarnet.dk - hvis hjælpen nægtes" in text
    # A second move is followed too: every earlier address of the item is replaced.
    with db.writer(seeded) as con:
        registry.update_address_url(con, "red_barnet_sletdet", "sletdet.dk")
    text = visible_text(render(seeded))
    assert "sletdet.redbarnet.dk" not in text and "sociale medier: sletdet.dk - hvis" in text


def test_marker_only_touches_whole_addresses_and_numbers() -> None:
    mark = _Marker({"politi.dk": "politi.dk", "114": "114", "redbarnet.dk/sletdet": "sletdet.dk"})
    assert mark("ring 1145 eller 114.") == 'ring 1145 eller <span class="ref">114</span>.'
    assert mark("se politi.dk/anmeld") == "se politi.dk/anmeld"
    assert mark("Redbarnet.dk/sletdet - ok") == '<span class="ref">sletdet.dk</span> - ok'
    assert mark("<b>114</b>") == '&lt;b&gt;<span class="ref">114</span>&lt;/b&gt;'  # texts are escaped


def test_html_is_self_contained_and_printable(seeded: Path) -> None:
    page = render(seeded)
    assert page.startswith("<!DOCTYPE html>") and '<html lang="da">' in page
    assert "@page { size: A4" in page
    assert not re.search(r"""(?:src|href)=["']?https?:""", page) and "<script" not in page and "@import" not in page


def test_cli_writes_html_and_a_one_page_pdf(seeded: Path, tmp_path: Path) -> None:
    out = tmp_path / "kort"
    result = CliRunner().invoke(cli, ["actioncard", "--db", str(seeded), "--out", str(out)], prog_name="ssp-eval")
    assert result.exit_code == 0, result.output
    html_path, pdf_path = out / actioncard.HTML_NAME, out / actioncard.PDF_NAME
    assert f"Skrev {html_path}" in result.output and f"Skrev {pdf_path}" in result.output
    assert "Ukendt krænker" in html_path.read_text(encoding="utf-8")
    pdf = pdf_path.read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf)) == 1
    assert actioncard.count_pdf_pages(pdf) == 1
    assert re.search(rb"/MediaBox\s*\[\s*0 0 59[45](?:\.\d+)? 84[12](?:\.\d+)?\s*\]", pdf), "A4 in points"


def test_a_card_that_grew_still_prints_on_one_page(seeded: Path, tmp_path: Path) -> None:
    with db.writer(seeded) as con:
        step = registry.actioncard(con).set_index("step_id").loc["hjaelp_de_relevante"]
        registry.update_item(con, "actioncard_steps", "hjaelp_de_relevante", {"text": f"{step.text} " * 2})
    html_path, pdf_path = actioncard.write(seeded, tmp_path / "ud")
    assert html_path.exists()
    assert actioncard.count_pdf_pages(pdf_path.read_bytes()) == 1


def test_a_card_far_too_long_for_one_page_is_reported_in_danish(seeded: Path, tmp_path: Path) -> None:
    with db.writer(seeded) as con:
        step = registry.actioncard(con).set_index("step_id").loc["gem"]
        registry.update_item(con, "actioncard_steps", "gem", {"text": f"{step.text} " * 12})
    with pytest.raises(actioncard.ActioncardError, match="fylder [2-9] sider"):
        actioncard.write(seeded, tmp_path / "ud")
    assert actioncard.count_pdf_pages((tmp_path / "ud" / actioncard.PDF_NAME).read_bytes()) > 1


def test_count_pdf_pages_ignores_the_pages_tree() -> None:
    fake = b"%PDF-1.4 1 0 obj << /Type /Pages /Count 2 >> 2 0 obj << /Type /Page >> 3 0 obj <</Type/Page>>"
    assert actioncard.count_pdf_pages(fake) == 2
