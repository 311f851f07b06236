"""`manage.py import_plan plan.json`: load a jaarplan written by `export_plan`, all or nothing.

Refuses, writing nothing, when the database already has a plan for that year. Shared objects
(strategy, goals, lines, districts, municipalities, focus themes, scans) that already exist are
left as they are; missing ones are created. Everything runs in one transaction.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, transaction

from strategy.models import AnnualPlan

from .export_plan import SHARED_MODELS

SHARED_LABELS = {model._meta.label_lower for model in SHARED_MODELS}


def plan_year(data: list[dict[str, Any]]) -> int:
    plans = [entry for entry in data if entry.get("model") == "strategy.annualplan"]
    if len(plans) != 1:
        raise CommandError(f"Het bestand moet precies één jaarplan bevatten, niet {len(plans)}.")
    return int(plans[0]["fields"]["year"])


# The fields that name an account (by username): accounts belong to an installation, not to a plan.
USER_FIELDS: dict[str, tuple[str, ...]] = {
    "strategy.progressupdate": ("author",),
    "strategy.quarterclose": ("closed_by", "reopened_by"),
}


def _user_references(data: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
    return [
        (entry, name)
        for entry in data
        for name in USER_FIELDS.get(entry.get("model", ""), ())
        if entry["fields"].get(name)
    ]


def unknown_authors(data: list[dict[str, Any]], using: str) -> set[str]:
    """Authors are accounts of the installation that exported; those missing here are left empty."""
    names = {entry["fields"][name][0] for entry, name in _user_references(data)}
    known = set(
        get_user_model()
        ._default_manager.db_manager(using)
        .filter(username__in=names)
        .values_list("username", flat=True)
    )
    return names - known


@transaction.atomic
def import_plan(*, data: list[dict[str, Any]], using: str = DEFAULT_DB_ALIAS) -> Counter[str]:
    """Create the plan in `data` and the shared objects it lacks; returns how many objects per model were created."""
    year = plan_year(data)
    # Lock-free check first for a clear message; the unique year constraint still guards a race.
    if AnnualPlan.objects.using(using).filter(year=year).exists():
        raise CommandError(f"Er bestaat al een jaarplan voor {year}; er is niets geïmporteerd.")
    missing = unknown_authors(data, using)
    for entry, name in _user_references(data):
        if entry["fields"][name][0] in missing:
            entry["fields"][name] = None
    created: Counter[str] = Counter()
    for deserialized in serializers.deserialize("python", data, using=using):
        label = deserialized.object._meta.label_lower
        # build_instance found the natural key in this database: the shared object is already here.
        if label in SHARED_LABELS and deserialized.object.pk is not None:
            continue
        deserialized.save(using=using)
        created[label] += 1
    return created


class Command(BaseCommand):
    help = "Importeert een jaarplan uit een bestand van export_plan, in één transactie."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="het JSON-bestand van export_plan ('-' voor stdin)")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["path"]
        try:
            text = self.stdin_text() if path == "-" else Path(path).read_text(encoding="utf-8")
            data = json.loads(text)
        except (OSError, ValueError) as exc:
            raise CommandError(f"Kan {path} niet lezen als JSON: {exc}") from exc
        if not isinstance(data, list):
            raise CommandError("Dit is geen bestand van export_plan (verwacht een lijst van objecten).")
        missing = unknown_authors(data, options["database"])
        try:
            created = import_plan(data=data, using=options["database"])
        except serializers.base.DeserializationError as exc:
            raise CommandError(f"Import afgebroken, er is niets geschreven: {exc}") from exc
        if missing:
            self.stderr.write(
                "Onbekende auteurs (voortgangsupdates zonder auteur geïmporteerd): " + ", ".join(sorted(missing))
            )
        total = sum(created.values())
        self.stdout.write(self.style.SUCCESS(f"Jaarplan {plan_year(data)} geïmporteerd: {total} objecten aangemaakt."))

    def stdin_text(self) -> str:
        return sys.stdin.read()
