"""The roles of riec-plan: Django groups a user is a member of.

What a role may do is decided by the permission policy (core/permissions.py) alone; the groups carry
no Django model permissions, so there is no second list of rights to keep in step.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps

BUREAU = "RIEC-bureau"
COORDINATOR = "Districtcoördinator"
STEERING_GROUP = "Stuurgroep"
ROLES = (BUREAU, COORDINATOR, STEERING_GROUP)


def create_role_groups(group_model: Any) -> None:
    """Create the role groups, without model permissions (idempotent)."""
    for role in ROLES:
        group, _ = group_model.objects.get_or_create(name=role)
        group.permissions.clear()


def create_role_groups_after_migrate(sender: Any, apps: Any = None, **kwargs: Any) -> None:
    """post_migrate receiver: the role groups exist after every `migrate` and every `flush`."""
    try:
        group_model = (apps or global_apps).get_model("auth", "Group")
    except LookupError:  # auth is not migrated (yet) in this state
        return
    create_role_groups(group_model)


def create_role_groups_in_migration(apps: Any, schema_editor: Any) -> None:
    """RunPython step: the role groups, with the historical Group model."""
    create_role_groups(apps.get_model("auth", "Group"))
