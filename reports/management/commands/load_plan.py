"""Load the published Jaarplan 2024 once; a database that already has it is left alone."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from strategy.models import AnnualPlan


class Command(BaseCommand):
    help = "Laadt het Jaarplan 2024 (fixtures/jaarplan_2024.json) als het nog niet in de database staat."

    def handle(self, *args: Any, **options: Any) -> None:
        if AnnualPlan.objects.filter(year=2024).exists():
            # Loading again would overwrite edits made in the browser since the first load.
            self.stdout.write("Jaarplan 2024 staat al in de database; niet opnieuw geladen.")
            return
        call_command("loaddata", "jaarplan_2024", verbosity=0)
        self.stdout.write(self.style.SUCCESS("Jaarplan 2024 geladen."))
