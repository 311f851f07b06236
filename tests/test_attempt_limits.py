"""Attempt limits that hold under attack: codes of the second factor are limited per account and per
client, and the limits per client count the real client behind the load balancer (TRUSTED_PROXY_COUNT)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from audit.models import AuditEvent
from tests.conftest import TEST_TOTP_SECRET, role_user, totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "Sterk-wachtwoord-2024"
CODE_STEP = "/account/tweede-factor/authenticate/"


def wrong_code() -> str:
    right = totp_code(TEST_TOTP_SECRET)
    return f"{(int(right) + 1) % 1_000_000:06d}"


def to_code_step(client: Client, username: str, **headers: Any) -> None:
    response = client.post("/inloggen/", {"login": username, "password": PASSWORD}, **headers)
    assert (response.status_code, response["Location"]) == (302, CODE_STEP), response.content.decode()[:500]


@pytest.fixture
def victim() -> Any:
    return role_user("coordinator", password=PASSWORD)


def test_forty_fast_wrong_codes_then_the_right_one_is_refused_and_locked(victim: Any) -> None:
    attacker = Client()
    to_code_step(attacker, "coordinator", REMOTE_ADDR="10.0.0.66")
    answers = [attacker.post(CODE_STEP, {"code": wrong_code()}, REMOTE_ADDR="10.0.0.66") for _ in range(40)]
    right = attacker.post(CODE_STEP, {"code": totp_code()}, REMOTE_ADDR="10.0.0.66")

    assert "_auth_user_id" not in attacker.session
    assert right.status_code == 429
    assert "Tijdelijk geblokkeerd" in right.content.decode()
    # The first four are wrong codes; the fifth locks out, like a fifth wrong password.
    assert [a.status_code for a in answers[:4]] == [200] * 4
    assert all(a.status_code == 429 for a in answers[4:])
    assert "Deze code klopt niet" in answers[0].content.decode()
    failed = AuditEvent.objects.filter(action="login_failed", actor=victim)
    assert failed.count() == settings.AXES_FAILURE_LIMIT
    lockouts = AuditEvent.objects.filter(action="lockout", actor_name="coordinator")
    assert lockouts.count() == 40 - settings.AXES_FAILURE_LIMIT + 2  # the locking attempt and every refused one
    # The password is locked out as well, from that address.
    again = Client()
    response = again.post("/inloggen/", {"login": "coordinator", "password": PASSWORD}, REMOTE_ADDR="10.0.0.66")
    assert response.status_code == 429 and "_auth_user_id" not in again.session


def test_wrong_codes_from_many_addresses_are_limited_per_account(victim: Any) -> None:
    """Each address stays below axes's limit (per name and address); allauth's limit per account holds."""
    refused = []
    for attempt in range(12):
        address = f"10.0.1.{attempt}"
        attacker = Client()
        to_code_step(attacker, "coordinator", REMOTE_ADDR=address)
        attacker.post(CODE_STEP, {"code": wrong_code()}, REMOTE_ADDR=address)
        response = attacker.post(CODE_STEP, {"code": totp_code()}, REMOTE_ADDR=address)
        refused.append("_auth_user_id" not in attacker.session)
        if attempt >= 3:
            assert "Te veel onjuiste pogingen voor dit account" in response.content.decode()
    assert all(refused[3:])  # from the fifth wrong code on, not even the right code is let through
    assert AuditEvent.objects.filter(action="lockout", actor=victim).exists()


def test_wrong_codes_from_one_client_are_limited_across_accounts() -> None:
    for number in range(6):
        role_user(f"coordinator-{number}", password=PASSWORD)
    answers = []
    for number in range(6):
        attacker = Client()
        to_code_step(attacker, f"coordinator-{number}", REMOTE_ADDR="10.0.0.77")
        answers.append(attacker.post(CODE_STEP, {"code": wrong_code()}, REMOTE_ADDR="10.0.0.77"))
    assert "Deze code klopt niet" in answers[4].content.decode()
    assert "Te veel onjuiste pogingen" in answers[5].content.decode()
    # Another client is not hindered.
    someone = Client()
    to_code_step(someone, "coordinator-5", REMOTE_ADDR="10.0.0.78")
    someone.post(CODE_STEP, {"code": totp_code()}, REMOTE_ADDR="10.0.0.78")
    assert someone.session["_auth_user_id"]


def test_a_right_code_in_time_logs_in_and_clears_the_count(victim: Any) -> None:
    client = Client()
    to_code_step(client, "coordinator", REMOTE_ADDR="10.0.0.5")
    for _ in range(3):
        client.post(CODE_STEP, {"code": wrong_code()}, REMOTE_ADDR="10.0.0.5")
    client.post(CODE_STEP, {"code": totp_code()}, REMOTE_ADDR="10.0.0.5")
    assert client.session["_auth_user_id"] == str(victim.pk)


# Behind the load balancer -------------------------------------------------------------------------

BALANCER = "10.0.0.1"


def test_thirty_failures_from_thirty_forwarded_addresses_do_not_lock_out_a_31st_user(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    role_user("coordinator", password=PASSWORD)
    for number in range(30):
        Client().post(
            "/inloggen/",
            {"login": f"gast-{number}", "password": "fout"},
            REMOTE_ADDR=BALANCER,
            HTTP_X_FORWARDED_FOR=f"203.0.113.{number}",
        )
    user = Client()
    to_code_step(user, "coordinator", REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR="198.51.100.7")
    origins = set(AuditEvent.objects.filter(action="login_failed").values_list("ip_address", flat=True))
    assert origins == {f"203.0.113.{number}" for number in range(30)}


def test_thirty_logins_a_minute_from_one_forwarded_address_get_a_dutch_429(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    role_user("coordinator", password=PASSWORD)
    forged = {"REMOTE_ADDR": BALANCER, "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.50"}
    for number in range(30):
        Client().post("/inloggen/", {"login": f"gast-{number}", "password": "fout"}, **forged)
    response = Client().post("/inloggen/", {"login": "coordinator", "password": PASSWORD}, **forged)
    assert response.status_code == 429
    html = response.content.decode()
    assert "Even wachten" in html and "te veel pogingen" in html and "Too Many" not in html
    # The client's own left-hand entry is not believed: changing it does not help.
    other = {"REMOTE_ADDR": BALANCER, "HTTP_X_FORWARDED_FOR": "7.7.7.7, 203.0.113.50"}
    assert Client().post("/inloggen/", {"login": "coordinator", "password": PASSWORD}, **other).status_code == 429
    # Another client behind the same balancer logs in.
    to_code_step(Client(), "coordinator", REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR="198.51.100.8")
