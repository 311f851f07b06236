"""The second factor: required for every account that logs in with a password (accounts.login).

The tests give every account they make an authenticator app (tests/conftest.py); here accounts are
also made without one, as they are before their user sets one up.
"""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.test import Client

from audit.models import AuditEvent
from core.roles import BUREAU
from tests.conftest import role_user, totp_code, without_second_factor
from tests.support.pages import PATHS, PUBLIC

pytestmark = pytest.mark.django_db

PASSWORD = "Sterk-wachtwoord-2024"
SETUP = "/account/tweede-factor/"
# What an account without a second factor may open besides the public pages: the setup itself.
SETUP_PAGES = {
    "/account/tweede-factor/",
    "/account/tweede-factor/totp/activate/",
    "/account/tweede-factor/reauthenticate/",
    "/account/tweede-factor/recovery-codes/",
    "/account/tweede-factor/recovery-codes/generate/",
    "/account/tweede-factor/recovery-codes/download/",
    "/account/tweede-factor/webauthn/",
    "/account/tweede-factor/webauthn/add/",
    "/account/tweede-factor/webauthn/reauthenticate/",
    "/account/bevestigen/",
}


def password_login(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post("/inloggen/", {"login": username, "password": password})


def code_for(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


@pytest.fixture
def newcomer() -> Any:
    """The bureau's new colleague with every right, before setting up a second factor."""
    user = role_user("nieuw", BUREAU, password=PASSWORD, is_superuser=True)
    return without_second_factor(user)


def test_an_account_without_a_second_factor_reaches_nothing_but_its_setup(newcomer: Any) -> None:
    client = Client()
    response = password_login(client, "nieuw")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(newcomer.pk)
    reached = []
    for path, _entry in PATHS:
        if path in PUBLIC:
            continue
        response = client.get(path)
        if response.status_code == 302 and response["Location"] == SETUP:
            continue
        reached.append(path)
    assert set(reached) <= SETUP_PAGES, sorted(set(reached) - SETUP_PAGES)
    assert "/account/tweede-factor/" in reached
    # A form sent anyway changes nothing: it is sent to the setup as well.
    response = client.post("/admin/auth/user/add/", {"username": "stiekem", "password1": "x", "password2": "x"})
    assert (response.status_code, response["Location"]) == (302, SETUP)
    setup = client.get(SETUP)
    assert "Stel eerst een tweede factor in" in setup.content.decode()


def test_the_admin_login_sends_to_the_login_with_the_second_factor(newcomer: Any) -> None:
    client = Client()
    response = client.get("/admin/login/?next=/admin/")
    assert (response.status_code, response["Location"]) == (302, "/inloggen/?next=%2Fadmin%2F")
    # Its form logs nobody in: the password alone is not enough anywhere.
    client.post("/admin/login/", {"username": "nieuw", "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_setting_up_an_authenticator_app_opens_the_site(newcomer: Any, django_capture_on_commit_callbacks: Any) -> None:
    client = Client()
    password_login(client, "nieuw")
    # Changing second factors asks for the password once more (allauth's reauthentication).
    response = client.get("/account/tweede-factor/totp/activate/")
    assert response["Location"] == "/account/bevestigen/?next=%2Faccount%2Ftweede-factor%2Ftotp%2Factivate%2F"
    confirm = client.post(response["Location"], {"password": PASSWORD})
    assert confirm["Location"] == "/account/tweede-factor/totp/activate/"
    page = client.get("/account/tweede-factor/totp/activate/")
    assert page.status_code == 200
    secret = page.context["form"].secret
    assert "Activeer authenticator-app" in page.content.decode()  # in Dutch
    wrong = client.post("/account/tweede-factor/totp/activate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert client.get("/").status_code == 302
    with django_capture_on_commit_callbacks(execute=True):  # allauth announces it after the commit
        response = client.post("/account/tweede-factor/totp/activate/", {"code": code_for(secret)})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    kinds = set(Authenticator.objects.filter(user=newcomer).values_list("type", flat=True))
    assert kinds == {"totp", "recovery_codes"}
    # Two second factors added: the app, and the recovery codes that come with it.
    added = AuditEvent.objects.filter(action="mfa_added").order_by("pk")
    assert [(e.actor, e.object_repr, e.result) for e in added] == [
        (newcomer, "authenticator-app", "success"),
        (newcomer, "herstelcodes", "success"),
    ]


def test_a_password_login_asks_for_the_code_and_a_wrong_code_does_not_log_in() -> None:
    user = role_user("coordinator", BUREAU, password=PASSWORD)
    client = Client()
    response = password_login(client, "coordinator")
    assert (response.status_code, response["Location"]) == (302, "/account/tweede-factor/authenticate/")
    # Not logged in yet: the site still asks for a login.
    assert client.get("/")["Location"].startswith("/inloggen/")
    response = password_login(client, "coordinator")
    page = client.post("/account/tweede-factor/authenticate/", {"code": "123456"})
    assert page.status_code == 200
    assert "_auth_user_id" not in client.session
    failed = AuditEvent.objects.get(action="login_failed")
    assert (failed.actor, failed.result) == (user, "failure")
    assert failed.detail == "Onjuiste code voor de tweede factor (authenticator-app)"
    response = client.post("/account/tweede-factor/authenticate/", {"code": totp_code()})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get("/").status_code == 200
    login = AuditEvent.objects.get(action="login")
    assert login.detail == "Met wachtwoord + tweede factor (totp)"


def test_removing_the_last_second_factor_sends_the_session_back_to_the_setup() -> None:
    user = role_user("coordinator", BUREAU, password=PASSWORD)
    client = Client()
    password_login(client, "coordinator")
    client.post("/account/tweede-factor/authenticate/", {"code": totp_code()})
    assert client.get("/").status_code == 200
    response = client.post("/account/tweede-factor/totp/deactivate/")
    assert response["Location"].startswith("/account/bevestigen/")
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response.status_code == 302, response.content.decode()
    assert not Authenticator.objects.filter(user=user, type="totp").exists()
    assert client.get("/")["Location"] == SETUP
    removed = AuditEvent.objects.filter(action="mfa_removed").order_by("pk")
    assert [(e.actor, e.object_repr) for e in removed] == [(user, "authenticator-app")]
