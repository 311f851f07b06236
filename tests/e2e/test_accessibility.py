"""axe-core on every page a role reaches, app and admin (tests/e2e/pages.py: the admin's own URL registry per role):
no WCAG 2.1 A/AA or 2.2 target-size violations. (Widths: test_page_widths.py, a module of its own so the
two walks run on different test workers.)

axe-core comes from the npm registry into .cache/axe (git-ignored; `make axe`, run by `make test`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.e2e.conftest import PASSWORD
from tests.e2e.walk import ROLES, html_pages, walk

AXE = Path(settings.BASE_DIR) / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.1 A/AA and, of 2.2 AA, the target size (2.5.8): axe tags that rule "wcag22aa".
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Locally without `make axe` the check is skipped; in CI (`make test` installs it) it must run.
pytestmark = pytest.mark.skipif(not AXE.exists() and not os.environ.get("CI"), reason="axe-core ontbreekt: make axe")


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # axe is injected as a script of the test; the pages' CSP (no inline script) stays as it is for users.
    return {**browser_context_args, "bypass_csp": True}


def violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> {json.dumps([n['target'] for n in v['nodes']][:3])}"
        for v in result["violations"]
    ]


# Each role reaches at least this many pages (a walk that finds nothing proves nothing).
MIN_PAGES = {"stuurgroep": 25, "coordinator-twente": 40, "bureau": 70}


@pytest.mark.parametrize("username", ROLES)
def test_no_axe_violations_on_the_pages_of_each_role(
    username: str, accounts: dict[str, Any], log_in: Any, live_server: Any
) -> None:
    page, urls = walk(username, log_in, live_server)
    found: dict[str, list[str]] = {}
    seen = 0
    for url in html_pages(page, live_server.url, urls):
        seen += 1
        if problems := violations(page):
            found[url] = problems
    assert seen >= MIN_PAGES[username]
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)


def test_no_axe_violations_on_the_login_and_second_factor(
    accounts: dict[str, Any], page: Any, live_server: Any
) -> None:
    page.goto(f"{live_server.url}/inloggen/")
    assert violations(page) == []
    page.get_by_label("Gebruikersnaam").fill("bureau")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{live_server.url}/account/tweede-factor/authenticate/")
    assert violations(page) == []


@pytest.mark.parametrize(
    ("rows", "heading"),
    [
        ("2024,bedrijfsvoering,Nieuwe kosten,900,12500,regulier,,\n", "Voorbeeld"),
        ('2024,bedrijfsvoering,Nog meer kosten,901,"260.000,50",regulier,,\n', "Er is niets geïmporteerd"),
    ],
    ids=["preview", "refused"],
)
def test_no_axe_violations_on_the_import_preview(
    rows: str,
    heading: str,
    accounts: dict[str, Any],
    log_in: Any,
    live_server: Any,
    tmp_path: Path,
    editable_live_plan: None,
) -> None:
    """The import's second page (reached by sending a file): the preview of what will change, or the errors."""
    upload = tmp_path / "kosten.csv"
    upload.write_text("Jaar,Onderdeel,Omschrijving,Volgorde,Bedrag (€),Geldstroom,Groep,Ten laste van lijn\n" + rows)
    page = log_in("bureau")
    page.goto(f"{live_server.url}/admin/budget/costline/import/")
    page.locator("input[name=import_file]").set_input_files(str(upload))
    page.locator("select[name=format]").select_option(value="0")  # csv
    page.locator("input[type=submit]").first.click()
    page.get_by_role("heading", name=heading).first.wait_for()
    assert violations(page) == []
