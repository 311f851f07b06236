"""Logging in: throttled after failed attempts, sessions end after inactivity, security headers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from tests.conftest import totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user(username="coordinator", password="Juist-wachtwoord-1")


def login(client: Client, password: str) -> Any:
    return client.post("/inloggen/", {"login": "coordinator", "password": password}, REMOTE_ADDR="10.0.0.7")


def test_wrong_password_shows_a_clear_message(client: Client, user: Any) -> None:
    response = login(client, "fout")
    assert response.status_code == 200
    assert "Voer een juiste gebruikersnaam en wachtwoord in" in response.content.decode()


def test_lockout_after_repeated_failures_even_with_the_right_password(client: Client, user: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "fout")
    response = login(client, "Juist-wachtwoord-1")
    assert response.status_code == 429
    assert "Tijdelijk geblokkeerd" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_ends_after_the_cool_off_time(client: Client, user: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "fout")
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME * 2)
    response = login(client, "Juist-wachtwoord-1")
    # The password is right again; the second factor comes next.
    assert response.status_code == 302
    assert response["Location"] == "/account/tweede-factor/authenticate/"
    assert "_auth_user_id" not in client.session
    response = client.post(response["Location"], {"code": totp_code()}, REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_session_expires_after_inactivity_and_is_renewed_by_activity(client: Client, user: Any) -> None:
    age = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    renew_after = timedelta(seconds=settings.SESSION_RENEW_AFTER)
    client.force_login(user)
    key = client.session.session_key

    def expiry() -> Any:
        return Session.objects.get(pk=key).expire_date

    # Last saved (last renewed) a minute ago: a request does not write the session again.
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + age - timedelta(minutes=1))
    before = expiry()
    assert client.get("/").status_code == 200
    assert expiry() == before

    # Last saved longer ago than SESSION_RENEW_AFTER, five seconds of the session left: activity
    # pushes the end of the session a full inactivity period ahead.
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + timedelta(seconds=5))
    assert client.get("/").status_code == 200
    assert expiry() > timezone.now() + age - timedelta(seconds=60)
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + age - renew_after - timedelta(seconds=1))
    assert client.get("/").status_code == 200
    assert expiry() > timezone.now() + age - timedelta(seconds=60)

    # A full inactivity period without requests: the session has ended.
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/inloggen/")


def test_security_headers(client: Client, user: Any) -> None:
    client.force_login(user)
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
