"""Every change of rights is in the audit log: Django permissions of an account and of a role (group),
an account deleted or deactivated; and the admin's "Recente acties" shows only what happened."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from audit.models import AuditEvent
from core.roles import BUREAU, STEERING_GROUP
from strategy.models import Action, AnnualPlan
from tests.conftest import admin_url, logged_in, role_user

pytestmark = pytest.mark.django_db


def changes_of(obj: Any) -> list[str]:
    events = AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("pk")
    return [f"{event.action}: {event.detail}" for event in events]


def test_granting_a_permission_to_an_account_is_audited() -> None:
    user = role_user("gewoon")
    permission = Permission.objects.get(codename="change_user")
    user.user_permissions.add(permission)
    user.user_permissions.remove(permission)
    assert changes_of(user) == [
        f"role_changed: Toegekend: recht {permission}",
        f"role_changed: Ingetrokken: recht {permission}",
    ]


def test_granting_a_permission_to_a_role_is_audited_on_the_role() -> None:
    group = Group.objects.get(name=STEERING_GROUP)
    permission = Permission.objects.get(codename="add_user")
    group.permissions.add(permission)
    group.permissions.clear()
    assert changes_of(group) == [
        f"role_changed: Toegekend aan rol {STEERING_GROUP}: recht {permission}",
        f"role_changed: Ingetrokken bij rol {STEERING_GROUP}: recht {permission}",
    ]


def test_a_plain_user_making_itself_superuser_leaves_every_step_in_the_log() -> None:
    user = role_user("gewoon")
    user.user_permissions.add(Permission.objects.get(codename="change_user"))
    user.is_superuser = True
    user.save()
    permission = Permission.objects.get(codename="change_user")
    assert changes_of(user) == [
        f"role_changed: Toegekend: recht {permission}",
        "role_changed: alle rechten (superuser): ja",
    ]


def test_deleting_and_deactivating_an_account_is_audited() -> None:
    user = role_user("vertrokken", STEERING_GROUP)
    user.is_active = False
    user.save()
    pk = user.pk
    user.delete()
    deactivated, deleted = (
        AuditEvent.objects.filter(object_type="auth.user", object_id=str(pk))
        .exclude(detail__startswith="Toegekend")
        .order_by("pk")
    )
    assert (deactivated.action, deactivated.detail) == ("role_changed", "actief: nee")
    assert (deleted.action, deleted.object_repr, deleted.result) == ("account_deleted", "vertrokken", "success")
    assert not get_user_model().objects.filter(pk=pk).exists()


def test_a_refused_bulk_delete_leaves_no_deletion_in_recent_actions(plan_2024: AnnualPlan) -> None:
    AnnualPlan.objects.filter(year=2024).update(status=AnnualPlan.Status.ADOPTED, adopted_on=datetime.date(2024, 1, 20))
    bureau = logged_in(role_user("bureau", BUREAU))
    action = Action.objects.filter(section__plan__year=2024).first()
    assert action is not None
    response = bureau.post(
        admin_url(Action, "changelist"),
        {"action": "delete_selected", "_selected_action": [action.pk], "post": "yes"},
    )
    assert response.status_code == 403
    assert Action.objects.filter(pk=action.pk).exists()
    assert not LogEntry.objects.exists()
    assert "Verwijderd" not in bureau.get("/admin/").content.decode()
