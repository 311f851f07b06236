"""What every page carries for accessibility: the statement, a favicon, announced messages."""

from __future__ import annotations

import pytest
from django.test import Client

from core.roles import BUREAU
from strategy.models import Strategy
from tests.conftest import admin_url, logged_in, role_user

pytestmark = pytest.mark.django_db


def test_the_accessibility_statement_is_linked_from_every_page() -> None:
    reader = logged_in(role_user("lezer"))
    page = reader.get("/jaarplannen/").content.decode()
    assert '<a href="/toegankelijkheid/">Toegankelijkheid</a>' in page
    statement = reader.get("/toegankelijkheid/")
    assert statement.status_code == 200
    html = " ".join(statement.content.decode().split())
    assert "<h1>Toegankelijkheidsverklaring</h1>" in html
    assert "Besluit digitale toegankelijkheid overheid" in html and "EN 301 549" in html
    assert "voldoet <strong>gedeeltelijk</strong>" in html and "Nationale ombudsman" in html


def test_the_statement_needs_a_login(client: Client) -> None:
    assert client.get("/toegankelijkheid/").status_code == 302


def test_pages_and_admin_have_a_favicon() -> None:
    bureau = logged_in(role_user("bureau", BUREAU))
    icon = '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">'
    assert icon in bureau.get("/jaarplannen/").content.decode()
    assert icon in bureau.get("/admin/").content.decode()
    assert bureau.get("/static/img/favicon.svg").status_code == 200


def test_admin_messages_are_announced() -> None:
    bureau = logged_in(role_user("bureau", BUREAU))
    strategy = Strategy.objects.create(name="Strategie 2026-2029", start_year=2026, end_year=2029)
    response = bureau.post(admin_url(strategy, "delete", strategy.pk), {"post": "yes"}, follow=True)
    # A list item stays a list item (valid list markup); the message inside it is the status.
    assert '<li class="success"><span role="status">' in response.content.decode()
