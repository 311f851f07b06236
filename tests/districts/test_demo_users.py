from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from core.roles import BUREAU, COORDINATOR, STEERING_GROUP
from tests.conftest import without_second_factor

pytestmark = pytest.mark.django_db


def test_demo_accounts_cover_every_role_and_log_in(settings: object, django_user_model: object) -> None:
    settings.DEBUG = True
    call_command("load_plan", stdout=io.StringIO())
    out = io.StringIO()
    call_command("create_demo_users", stdout=out)
    passwords = dict(re.findall(r"^\s+(\S+)\s+(\S+)\s+\S", out.getvalue(), re.M))
    roles = {
        user.username: (user.groups.get().name, [d.name for d in user.coordinated_districts.all()])
        for user in django_user_model.objects.all()
    }
    assert roles["bureau"] == (BUREAU, [])
    assert roles["stuurgroep"] == (STEERING_GROUP, [])
    assert roles["coordinator-twente"] == (COORDINATOR, ["Twente"])
    assert sum(1 for role, _ in roles.values() if role == COORDINATOR) == 5
    assert "zonder tweede factor" in out.getvalue()
    for user in django_user_model.objects.all():
        without_second_factor(user)  # as the command leaves them (the tests give every account one)
    for username in roles:
        client = Client()
        response = client.post("/inloggen/", {"login": username, "password": passwords[username]})
        assert response.status_code == 302, username
        assert response["Location"] == "/"
        # No second factor asked, and every page says why.
        page = client.get("/")
        assert page.status_code == 200, username
        assert "Demo-account zonder tweede factor" in page.content.decode()


def test_demo_accounts_need_a_second_factor_without_debug(settings: object, django_user_model: object) -> None:
    settings.DEBUG = True
    call_command("load_plan", stdout=io.StringIO())
    out = io.StringIO()
    call_command("create_demo_users", stdout=out)
    password = dict(re.findall(r"^\s+(\S+)\s+(\S+)\s+\S", out.getvalue(), re.M))["bureau"]
    without_second_factor(django_user_model.objects.get(username="bureau"))
    settings.DEBUG = False
    client = Client()
    assert client.post("/inloggen/", {"login": "bureau", "password": password}).status_code == 302
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/account/tweede-factor/"


def test_demo_accounts_refused_outside_development(settings: object) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="alleen voor ontwikkeling"):
        call_command("create_demo_users", stdout=io.StringIO())
