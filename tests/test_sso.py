"""Single sign-on through OpenID Connect, against a real provider on 127.0.0.1 (tests/oidc_provider.py).

The browser's part (following redirects to the provider and back) is done by hand here; the browser
test in tests/e2e/test_identity.py does the same in Chromium.
"""

from __future__ import annotations

import datetime
import http.client
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from accounts.login import SECOND_FACTOR
from accounts.models import AccountState
from audit.models import AuditEvent
from core.roles import BUREAU, STEERING_GROUP
from tests.conftest import role_user, totp_code
from tests.oidc_provider import Provider, running_provider, sso_settings
from tests.test_production import production_env

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


def test_an_identity_with_an_accounts_email_is_not_linked_on_that_alone(sso: Provider, client: Client) -> None:
    user = role_user("els", STEERING_GROUP, email="Els.de.Vries@riec.test", password="Lokaal-wachtwoord-1")
    sso.add_person("els.de.vries@riec.test", name="Els de Vries")
    response = sso_login(client, sso, "els.de.vries@riec.test")
    assert response.status_code == 403
    assert "is nog niet gekoppeld aan deze inlogdienst" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not SocialAccount.objects.exists()
    [refused] = AuditEvent.objects.filter(action="login_failed")
    assert (refused.actor, refused.result) == (user, "refused")


def test_the_bureau_allows_the_link_and_then_no_second_factor_of_ours_is_asked(sso: Provider, client: Client) -> None:
    user = role_user("els", STEERING_GROUP, email="Els.de.Vries@riec.test", password="Lokaal-wachtwoord-1")
    AccountState.objects.create(user=user, sso_link_allowed_until=timezone.now() + datetime.timedelta(days=7))
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
    assert not SocialToken.objects.exists()
    # The local password still works (with its second factor): it was not wiped by the link.
    user.refresh_from_db()
    assert user.check_password("Lokaal-wachtwoord-1")
    [link] = AuditEvent.objects.filter(action="sso_linked")
    assert (link.object_id, link.result) == (str(user.pk), "success")
    [login] = AuditEvent.objects.filter(action="login")
    assert (login.actor, login.result, login.ip_address) == (user, "success", "127.0.0.1")
    assert login.detail == "Met single sign-on (sso)"
    # The allowance is used up: it links once.
    assert AccountState.objects.get(user=user).sso_link_allowed_until is None


def test_an_expired_allowance_links_nothing(sso: Provider, client: Client) -> None:
    user = role_user("els", STEERING_GROUP, email="els@riec.test")
    AccountState.objects.create(user=user, sso_link_allowed_until=timezone.now() - datetime.timedelta(minutes=1))
    sso.add_person("els@riec.test")
    assert sso_login(client, sso, "els@riec.test").status_code == 403
    assert not SocialAccount.objects.exists()


def test_an_identity_with_the_superusers_email_does_not_log_in(sso: Provider, client: Client) -> None:
    admin = get_user_model().objects.create_superuser("beheer", "beheer@riec.test", "Lokaal-wachtwoord-1")
    # Not even when the bureau allowed the link, nor once an identity is linked.
    AccountState.objects.create(user=admin, sso_link_allowed_until=timezone.now() + datetime.timedelta(days=7))
    sso.add_person("beheer@riec.test")
    response = sso_login(client, sso, "beheer@riec.test")
    assert response.status_code == 403 and "superuser" in response.content.decode()
    assert "_auth_user_id" not in client.session
    SocialAccount.objects.create(user=admin, provider="sso", uid="beheer@riec.test")
    sso.add_person("beheer@riec.test", sub="beheer@riec.test")
    response = sso_login(Client(), sso, "beheer@riec.test")
    assert response.status_code == 403
    refusals = AuditEvent.objects.filter(action="login_failed", result="refused", actor=admin)
    assert refusals.count() == 2


def test_an_inactive_account_is_refused_and_audited(sso: Provider, client: Client) -> None:
    user = role_user("oud", STEERING_GROUP, email="oud@riec.test", is_active=False)
    SocialAccount.objects.create(user=user, provider="sso", uid="oud@riec.test")
    sso.add_person("oud@riec.test", sub="oud@riec.test")
    response = sso_login(client, sso, "oud@riec.test")
    assert response.status_code == 403 and "niet actief" in response.content.decode()
    [refused] = AuditEvent.objects.filter(action="login_failed")
    assert (refused.actor, refused.result, refused.detail) == (
        user,
        "refused",
        "Dit account is niet actief. Neem contact op met het RIEC-bureau.",
    )


