"""Load the published Jaarplan 2024 once, as adopted; a database that already has it is left alone."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from strategy.services import load_published_plan


class Command(BaseCommand):
    help = (
        "Laadt het Jaarplan 2024 (fixtures/jaarplan_2024.json) als het nog niet in de database staat, "
        "en legt vast dat de stuurgroep het heeft vastgesteld."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        plan = load_published_plan()
        if plan is None:
            # Loading again would overwrite edits made in the browser since the first load.
            self.stdout.write("Jaarplan 2024 staat al in de database; niet opnieuw geladen.")
            return
        self.stdout.write(self.style.SUCCESS(f"Jaarplan 2024 geladen, vastgesteld op {plan.adopted_on:%d-%m-%Y}."))
