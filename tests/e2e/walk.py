"""Walking the pages a role reaches in the browser (tests/e2e/pages.py: the admin's own URL registry per role),
shared by the accessibility checks (test_accessibility.py) and the width checks (test_page_widths.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.auth import get_user_model
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.pages import role_pages

ROLES = ["stuurgroep", "coordinator-twente", "bureau"]
# Pages that only make sense once: the login and its second factor are checked by `log_in` itself.
SKIP_WALK = {"/uitloggen/"}


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
