"""The accounts desk in the browser: the bureau makes coordinator-twente-2, who logs in with the one-time
password, must choose an own password and set up an authenticator app, and then reaches Mijn acties."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from audit.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / ".cache" / "screenshots"
OWN_PASSWORD = "Zonnebloem-Hengelo-88"


def code_for(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"desk-{name}.png"), full_page=True)


def test_the_bureau_makes_an_account_that_logs_in_changes_its_password_and_sets_up_totp(
    accounts: Any, log_in: Any, live_server: Any
) -> None:
    page = log_in("bureau")
    page.get_by_role("link", name="Accounts", exact=True).click()
    expect(page.get_by_role("heading", name="Accounts", exact=True)).to_be_visible()
    page.get_by_role("link", name="Nieuw account").click()
    page.get_by_label("Gebruikersnaam").fill("coordinator-twente-2")
    page.get_by_label("Voornaam").fill("Tom")
    page.get_by_label("Achternaam").fill("Tukker")
    page.get_by_label("E-mailadres").fill("tom.tukker@riec.test")
    page.get_by_label("Districtcoördinator").check()
    page.get_by_label("Twente").check()
    shot(page, "1-nieuw")
    page.get_by_role("button", name="Account aanmaken").click()
    expect(page.get_by_role("heading", name="Account coordinator-twente-2 aangemaakt")).to_be_visible()
    shot(page, "2-wachtwoord")
    password = page.locator("#one-time-password").inner_text()
    assert len(password) == 19
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(f"{live_server.url}/inloggen/")

    # The new coordinator's first login (a new account has no second factor yet).
    user = get_user_model().objects.get(username="coordinator-twente-2")
    Authenticator.objects.filter(user=user).delete()  # (tests/conftest.py gives every account an app)
    page.get_by_label("Gebruikersnaam").fill("coordinator-twente-2")
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{live_server.url}/account/wachtwoord/")
    expect(page.locator(".messages")).to_contain_text("Kies eerst een eigen wachtwoord")
    shot(page, "3-eigen-wachtwoord")
    page.goto(f"{live_server.url}/mijn-acties/")
    expect(page).to_have_url(f"{live_server.url}/account/wachtwoord/")  # nothing else first
    page.locator("input[name=oldpassword]").fill(password)
    page.locator("input[name=password1]").fill(OWN_PASSWORD)
    page.locator("input[name=password2]").fill(OWN_PASSWORD)
    page.locator("input[name=password2]").press("Enter")

    # Then the second factor.
    page.wait_for_url(f"{live_server.url}/account/tweede-factor/")
    expect(page.locator(".messages")).to_contain_text("Stel eerst een tweede factor in")
    page.goto(f"{live_server.url}/account/tweede-factor/totp/activate/")
    if "/bevestigen/" in page.url or "reauthenticate" in page.url:
        page.get_by_label("Wachtwoord").fill(OWN_PASSWORD)
        page.get_by_label("Wachtwoord").press("Enter")
        page.wait_for_url(f"{live_server.url}/account/tweede-factor/totp/activate/")
    secret = page.locator("#authenticator_secret").input_value()
    page.locator("input[name=code]").fill(code_for(secret))
    page.locator("input[name=code]").press("Enter")

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Mijn acties").click()
    expect(page.get_by_role("heading", name="Mijn acties")).to_be_visible()
    shot(page, "4-mijn-acties")
    expect(page.locator("main")).to_contain_text("Twente")
    actions = set(AuditEvent.objects.filter(object_id=str(user.pk)).values_list("action", flat=True))
    assert {"account_created", "role_changed"} <= actions
