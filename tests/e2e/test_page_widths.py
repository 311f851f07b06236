"""Nothing scrolls sideways at 390 px or at 200 % zoom (WCAG 1.4.10) on any page a role reaches; frames that
scroll take the keyboard and have a name; chart text stays legible; the menu fits a phone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.walk import ROLES, SKIP_WALK, html_pages, walk

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
