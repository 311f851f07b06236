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
        from django.db.models.signals import post_save

        from .history import record_loaded_object

        # The one way to reach an object that loaddata writes: raw saves bypass save() and simple-history.
        post_save.connect(record_loaded_object, dispatch_uid="core.history.record_loaded_object")
