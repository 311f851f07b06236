"""Logging in, in the browser: setting up and using an authenticator app (TOTP), single sign-on through
a local OpenID Connect provider, and admin pages that work under the Content-Security-Policy."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import AccountState
from audit.models import AuditEvent
from core.roles import BUREAU, STEERING_GROUP
from strategy.models import PlanSection
from tests.conftest import role_user, without_second_factor
from tests.e2e.conftest import PASSWORD
from tests.oidc_provider import Provider, running_provider, sso_settings

pytestmark = pytest.mark.django_db(transaction=True)


def code_for(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def test_a_new_colleague_sets_up_an_authenticator_app_and_logs_in_with_it(
    live_plan_2024: None, live_server: Any, page: Any
) -> None:
    without_second_factor(role_user("nieuw", STEERING_GROUP, password=PASSWORD))
    page.goto(f"{live_server.url}/inloggen/")
    page.get_by_label("Gebruikersnaam").fill("nieuw")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    # Without a second factor: only its setup.
    page.wait_for_url(f"{live_server.url}/account/tweede-factor/")
    expect(page.locator(".messages")).to_contain_text("Stel eerst een tweede factor in")
    page.goto(f"{live_server.url}/jaarplan/2024/")
    expect(page).to_have_url(f"{live_server.url}/account/tweede-factor/")
    page.goto(f"{live_server.url}/account/tweede-factor/totp/activate/")
    # The password once more before changing second factors.
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_label("Wachtwoord").press("Enter")
    page.wait_for_url(f"{live_server.url}/account/tweede-factor/totp/activate/")
    expect(page.get_by_role("heading", name="Activeer authenticator-app")).to_be_visible()
    expect(page.locator("img[src^='data:image/svg+xml']")).to_be_visible()  # the QR code
    secret = page.locator("#authenticator_secret").input_value()
    page.locator("input[name=code]").fill(code_for(secret))
    page.locator("input[name=code]").press("Enter")
    page.goto(f"{live_server.url}/jaarplan/2024/")
    expect(page.get_by_role("heading", name="4.1 Wat kost het?")).to_be_visible()

    # Next time: the password, then the code from the app.
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(f"{live_server.url}/inloggen/")
    page.get_by_label("Gebruikersnaam").fill("nieuw")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{live_server.url}/account/tweede-factor/authenticate/")
    cache.clear()  # the code used for the setup may still be the current one
    page.locator("input[name=code]").fill("000000")
    page.locator("input[name=code]").press("Enter")
    expect(page.locator("input[name=code]")).to_be_visible()  # a wrong code: still asked
    page.locator("input[name=code]").fill(code_for(secret))
    page.locator("input[name=code]").press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions.count("mfa_added") == 2  # the app and its recovery codes
    assert actions.count("login_failed") == 1
    assert actions[-1] == "login"


@pytest.fixture
def provider(settings: Any) -> Iterator[Provider]:
    with running_provider() as running:
        settings.SOCIALACCOUNT_PROVIDERS = sso_settings(running)
        yield running


def test_single_sign_on_through_the_organisations_provider(
    live_plan_2024: None, live_server: Any, page: Any, provider: Provider
) -> None:
    user = role_user("els", BUREAU, email="els@riec.test")
    # The bureau allowed the link on the accounts desk (an e-mail address alone links nothing).
    AccountState.objects.create(user=user, sso_link_allowed_until=timezone.now() + datetime.timedelta(days=7))
    provider.add_person("els@riec.test", name="Els de Vries")
    page.goto(f"{live_server.url}/jaarplan/2024/")
    page.get_by_role("button", name="Inloggen met Test-IdP").click()
    # At the provider.
    expect(page.get_by_role("heading", name="Test-identiteitsprovider")).to_be_visible()
    page.get_by_label("E-mailadres").fill("els@riec.test")
    page.get_by_role("button", name="Aanmelden bij de test-IdP").click()
    # Back, logged in, without our second factor: the provider's login was the second.
    page.wait_for_url(f"{live_server.url}/jaarplan/2024/")
    expect(page.get_by_role("heading", name="4.1 Wat kost het?")).to_be_visible()
    expect(page.get_by_role("link", name="Beheer", exact=True)).to_be_visible()
    login = AuditEvent.objects.get(action="login")
    assert (login.actor, login.detail) == (user, "Met single sign-on (sso)")


def test_admin_pages_work_under_the_content_security_policy(accounts: Any, log_in: Any, live_server: Any) -> None:
    page = log_in("bureau")
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    section = PlanSection.objects.get(plan__year=2024, slug="kennis-en-kunde")
    for path in (
        "/admin/",
        "/admin/strategy/plansection/",
        f"/admin/strategy/plansection/{section.pk}/change/",
        f"/admin/strategy/plansection/{section.pk}/history/",
        "/admin/strategy/action/add/",
        "/admin/strategy/action/import/",
        "/admin/strategy/action/export/",
        "/admin/budget/costline/",
        "/admin/audit/auditevent/",
        "/rechtenoverzicht/",
        "/account/tweede-factor/",
    ):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("body")).to_be_visible()
    # The admin's own scripts run: selecting all rows of a list updates its counter.
    page.goto(f"{live_server.url}/admin/strategy/plansection/")
    counter = page.locator(".action-counter")
    before = counter.inner_text()
    page.locator("#action-toggle").check()
    expect(counter).not_to_have_text(before)
    assert refused == []
