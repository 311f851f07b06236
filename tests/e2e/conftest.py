"""Browser tests: Playwright driving Debian's Chromium against Django's live server.

Screenshots of failing tests land in test-results/ (pytest-playwright's --screenshot option).
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group
from django.core.management import call_command

from core.roles import BUREAU, COORDINATOR, STEERING_GROUP, create_role_groups

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
def plan_2024(live_server: Any) -> None:
    # The live server flushes the database after each test, roles included: make them again.
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    create_role_groups(Group)
    call_command("loaddata", "jaarplan_2024", verbosity=0)


@pytest.fixture
def accounts(plan_2024: None, django_user_model: Any) -> dict[str, Any]:
    from districts.models import District

    users = {}
    for username, group in (
        ("bureau", BUREAU),
        ("stuurgroep", STEERING_GROUP),
        ("coordinator-twente", COORDINATOR),
        ("coordinator-ijsselland", COORDINATOR),
    ):
        user = django_user_model.objects.create_user(username=username, password=PASSWORD, is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        users[username] = user
    District.objects.get(slug="twente").coordinators.add(users["coordinator-twente"])
    District.objects.get(slug="ijsselland").coordinators.add(users["coordinator-ijsselland"])
    return users


@pytest.fixture
def log_in(live_server: Any, page: Any) -> Any:
    def log_in_as(username: str) -> Any:
        page.goto(f"{live_server.url}/inloggen/")
        page.get_by_label("Gebruikersnaam").fill(username)
        page.get_by_label("Wachtwoord").fill(PASSWORD)
        page.get_by_role("button", name="Inloggen").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    return log_in_as
