"""The secrets of the second factor are encrypted in the database and never shown in the admin."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.apps import apps
from django.db import connection
from django.test import Client

from tests.conftest import TEST_TOTP_SECRET, admin_url, logged_in, role_user, totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "Sterk-wachtwoord-2024"


def stored_rows() -> str:
    """Everything the authenticator table holds, as the database returns it (no model in between)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM mfa_authenticator")
        return json.dumps([row[0] for row in cursor.fetchall()])


def test_the_database_holds_no_totp_secret_or_recovery_seed_in_clear() -> None:
    user = role_user("coordinator", password=PASSWORD)  # an authenticator app with TEST_TOTP_SECRET
    codes = RecoveryCodes.activate(user)
    seed = Authenticator.objects.get(user=user, type="recovery_codes")
    rows = stored_rows()
    assert TEST_TOTP_SECRET not in rows
    assert not any(code in rows for code in codes.generate_codes())
    assert '"secret": "gAAAAA' in rows.replace("\\", "")  # a Fernet token
    assert seed.data["seed"].startswith("gAAAAA")
    # ... and the code of the app still logs in.
    client = Client()
    client.post("/inloggen/", {"login": "coordinator", "password": PASSWORD})
    client.post("/account/tweede-factor/authenticate/", {"code": totp_code()})
    assert client.session["_auth_user_id"] == str(user.pk)


def test_the_migration_encrypts_secrets_stored_in_clear_once() -> None:
    user = role_user("coordinator")
    Authenticator.objects.filter(user=user).update(data={"secret": TEST_TOTP_SECRET})
    migration = importlib.import_module("accounts.migrations.0001_encrypt_second_factor_secrets")
    migration.encrypt_secrets(apps, None)
    once = stored_rows()
    assert TEST_TOTP_SECRET not in once
    migration.encrypt_secrets(apps, None)  # an encrypted secret is left as it is
    assert stored_rows() == once
    client = Client()
    user.set_password(PASSWORD)
    user.save()
    client.post("/inloggen/", {"login": "coordinator", "password": PASSWORD})
    client.post("/account/tweede-factor/authenticate/", {"code": totp_code()})
    assert client.session["_auth_user_id"] == str(user.pk)


def test_the_admin_never_shows_a_secret(bureau_admin: Any) -> None:
    user = role_user("coordinator")
    authenticator = Authenticator.objects.get(user=user, type="totp")
    admin = logged_in(bureau_admin)
    page = admin.get(admin_url(Authenticator, "change", authenticator.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert "coordinator" in html
    assert authenticator.data["secret"] not in html and TEST_TOTP_SECRET not in html and "gAAAAA" not in html
    assert admin.get(admin_url(Authenticator, "add")).status_code == 403
