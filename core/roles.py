"""The roles of riec-plan as Django groups, with the model permissions each one holds.

Object-level rules (a coordinator edits only their own district) come on top of these.
"""

from __future__ import annotations

from typing import Any

BUREAU = "RIEC-bureau"
COORDINATOR = "Districtcoördinator"
STEERING_GROUP = "Stuurgroep"

PLAN_APPS = ("strategy", "districts", "budget")

# Models a coordinator works on for their own district (the object-level rule is in
# strategy.permissions; these model permissions only open the admin screens).
COORDINATOR_MODELS = {
    "strategy": ("action", "progressupdate"),
    "districts": ("districtplan", "districtfocustheme", "development", "baselineassessment", "resiliencescan"),
}


def role_permissions(role: str, all_permissions: list[Any]) -> list[Any]:
    """The permissions of a role, chosen from `all_permissions` of the plan apps."""
    if role == BUREAU:
        return list(all_permissions)
    if role == STEERING_GROUP:
        return [p for p in all_permissions if p.codename.startswith("view_") or p.codename == "change_annualplan"]
    if role == COORDINATOR:
        chosen = []
        for perm in all_permissions:
            action, _, model = perm.codename.partition("_")
            own = model in COORDINATOR_MODELS.get(perm.content_type.app_label, ())
            if action == "view" or (own and action in {"add", "change", "delete"}):
                chosen.append(perm)
        return chosen
    raise ValueError(f"unknown role {role!r}")


def sync_roles(group_model: Any, permission_model: Any) -> None:
    """Create the role groups and give each exactly its permissions (idempotent)."""
    all_permissions = list(
        permission_model.objects.filter(content_type__app_label__in=PLAN_APPS).select_related("content_type")
    )
    for role in (BUREAU, COORDINATOR, STEERING_GROUP):
        group, _ = group_model.objects.get_or_create(name=role)
        group.permissions.set(role_permissions(role, all_permissions))


def sync_roles_in_migration(apps: Any, schema_editor: Any) -> None:
    """RunPython step: create the permissions now (Django does so only after all migrations) and sync the roles.

    Any migration that adds a plan model runs this, so the roles get the new model's permissions.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))
