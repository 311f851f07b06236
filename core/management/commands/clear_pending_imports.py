"""`manage.py clear_pending_imports`: remove uploaded import files that were never confirmed.

An upload waits for its confirmation for 24 hours (core.models.PENDING_IMPORT_LIFETIME); a
confirmation after that is refused anyway. Run this daily from cron (see the README).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from core.models import PendingImport


class Command(BaseCommand):
    help = "Verwijdert ingelezen importbestanden die na 24 uur nog niet zijn bevestigd."

    def handle(self, *args: Any, **options: Any) -> None:
        removed, _ = PendingImport.objects.expired().delete()
        waiting = PendingImport.objects.count()
        self.stdout.write(f"{removed} verlopen import(s) verwijderd; {waiting} wachten nog op bevestiging.")
