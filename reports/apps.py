from __future__ import annotations

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = "Rapportages"

    def ready(self) -> None:
        from strategy.services import register_close_hook

        from .quarterly import store_on_close

        # A closed quarter's report is made at once, from the snapshot just taken, and kept.
        register_close_hook("reports", store_on_close)
