"""Single sign-on through OpenID Connect, against a real provider on 127.0.0.1 (tests/oidc_provider.py).

The browser's part (following redirects to the provider and back) is done by hand here; the browser
test in tests/e2e/test_identity.py does the same in Chromium.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from accounts.login import SECOND_FACTOR
from audit.models import AuditEvent
from core.roles import BUREAU, STEERING_GROUP
from tests.conftest import role_user
from tests.oidc_provider import Provider, running_provider, sso_settings

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


@pytest.fixture
def sso(provider: Provider, settings: Any) -> Provider:
    settings.SOCIALACCOUNT_PROVIDERS = sso_settings(provider)
    provider.people.clear()
    return provider


def sign_in_at_provider(authorize_url: str, email: str) -> str:
    """What the person does at the provider's login page: give the e-mail address, get sent back."""
    url = urlsplit(authorize_url)
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    connection.request(
        "POST",
        "/authorize",
        body=urlencode({**params, "email": email}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    response = connection.getresponse()
    assert response.status == 302
    return response.getheader("Location")


def sso_login(client: Client, provider: Provider, email: str) -> Any:
    """Press 'Inloggen met ...' on the login page, log in at the provider, come back: the last answer."""
    start = client.post("/account/oidc/sso/login/", {"process": "login"})
    assert start.status_code == 302
    assert start["Location"].startswith(f"{provider.issuer}/authorize?")
    back = urlsplit(sign_in_at_provider(start["Location"], email))
    assert back.path == "/account/oidc/sso/login/callback/"
    return client.get(f"{back.path}?{back.query}")


def test_the_login_page_offers_single_sign_on_first_when_configured(sso: Provider, client: Client) -> None:
    response = client.get("/inloggen/")
    page = response.content.decode()
    assert "Inloggen met Test-IdP" in page
    assert page.index("Inloggen met Test-IdP") < page.index('name="password"')
    # Its button is sent on to the provider: the page's form-action allows the provider's origin.
    assert f"form-action 'self' {sso.issuer}" in response["Content-Security-Policy"]


def test_without_configuration_the_login_page_has_only_the_password(client: Client, settings: Any) -> None:
    settings.SOCIALACCOUNT_PROVIDERS = {}
    response = client.get("/inloggen/")
    page = response.content.decode()
    directives = [part.strip() for part in response["Content-Security-Policy"].split(";")]
    assert "form-action 'self'" in directives
    assert "Inloggen met" not in page
    assert 'name="password"' in page
    assert client.get("/account/oidc/sso/login/").status_code == 404


def test_an_account_is_matched_on_its_email_address_and_needs_no_second_factor_of_ours(
    sso: Provider, client: Client
) -> None:
    user = role_user("els", STEERING_GROUP, email="Els.de.Vries@riec.test", password="Lokaal-wachtwoord-1")
    sso.add_person("els.de.vries@riec.test", name="Els de Vries")
    response = sso_login(client, sso, "els.de.vries@riec.test")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session[SECOND_FACTOR] == "sso"
    # The account has an authenticator app, but the provider's login is the second factor.
    assert client.get("/").status_code == 200
    # The code was exchanged with the client secret and the PKCE verifier, and no token is stored.
    request = sso.token_requests[-1]
    assert request["grant_type"] == "authorization_code"
    assert request["code_verifier"]
    from allauth.socialaccount.models import SocialToken

    assert not SocialToken.objects.exists()
    # The local password still works (with its second factor): it was not wiped by the match.
    user.refresh_from_db()
    assert user.check_password("Lokaal-wachtwoord-1")
    [login] = AuditEvent.objects.filter(action="login")
    assert (login.actor, login.result, login.ip_address) == (user, "success", "127.0.0.1")
    assert login.detail == "Met single sign-on (sso)"


def test_an_unknown_address_gets_no_account_unless_accounts_are_made(sso: Provider, client: Client) -> None:
    sso.add_person("onbekend@riec.test")
    response = sso_login(client, sso, "onbekend@riec.test")
    assert response.status_code == 403
    assert "Er is geen account met het e-mailadres onbekend@riec.test" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not get_user_model().objects.filter(email="onbekend@riec.test").exists()
    [refused] = AuditEvent.objects.all()
    assert (refused.action, refused.result, refused.actor_name) == ("login_failed", "refused", "onbekend@riec.test")


@pytest.mark.parametrize(
    ("error", "status", "heading", "detail"),
    [
        ("access_denied", 200, "Inloggen afgebroken", "Single sign-on mislukt (afgebroken bij de inlogdienst)"),
        ("server_error", 401, "Inloggen niet gelukt", "Single sign-on mislukt (fout van de inlogdienst)"),
    ],
)
def test_an_error_at_the_provider_is_a_failed_login_in_the_audit_log(
    sso: Provider, client: Client, error: str, status: int, heading: str, detail: str
) -> None:
    """The person cancels at the provider, or the provider fails: it sends them back with an error."""
    start = client.post("/account/oidc/sso/login/", {"process": "login"})
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    response = client.get("/account/oidc/sso/login/callback/", {"error": error, "state": state}, follow=True)
    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    assert response.status_code == status
    assert f"<h1>{heading}</h1>" in page and 'href="/inloggen/"' in page
    [failed] = AuditEvent.objects.all()
    assert (failed.action, failed.result, failed.detail) == ("login_failed", "failure", detail)


def test_an_unverified_address_is_not_matched(sso: Provider, client: Client) -> None:
    role_user("piet", BUREAU, email="piet@riec.test")
    sso.add_person("piet@riec.test", email_verified=False)
    response = sso_login(client, sso, "piet@riec.test")
    assert response.status_code == 403
    assert "geen bevestigd e-mailadres" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_new_account_gets_no_role(sso: Provider, client: Client, settings: Any) -> None:
    settings.OIDC_CREATE_ACCOUNTS = True
    sso.add_person("nieuw@riec.test", name="Nieuwe Collega", preferred_username="nieuw")
    response = sso_login(client, sso, "nieuw@riec.test")
    assert response.status_code == 302
    user = get_user_model().objects.get(email="nieuw@riec.test")
    assert list(user.groups.all()) == []
    assert not user.is_staff and not user.is_superuser
    assert not user.has_usable_password()
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_configured_claim_maps_to_a_role(sso: Provider, client: Client, settings: Any) -> None:
    settings.OIDC_CREATE_ACCOUNTS = True
    settings.OIDC_ROLE_CLAIM = "groups"
    settings.OIDC_ROLE_MAPPING = {"riec-stuurgroep": STEERING_GROUP, "riec-admins": "Beheerders"}
    sso.add_person("sg@riec.test", groups=["riec-stuurgroep", "riec-admins", "iets-anders"])
    assert sso_login(client, sso, "sg@riec.test").status_code == 302
    user = get_user_model().objects.get(email="sg@riec.test")
    # Only a role of riec-plan: "Beheerders" is no role here, whatever the mapping says.
    assert [group.name for group in user.groups.all()] == [STEERING_GROUP]
    assert user.is_staff
    assert Group.objects.filter(name="Beheerders").count() == 0
    [change] = AuditEvent.objects.filter(action="role_changed", object_id=str(user.pk), detail__startswith="Toegekend")
    assert change.detail == f"Toegekend: rol {STEERING_GROUP}"


def test_the_provider_is_configured_by_environment_variables_only(tmp_path: Path) -> None:
    from tests.test_production import production_env

    code = "from django.conf import settings as s; import json; print(json.dumps(s.SOCIALACCOUNT_PROVIDERS))"
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "shell", "-c", code]
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    configured = production_env(
        DATABASE_URL=db,
        OIDC_SERVER_URL="https://login.example.nl/realms/riec",
        OIDC_CLIENT_ID="riec-plan",
        OIDC_CLIENT_SECRET="geheim",
        OIDC_PROVIDER_NAME="Inloggen via RIEC-account",
    )
    result = subprocess.run(manage, env=configured, capture_output=True, text=True, timeout=120, check=True)  # noqa: S603
    providers = json.loads(result.stdout.strip().splitlines()[-1])
    [app] = providers["openid_connect"]["APPS"]
    assert app["client_id"] == "riec-plan"
    assert app["secret"] == "geheim"
    assert app["settings"] == {"server_url": "https://login.example.nl/realms/riec"}
    assert app["name"] == "Inloggen via RIEC-account"
    assert providers["openid_connect"]["OAUTH_PKCE_ENABLED"] is True
    # One variable missing: no single sign-on at all.
    del configured["OIDC_CLIENT_SECRET"]
    result = subprocess.run(manage, env=configured, capture_output=True, text=True, timeout=120, check=True)  # noqa: S603
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {}
