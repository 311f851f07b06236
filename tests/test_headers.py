"""Headers and standards: Permissions-Policy, a CSP without 'unsafe-inline' for styles (and pages that
need none), HSTS preload only when configured, /.well-known/security.txt (RFC 9116)."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.support.pages import PATHS
from tests.test_production import manage, production_env

pytestmark = pytest.mark.django_db


def test_permissions_policy_switches_off_what_no_page_needs(client: Client) -> None:
    policy = client.get("/inloggen/")["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy
    # Security keys and passkeys (WebAuthn) on our own pages only.
    assert "publickey-credentials-get=(self)" in policy
    assert "publickey-credentials-create=(self)" in policy


def test_the_content_security_policy_allows_no_inline_styles(bureau_client: Client) -> None:
    csp = bureau_client.get("/")["Content-Security-Policy"]
    style = re.search(r"style-src ([^;]*)", csp)
    assert style is not None
    assert style.group(1).split() == ["'self'"]
    assert "unsafe-inline" not in csp


INLINE_STYLE = re.compile(r"<style[\s>]|\sstyle\s*=", re.I)


def test_no_page_carries_an_inline_style(bureau_client: Client, plan_2024: Any) -> None:
    """Every page of the site and of the admin that answers (sample ids of the 2024 plan), as the bureau sees it."""
    checked = 0
    offenders = []
    browser = Client(raise_request_exception=False)  # a broken page is another test's business
    browser.cookies = bureau_client.cookies
    for path, _entry in PATHS:
        response = browser.get(path)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        checked += 1
        if INLINE_STYLE.search(response.content.decode()):
            offenders.append(path)
    assert offenders == []
    assert checked > 100


def test_hsts_preload_only_when_configured(client: Client, settings: Any) -> None:
    header = client.get("/health/", secure=True)["Strict-Transport-Security"]
    assert header == "max-age=31536000; includeSubDomains"
    settings.SECURE_HSTS_PRELOAD = True
    assert Client().get("/health/", secure=True)["Strict-Transport-Security"].endswith("; preload")


@pytest.mark.parametrize("preload", ["", "true"])
def test_check_deploy_is_clean_with_and_without_preload(preload: str) -> None:
    env = production_env(**({"DJANGO_SECURE_HSTS_PRELOAD": preload} if preload else {}))
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    code = "from django.conf import settings as s; print(s.SECURE_HSTS_PRELOAD)"
    assert manage("shell", "-c", code, env=env).stdout.strip().splitlines()[-1] == ("True" if preload else "False")


def test_security_txt_is_public_and_follows_rfc_9116(client: Client, settings: Any) -> None:
    settings.SECURITY_TXT_CONTACT = ["mailto:security@riec-oost.nl", "https://riec-oost.nl/melden"]
    settings.SECURITY_TXT_POLICY = "https://riec-oost.nl/responsible-disclosure"
    settings.ALLOWED_HOSTS = ["riec.example.nl"]
    response = client.get("/.well-known/security.txt", secure=True, HTTP_HOST="riec.example.nl")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[:2] == ["Contact: mailto:security@riec-oost.nl", "Contact: https://riec-oost.nl/melden"]
    assert re.fullmatch(r"Expires: \d{4}-\d\d-\d\dT00:00:00Z", lines[2])
    assert "Policy: https://riec-oost.nl/responsible-disclosure" in lines
    assert "Preferred-Languages: nl, en" in lines
    assert "Canonical: https://riec.example.nl/.well-known/security.txt" in lines


def test_security_txt_expires_within_a_year(client: Client, settings: Any) -> None:
    settings.SECURITY_TXT_CONTACT = ["mailto:security@riec-oost.nl"]
    text = client.get("/.well-known/security.txt").content.decode()
    expires = datetime.datetime.fromisoformat(re.search(r"Expires: (\S+)", text).group(1).replace("Z", "+00:00"))
    assert timezone.now() < expires < timezone.now() + datetime.timedelta(days=365)


def test_without_a_contact_there_is_no_security_txt(client: Client, settings: Any) -> None:
    settings.SECURITY_TXT_CONTACT = []
    assert client.get("/.well-known/security.txt").status_code == 404
