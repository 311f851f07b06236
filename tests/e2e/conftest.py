"""Browser tests: Playwright driving Debian's Chromium against Django's live server.

Screenshots of failing tests land in test-results/ (pytest-playwright's --screenshot option).
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest
from django.core.cache import cache

from core.roles import BUREAU, COORDINATOR, STEERING_GROUP
from strategy.models import AnnualPlan
from tests.conftest import load_plan_2024, reopened, role_user, totp_code

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# Playwright's sync API runs an event loop in the test thread; the ORM calls of the test itself
# are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "E2e-wachtwoord-2024"


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"Chromium niet gevonden ({CHROMIUM}); installeer het Debian-pakket chromium")
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def live_plan_2024(live_server: Any) -> None:
    """The plan committed for the live server's own connection, loaded per test (the live server flushes)."""
    # The live server flushes the database after each test; the flush makes the role groups again
    # (core.roles.create_role_groups_after_migrate, on post_migrate).
    load_plan_2024()


@pytest.fixture
def editable_live_plan(live_plan_2024: None) -> None:
    """The 2024 plan reopened by the bureau (it loads as adopted, as `make run` has it), for a flow that edits
    its content: sections, actions, cost lines, norms."""
    reopened(AnnualPlan.objects.get(year=2024))


@pytest.fixture
def accounts(live_plan_2024: None) -> dict[str, Any]:
    return {
        username: role_user(username, role, districts=districts, password=PASSWORD)
        for username, role, districts in (
            ("bureau", BUREAU, []),
            ("stuurgroep", STEERING_GROUP, []),
            ("coordinator-twente", COORDINATOR, ["twente"]),
            ("coordinator-ijsselland", COORDINATOR, ["ijsselland"]),
        )
    }


@pytest.fixture
def log_in(live_server: Any, page: Any) -> Any:
    def log_in_as(username: str) -> Any:
        page.context.clear_cookies()  # a test may log in as several users in turn
        page.goto(f"{live_server.url}/inloggen/")
        page.get_by_label("Gebruikersnaam").fill(username)
        page.get_by_label("Wachtwoord").fill(PASSWORD)
        page.get_by_role("button", name="Inloggen").click()
        # The second factor: the code of the authenticator app every test account has (tests/conftest.py).
        page.wait_for_url(f"{live_server.url}/account/tweede-factor/authenticate/")
        cache.clear()  # a code counts once per account; a test may log the same account in twice
        code = page.locator("input[name=code]")
        code.fill(totp_code())
        code.press("Enter")
        page.wait_for_url(f"{live_server.url}/")
        return page

    return log_in_as
