from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from core.roles import BUREAU, COORDINATOR, STEERING_GROUP

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
    for username in roles:
        response = Client().post("/inloggen/", {"username": username, "password": passwords[username]})
        assert response.status_code == 302, username
        assert response["Location"] == "/"


def test_demo_accounts_refused_outside_development(settings: object) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="alleen voor ontwikkeling"):
        call_command("create_demo_users", stdout=io.StringIO())
