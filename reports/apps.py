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

        from core import permissions

        from .models import AnnualReportText

        # A district's text in the jaarverslag is the coordinator's to write (a goal's is the bureau's);
        # it is written after the plan was adopted, so the plan's adoption does not lock it.
        permissions.register(
            AnnualReportText,
            plan_path="plan",
            district_paths=("district",),
            coordinator_edits=True,
            coordinator_deletes=False,
            open_after_adoption=True,
        )

        from simple_history.signals import post_create_historical_record

        from .rendering import queue_after_change

        # Every change through the app writes a history record: the PDFs it touches are queued then.
        post_create_historical_record.connect(queue_after_change, dispatch_uid="reports-queue-pdfs")
