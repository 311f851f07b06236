from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The machinery every plan app stands on; it holds no models and imports none of the apps."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "Basis"
