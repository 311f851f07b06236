"""The accounts desk of the RIEC-bureau: coordinator and stuurgroep accounts, one-time passwords that
must be changed, a second factor reset with a reason, deactivation; no superuser or permission editing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.models import AccountState
from audit.models import AuditEvent
from core.roles import BUREAU, COORDINATOR, STEERING_GROUP
from districts.models import District
from tests.conftest import logged_in, role_user, totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def twente(plan_2024: Any) -> District:
    return District.objects.get(slug="twente")


@pytest.fixture
def bureau() -> Client:
    return logged_in(role_user("bureau", BUREAU))


def shown_password(response: Any) -> str:
    match = re.search(r'<code id="one-time-password">([^<]+)</code>', response.content.decode())
    assert match, response.content.decode()[:2000]
    return match.group(1)


def create(bureau: Client, **fields: Any) -> Any:
    data = {"username": "coordinator-twente-2", "first_name": "Tom", "last_name": "Twente", "email": "tom@riec.test"}
    data.update(fields)
    return bureau.post("/accounts/nieuw/", data)


def test_the_bureau_creates_a_coordinator_who_must_change_the_password_first(bureau: Client, twente: District) -> None:
    response = create(bureau, role=COORDINATOR, districts=[twente.pk])
    assert response.status_code == 200
    password = shown_password(response)
    user = get_user_model().objects.get(username="coordinator-twente-2")
    assert user.email == "tom@riec.test" and user.is_staff and not user.is_superuser
    assert [group.name for group in user.groups.all()] == [COORDINATOR]
    assert list(user.coordinated_districts.all()) == [twente]
    assert AccountState.objects.get(user=user).must_change_password
    created = AuditEvent.objects.get(action="account_created")
    assert (created.actor_name, created.object_id) == ("bureau", str(user.pk))
    assert password not in str(list(AuditEvent.objects.values()))

    # The first login: the password change before anything else.
    Authenticator.objects.filter(user=user).delete()  # (the test accounts get an app; a new one has none)
    client = Client()
    client.post("/inloggen/", {"login": "coordinator-twente-2", "password": password})
    response = client.get("/mijn-acties/")
    assert (response.status_code, response["Location"]) == (302, "/account/wachtwoord/")
    assert client.get("/account/tweede-factor/").status_code == 302  # not even the second factor yet
    assert "Kies eerst een eigen wachtwoord" in client.get("/account/wachtwoord/").content.decode()
    changed = client.post(
        "/account/wachtwoord/",
        {"oldpassword": password, "password1": "Zonnebloem-Hengelo-88", "password2": "Zonnebloem-Hengelo-88"},
    )
    assert changed.status_code == 302, re.findall(r"errorlist.*", changed.content.decode())
    assert not AccountState.objects.get(user=user).must_change_password
    # Then the second factor, as for every account.
    assert client.get("/mijn-acties/")["Location"] == "/account/tweede-factor/"


def test_a_stuurgroep_account_has_no_district_and_a_coordinator_needs_one(bureau: Client, twente: District) -> None:
    response = create(bureau, username="sg-2", role=STEERING_GROUP, districts=[twente.pk])
    assert "Alleen een districtscoördinator heeft een district." in response.content.decode()
    response = create(bureau, username="coord-3", role=COORDINATOR)
    assert "Kies het district" in response.content.decode()
    assert "Het account is niet opgeslagen" in response.content.decode()
    assert not get_user_model().objects.filter(username__in=["sg-2", "coord-3"]).exists()
    # A role outside the desk (the bureau's own) is refused as a choice.
    response = create(bureau, username="stiekem", role=BUREAU)
    assert response.status_code == 200 and not get_user_model().objects.filter(username="stiekem").exists()


def test_duplicate_names_and_addresses_are_refused(bureau: Client, twente: District) -> None:
    role_user("bestaand", email="tom@riec.test")
    response = create(bureau, username="BESTAAND", role=STEERING_GROUP)
    html = response.content.decode()
    assert "Er is al een account met deze gebruikersnaam." in html
    assert "Een ander account heeft dit e-mailadres al." in html


def test_the_bureau_edits_role_district_and_email_all_audited(bureau: Client, twente: District) -> None:
    user = role_user("coord", COORDINATOR, districts=["twente"])
    response = bureau.post(
        f"/accounts/{user.pk}/", {"email": "coord@riec.test", "role": STEERING_GROUP, "first_name": "", "last_name": ""}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "coord@riec.test"
    assert [group.name for group in user.groups.all()] == [STEERING_GROUP]
    assert not user.coordinated_districts.exists()
    details = set(
        AuditEvent.objects.filter(actor_name="bureau", action="role_changed").values_list("detail", flat=True)
    )
    assert {
        f"Ingetrokken: rol {COORDINATOR}",
        f"Toegekend: rol {STEERING_GROUP}",
        "Ingetrokken: coördinator van district Twente",
    } <= details


def test_a_new_one_time_password_lifts_a_lockout(bureau: Client) -> None:
    user = role_user("coord", COORDINATOR, password="Oud-wachtwoord-2024")
    for _ in range(5):
        Client().post("/inloggen/", {"login": "coord", "password": "fout"})
    password = shown_password(bureau.post(f"/accounts/{user.pk}/wachtwoord/"))
    client = Client()
    response = client.post("/inloggen/", {"login": "coord", "password": password})
    assert response["Location"] == "/account/tweede-factor/authenticate/"
    client.post(response["Location"], {"code": totp_code()})
    assert client.get("/")["Location"] == "/account/wachtwoord/"
    event = AuditEvent.objects.get(action="password_set")
    assert (event.actor_name, event.object_id) == ("bureau", str(user.pk))


def test_resetting_the_second_factor_needs_a_reason_and_is_audited(bureau: Client) -> None:
    user = role_user("coord", COORDINATOR)
    assert bureau.post(f"/accounts/{user.pk}/tweede-factor/", {"reason": ""}).status_code == 302
    assert Authenticator.objects.filter(user=user).exists()
    bureau.post(f"/accounts/{user.pk}/tweede-factor/", {"reason": "Telefoon kwijt, gebeld op 5-12"})
    assert not Authenticator.objects.filter(user=user).exists()
    [event] = AuditEvent.objects.filter(action="mfa_removed")
    assert (event.actor_name, event.object_id) == ("bureau", str(user.pk))
    assert event.detail == "Door het RIEC-bureau teruggezet. Reden: Telefoon kwijt, gebeld op 5-12"
    assert "Telefoon kwijt" in bureau.get("/rechtenoverzicht/").content.decode()


def test_deactivating_is_audited_and_the_account_cannot_log_in(bureau: Client) -> None:
    user = role_user("coord", COORDINATOR, password="Wachtwoord-2024-x")
    bureau.post(f"/accounts/{user.pk}/actief/", {"active": "0"})
    user.refresh_from_db()
    assert not user.is_active
    assert AuditEvent.objects.filter(action="role_changed", detail="actief: nee", actor_name="bureau").exists()
    response = Client().post("/inloggen/", {"login": "coord", "password": "Wachtwoord-2024-x"})
    assert "_auth_user_id" not in response.client.session


def test_no_superuser_bureau_or_own_account_on_the_desk(bureau: Client) -> None:
    admin = get_user_model().objects.create_superuser("beheer", "b@riec.test", "x")
    colleague = role_user("collega", BUREAU)
    me = get_user_model().objects.get(username="bureau")
    listing = bureau.get("/accounts/").content.decode()
    for account in (admin, colleague, me):
        assert f'href="/accounts/{account.pk}/"' not in listing
        assert bureau.get(f"/accounts/{account.pk}/").status_code == 403
        assert bureau.post(f"/accounts/{account.pk}/wachtwoord/").status_code == 403
        assert bureau.post(f"/accounts/{account.pk}/actief/", {"active": "0"}).status_code == 403
    # The form has no field for superuser rights or permissions; posting them changes nothing.
    user = role_user("coord", COORDINATOR, districts=[])
    bureau.post(f"/accounts/{user.pk}/", {"role": STEERING_GROUP, "is_superuser": "on", "user_permissions": [1]})
    user.refresh_from_db()
    assert not user.is_superuser and not user.user_permissions.exists()


def test_only_the_bureau_reaches_the_desk() -> None:
    coordinator = logged_in(role_user("coord", COORDINATOR))
    other = role_user("sg", STEERING_GROUP)
    assert coordinator.get("/accounts/").status_code == 403
    assert coordinator.get("/accounts/nieuw/").status_code == 403
    assert coordinator.post(f"/accounts/{other.pk}/actief/", {"active": "0"}).status_code == 403
    assert "Accounts</a>" not in coordinator.get("/").content.decode()


def test_the_desk_is_in_the_menu_and_the_rights_review(bureau: Client) -> None:
    role_user("sg", STEERING_GROUP)
    assert 'href="/accounts/">Accounts</a>' in bureau.get("/").content.decode()
    assert 'href="/accounts/">accountsloket</a>' in bureau.get("/rechtenoverzicht/").content.decode()
    assert "sg" in bureau.get("/accounts/").content.decode()
