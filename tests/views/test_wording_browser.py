"""One wording check over everything a user reads (issue 13, item 4).

Every page of the navigation is opened in Chromium on a real Voilà server (the demo database),
and both report editions are rendered by papermill and opened in the same browser; the text a
reader sees (``innerText``, with every folded table opened) goes through the rules in
``wording.py``: no ISO date, no broken number agreement, only »…« quotes, no internal key, no
operating-system user as author, no English word, no phone number in double brackets; and the
product calls the actioncard by one name. Table and section headings are words, not protocol
names ("HTTP"). The texts are kept in artefacts/wording/ to read.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from evaluation.settings import REPO_ROOT
from evaluation.views import navigation
from browsing import PAGE_TIMEOUT_MS, running_dashboard
from reading import edition_texts, page_texts
from wording import internal_keys, mixed_terms, problems

pytestmark = pytest.mark.browser
expect.set_options(timeout=PAGE_TIMEOUT_MS)

TEXTS = REPO_ROOT / "artefacts" / "wording"
# Headings a consultant cannot read: protocol and programming names.
TECHNICAL_HEADINGS = {"HTTP", "URL", "ID", "Id", "id", "Status code", "JSON", "SQL"}
@pytest.fixture(scope="module")
def wording_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wording") / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    return path


@pytest.fixture(scope="module")
def server(wording_db: Path, free_port: Callable[[], int]) -> Iterator[int]:
    """A real Voilà server as ``ssp-eval dashboard`` starts it; yields its port."""
    with running_dashboard(wording_db, free_port()) as port:
        yield port


@pytest.fixture(scope="module")
def everything(browser: Browser, server: int, wording_db: Path,
               tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, list[str]]]:
    """Every page's and both editions' text, read once for the module."""
    texts = page_texts(browser, server, TEXTS)
    texts.update(edition_texts(browser, wording_db, tmp_path_factory.mktemp("rapporter"), TEXTS))
    return texts


def test_every_page_and_both_editions_keep_the_wording_rules(everything: dict[str, tuple[str, list[str]]],
                                                             wording_db: Path) -> None:
    assert set(everything) == {p.key for p in navigation.PAGES} | {"rapport-team", "rapport-kredsraad"}
    keys = internal_keys(db_path=wording_db)
    found = [problem for name, (text, _) in everything.items() for problem in problems(text, keys, where=name)]
    found += mixed_terms({name: text for name, (text, _) in everything.items()})
    assert found == [], "\n".join(found)


def test_headings_are_words_not_protocol_names(everything: dict[str, tuple[str, list[str]]]) -> None:
    found = [(name, heading) for name, (_, headings) in everything.items()
             for heading in headings if heading in TECHNICAL_HEADINGS]
    assert found == []


def test_the_rules_would_catch_what_the_pages_once_showed() -> None:
    """The rules themselves: each line a consultant once read breaks exactly the rule named."""
    keys = internal_keys()
    once = {
        "Senest revideret 2025-11-20 af teamet.": "ISO-dato",
        "1 roller uden registreret person, 9 skal bekræftes igen.": "1 roller",
        "0 af 1 sager · 95 %-interval 0 %–79 %": "1 sager",
        "Opdateret 3 sag siden.": "3 sag",
        'grænsen for "ud over tilfældig variation" strammet': "citationstegn",
        "Feltet (kraenkelsestyper) har en ukendt værdi.": "intern nøgle 'kraenkelsestyper'",
        "Kolonnen last_revised mangler.": "intern nøgle 'last_revised'",
        "Ring til red_barnet_hotline.": "intern nøgle 'red_barnet_hotline'",
        "Af: root": "styresystemets bruger 'root'",
        "Loading …": "engelsk ord 'Loading'",
        "Red Barnets hotline ((+45) 35 36 55 55)": "dobbelt parentes",
    }
    for line, rule in once.items():
        found = problems(line, keys)
        assert len(found) == 1 and rule in found[0], (line, found)
    fine = ("1 rolle mangler, 9 roller skal bekræftes igen. Kilde: https://datatilsynet.dk/2025-11-20 "
            "og aarsevaluering-2025-team.pdf. 0 af 1 sag · »ud over tilfældig variation« · 3–4 sager")
    assert problems(fine, keys) == []
    assert mixed_terms({"a": "Actioncardets faser", "b": "Handlekortet fulgt"})
    assert mixed_terms({"a": "Actioncardets faser", "b": "Actioncardet fulgt"}) == []
