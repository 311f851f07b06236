"""axe-core on every page a role reaches, app and admin (tests/e2e/pages.py: the admin's own URL registry per role):
no WCAG 2.1 A/AA or 2.2 target-size violations; nothing scrolls sideways at 390 px or at 200 % zoom.

axe-core comes from the npm registry into .cache/axe (git-ignored; `make axe`, run by `make test`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import PASSWORD
from tests.e2e.pages import role_pages

AXE = Path(settings.BASE_DIR) / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.1 A/AA and, of 2.2 AA, the target size (2.5.8): axe tags that rule "wcag22aa".
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Locally without `make axe` the check is skipped; in CI (`make test` installs it) it must run.
pytestmark = pytest.mark.skipif(not AXE.exists() and not os.environ.get("CI"), reason="axe-core ontbreekt: make axe")

ROLES = ["stuurgroep", "coordinator-twente", "bureau"]
# Pages that only make sense once: the login and its second factor are checked by `log_in` itself.
SKIP_WALK = {"/uitloggen/"}


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


def html_pages(page: Any, base: str, urls: list[str]) -> Iterator[str]:
    """Open each url that answers with a page (not a download) and yield it; a refusal (401: the single
    sign-on error page, 403: a page the role may not use) is a page the user sees too."""
    for url in urls:
        try:
            response = page.goto(f"{base}{url}")
        except PlaywrightError as error:
            if "Download is starting" in str(error):
                continue  # a CSV or PDF download, no page
            raise
        assert response is not None and response.status in (200, 401, 403), (url, response and response.status)
        if "text/html" in response.headers.get("content-type", ""):
            yield url


def walk(username: str, log_in: Any, live_server: Any) -> tuple[Any, list[str]]:
    user = get_user_model().objects.get(username=username)
    return log_in(username), role_pages(user)


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


# Each role reaches at least this many pages (a walk that finds nothing proves nothing).
MIN_PAGES = {"stuurgroep": 25, "coordinator-twente": 40, "bureau": 70}

WIDER_THAN_WINDOW = "document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"


@pytest.mark.parametrize("username", ROLES)
@pytest.mark.parametrize(
    ("width", "zoom"),
    [(390, 1), (1280, 2)],
    ids=["phone-390px", "zoom-200pct-of-1280px"],
)
def test_no_page_scrolls_sideways(
    username: str, width: int, zoom: int, accounts: dict[str, Any], log_in: Any, live_server: Any
) -> None:
    """WCAG 1.4.10: at 390 CSS px, and at 200 % zoom of a 1280 px window (a 640 CSS px viewport with
    twice the pixel density), no page is wider than the window."""
    page, urls = walk(username, log_in, live_server)
    page.set_viewport_size({"width": width // zoom, "height": 844})
    wide = {}
    for url in html_pages(page, live_server.url, [u for u in urls if u not in SKIP_WALK]):
        if page.evaluate(WIDER_THAN_WINDOW):
            wide[url] = page.evaluate("document.documentElement.scrollWidth")
    assert wide == {}


SCROLLING_FRAMES = """() => [...document.querySelectorAll('*')].filter(e => {
  const overflow = getComputedStyle(e).overflowX;
  return (overflow === 'auto' || overflow === 'scroll') && e.scrollWidth > e.clientWidth + 1;
}).filter(e => !(e.tabIndex >= 0 && (e.getAttribute('aria-label') || e.getAttribute('aria-labelledby'))))
  .map(e => `${e.tagName.toLowerCase()}.${e.className}`)"""


@pytest.mark.parametrize("username", ["bureau"])
def test_frames_that_scroll_on_a_phone_take_the_keyboard_and_have_a_name(
    username: str, accounts: dict[str, Any], log_in: Any, live_server: Any
) -> None:
    page, urls = walk(username, log_in, live_server)
    page.set_viewport_size({"width": 390, "height": 844})
    unreachable = {}
    for url in html_pages(page, live_server.url, [u for u in urls if u not in SKIP_WALK]):
        if frames := page.evaluate(SCROLLING_FRAMES):
            unreachable[url] = frames
    assert unreachable == {}


@pytest.mark.parametrize("width", [390, 1366])
def test_chart_text_is_at_least_12_px(width: int, accounts: dict[str, Any], log_in: Any, live_server: Any) -> None:
    page = log_in("stuurgroep")
    page.set_viewport_size({"width": width, "height": 900})
    for url in ("/", "/districten/twente/"):
        page.goto(f"{live_server.url}{url}")
        sizes = page.evaluate(
            """() => [...document.querySelectorAll('svg.status-chart text')].map(t => {
                const svg = t.ownerSVGElement;
                const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
                return parseFloat(t.getAttribute('font-size')) * scale;
            })"""
        )
        assert sizes and min(sizes) >= 12, (url, min(sizes))


def test_the_menu_fits_a_phone(accounts: dict[str, Any], log_in: Any, live_server: Any) -> None:
    page = log_in("bureau")
    menu_link = page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Jaarplannen")
    assert menu_link.is_visible()  # a wide screen: the menu is simply there
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/jaarplannen/")
    header = page.locator(".site-header").bounding_box()
    assert header is not None and header["height"] < 70  # one line: brand and "Menu"
    assert not menu_link.is_visible()
    page.get_by_text("Menu", exact=True).click()
    assert menu_link.is_visible()
    menu_link.click()
    page.wait_for_url(f"{live_server.url}/jaarplannen/")
