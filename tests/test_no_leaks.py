"""What must not leak: plan data on the 404 page, single sign-on's code and state in the logs."""

from __future__ import annotations

import logging
import runpy
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from riec_plan.logging import RedactSecretsFilter
from tests.conftest import logged_in, role_user, without_second_factor

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_a_404_shows_no_plan_data_to_anyone(plan_2024: Any) -> None:
    reader = logged_in(role_user("lezer"))
    unproven = Client()
    user = without_second_factor(role_user("nieuw", password="Sterk-wachtwoord-2024"))
    unproven.post("/inloggen/", {"login": user.username, "password": "Sterk-wachtwoord-2024"})
    assert unproven.session["_auth_user_id"] == str(user.pk)
    # A year without a plan, and an address no view has (which no second-factor check stands before).
    for client, path in ((reader, "/jaarplan/2031/"), (unproven, "/bestaat-niet/")):
        response = client.get(path)
        html = response.content.decode()
        assert response.status_code == 404 and "Niet gevonden" in html
        assert plan_2024.title not in html and "Vastgesteld" not in html and "dashboard 2024" not in html


def gunicorn_access_record(request_line: str, query: str, referrer: str) -> logging.LogRecord:
    """A record as gunicorn's access logger makes it: the format string with a dict of atoms."""
    atoms = {"h": "10.0.0.1", "r": request_line, "q": query, "f": referrer, "s": "302", "U": "/cb/", "m": "GET"}
    return logging.LogRecord("gunicorn.access", logging.INFO, "", 0, '%(h)s "%(r)s" %(s)s "%(f)s" %(q)s', atoms, None)


def test_the_access_log_never_holds_the_sso_code_or_state() -> None:
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["logconfig_dict"]
    # The console handler of gunicorn's loggers runs the filter.
    assert config["handlers"]["console"]["filters"] == ["secrets"]
    secret_filter = config["filters"]["secrets"]["()"]
    assert secret_filter == "riec_plan.logging.RedactSecretsFilter"

    record = gunicorn_access_record(
        "GET /account/sso/oidc/sso/login/callback/?code=SECRETCODE&state=SECRETSTATE&iss=x HTTP/1.1",
        "code=SECRETCODE&state=SECRETSTATE&iss=x",
        "https://riec.test/account/sso/oidc/sso/login/callback/?state=SECRETSTATE&code=SECRETCODE",
    )
    assert RedactSecretsFilter().filter(record)
    line = record.getMessage()
    assert "SECRETCODE" not in line and "SECRETSTATE" not in line
    assert "/login/callback/?code=…&state=…&iss=x HTTP/1.1" in line


def test_the_development_server_log_never_holds_the_sso_code_or_state() -> None:
    assert "secrets" in settings.LOGGING["handlers"]["console"]["filters"]
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        "",
        0,
        '"%s" %s %s',
        ("GET /cb/?state=SECRETSTATE&code=SECRETCODE HTTP/1.1", 302, 0),
        None,
    )
    RedactSecretsFilter().filter(record)
    assert record.getMessage() == '"GET /cb/?state=…&code=… HTTP/1.1" 302 0'