def test_the_owner_links_an_identity_after_logging_in_with_the_second_factor(sso: Provider) -> None:
    user = role_user("els", STEERING_GROUP, email="els@riec.test", password="Lokaal-wachtwoord-1")
    sso.add_person("els@riec.test", sub="els-bij-idp")
    client = Client()
    client.post("/inloggen/", {"login": "els", "password": "Lokaal-wachtwoord-1"})
    client.post("/account/tweede-factor/authenticate/", {"code": totp_code()})
    assert client.session[SECOND_FACTOR] == "mfa"
    start = client.post("/account/oidc/sso/login/", {"process": "connect"})
    back = urlsplit(sign_in_at_provider(start["Location"], "els@riec.test"))
    client.get(f"{back.path}?{back.query}")
    assert SocialAccount.objects.get(user=user).uid == "els-bij-idp"
    [link] = AuditEvent.objects.filter(action="sso_linked")
    assert (link.actor, link.object_id) == (user, str(user.pk))
    # From now on the identity logs in to this account.
    other = Client()
    assert sso_login(other, sso, "els@riec.test").status_code == 302
    assert other.session["_auth_user_id"] == str(user.pk)


def test_a_superuser_cannot_link_an_identity(sso: Provider) -> None:
    admin = get_user_model().objects.create_superuser("beheer", "beheer@riec.test", "Lokaal-wachtwoord-1")
    sso.add_person("beheer@riec.test")
    client = Client()
    client.post("/inloggen/", {"login": "beheer", "password": "Lokaal-wachtwoord-1"})
    client.post("/account/tweede-factor/authenticate/", {"code": totp_code()})
    start = client.post("/account/oidc/sso/login/", {"process": "connect"})
    back = urlsplit(sign_in_at_provider(start["Location"], "beheer@riec.test"))
    assert client.get(f"{back.path}?{back.query}").status_code == 403
    assert not SocialAccount.objects.filter(user=admin).exists()


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


def test_role_claims_are_synced_at_every_login(sso: Provider, client: Client, settings: Any) -> None:
    settings.OIDC_ROLE_CLAIM = "groups"
    settings.OIDC_ROLE_MAPPING = {"riec-stuurgroep": STEERING_GROUP, "riec-bureau": BUREAU}
    user = role_user("sg", STEERING_GROUP, email="sg@riec.test")
    SocialAccount.objects.create(user=user, provider="sso", uid="sg")
    sso.add_person("sg@riec.test", sub="sg", groups=["riec-stuurgroep", "riec-bureau"])
    assert sso_login(Client(), sso, "sg@riec.test").status_code == 302
    assert sorted(group.name for group in user.groups.all()) == sorted([STEERING_GROUP, BUREAU])
    # The claim no longer carries the bureau: the role goes at the next login.
    sso.add_person("sg@riec.test", sub="sg", groups=["riec-stuurgroep"])
    assert sso_login(Client(), sso, "sg@riec.test").status_code == 302
    assert [group.name for group in user.groups.all()] == [STEERING_GROUP]
    details = list(
        AuditEvent.objects.filter(action="role_changed", object_id=str(user.pk))
        .order_by("pk")
        .values_list("detail", flat=True)
    )
    assert details[-2:] == [f"Toegekend: rol {BUREAU}", f"Ingetrokken: rol {BUREAU}"]
    # No role left in the claim: no role and no admin.
    sso.add_person("sg@riec.test", sub="sg", groups=[])
    sso_login(Client(), sso, "sg@riec.test")
    user.refresh_from_db()
    assert list(user.groups.all()) == [] and not user.is_staff


def test_the_provider_is_configured_by_environment_variables_only(tmp_path: Path) -> None:
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


def test_the_menu_leads_the_owner_to_the_linking_page(sso: Provider) -> None:
    role_user("els", STEERING_GROUP, email="els@riec.test", password="Lokaal-wachtwoord-1")
    client = Client()
    client.post("/inloggen/", {"login": "els", "password": "Lokaal-wachtwoord-1"})
    client.post("/account/tweede-factor/authenticate/", {"code": totp_code()})
    assert 'href="/account/sso/">Single sign-on</a>' in client.get("/").content.decode()
    page = client.get("/account/sso/")
    assert page.status_code == 200
    assert 'value="connect"' in page.content.decode()
