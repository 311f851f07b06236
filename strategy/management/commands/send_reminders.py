"""`manage.py send_reminders [--date YYYY-MM-DD]`: the coordinators' reminder digests of the day.

Run daily (cron or a systemd timer, see the README); on other days than the four reminder days of a
quarter it sends nothing. A second run on the same day sends nothing either.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core import clock
from strategy.reminders import closed, reminder_days, round_on, send_reminders


def _day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"‘{text}’ is geen datum; schrijf bijvoorbeeld 2024-06-17.") from None


class Command(BaseCommand):
    help = "Stuurt elke districtscoördinator één herinnering met de acties zonder update dit kwartaal."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="de dag waarvoor de herinneringen gelden (standaard vandaag), JJJJ-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        day = _day(options["date"]) if options["date"] else clock.today()
        round_ = round_on(day)
        if round_ is None:
            quarter, _first, _last = clock.quarter_of(day)
            days = ", ".join(f"{d:%d-%m-%Y}" for d in reminder_days(day.year, quarter))
            self.stdout.write(f"{day:%d-%m-%Y} is geen herinneringsdag (voor dit kwartaal: {days}). Niets verstuurd.")
            return
        about = f"kwartaal {round_.quarter} {round_.year}, {round_.occasion.label}"
        close = closed(round_)
        if close is not None:
            self.stdout.write(f"Herinneringen over {about}: het kwartaal is al afgesloten. Niets verstuurd.")
            return
        outcome = send_reminders(round_)
        self.stdout.write(f"Herinneringen over {about}:")
        for title, lines in (
            ("Verstuurd", outcome.sent),
            ("Eerder vandaag al verstuurd", outcome.already),
            ("Niet verstuurd, geen e-mailadres (vul het in op het accountsloket, /accounts/)", outcome.without_email),
            ("Alles bijgewerkt, geen herinnering nodig", outcome.nothing_missing),
            ("Mislukt", outcome.failed),
        ):
            for line in lines:
                self.stdout.write(f"  {title}: {line}")
        self.stdout.write(
            f"{len(outcome.sent)} verstuurd, {len(outcome.already)} al eerder verstuurd, "
            f"{len(outcome.without_email)} zonder e-mailadres, {len(outcome.failed)} mislukt."
        )
        if outcome.failed:
            raise CommandError(f"{len(outcome.failed)} herinnering(en) konden niet worden verstuurd; zie hierboven.")
