from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The machinery every plan app stands on; it imports none of the apps.

    Its one model is PendingImport: an uploaded import file waiting for its confirmation.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "Basis"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate, post_save

        from .history import record_loaded_object
        from .roles import create_role_groups_after_migrate

        # The one way to reach an object that loaddata writes: raw saves bypass save() and simple-history.
        post_save.connect(record_loaded_object, dispatch_uid="core.history.record_loaded_object")

        # The role groups are part of the database's set-up, like Django's own permissions: made by every
        # `migrate`, and made again after a `flush` (which empties auth_group), as transactional tests do.
        post_migrate.connect(create_role_groups_after_migrate, sender=self, dispatch_uid="core.roles.groups")
