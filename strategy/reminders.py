"""Reminders by e-mail: each coordinator gets ONE digest of the own district's actions without an update.

Sent 14 and 7 days before a quarter ends and 1 and 7 days after it ended (the quarter ends at midnight
between its last day and the next quarter's first: for Q2, reminders go on 17 and 24 June and on 2
and 8 July). Every digest sent is recorded (SentReminder), so running `send_reminders` twice on a day
sends nothing the second time. Mail goes through Django's e-mail framework (EMAIL_URL in the settings).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import formats

from core import clock, permissions
from core.roles import COORDINATOR
from core.validators import one_line

from .models import Action, AnnualPlan, QuarterClose, SentReminder, Status

Occasion = SentReminder.Occasion

# Days from the quarter's end (midnight after its last day) to the reminder day.
SCHEDULE: dict[int, SentReminder.Occasion] = {
    -14: Occasion.TWO_WEEKS_BEFORE,
    -7: Occasion.ONE_WEEK_BEFORE,
    1: Occasion.ONE_DAY_AFTER,
    7: Occasion.ONE_WEEK_AFTER,
}


@dataclass(frozen=True)
class Round:
    """A reminder day: which quarter it is about and how it stands to the quarter's end."""

    day: datetime.date
    occasion: SentReminder.Occasion
    year: int
    quarter: int
    first_day: datetime.date
    last_day: datetime.date

    @property
    def before_end(self) -> bool:
        return self.day <= self.last_day


def round_on(day: datetime.date) -> Round | None:
    """The reminder round of `day`, or None on a day without reminders."""
    quarter, first, last = clock.quarter_of(day)
    end = last + datetime.timedelta(days=1)
    for offset, occasion in SCHEDULE.items():
        if offset < 0 and (day - end).days == offset:
            return Round(day, occasion, day.year, quarter, first, last)
        if offset > 0 and (day - first).days == offset:
            # After the end of the quarter before this one.
            _q, previous_first, previous_last = clock.quarter_of(first - datetime.timedelta(days=1))
            return Round(day, occasion, previous_last.year, _q, previous_first, previous_last)
    return None


def reminder_days(year: int, quarter: int) -> list[datetime.date]:
    """The four reminder days of a quarter, for messages and documentation."""
    last = clock.quarter_end(year, quarter)
    end = last + datetime.timedelta(days=1)
    return [end + datetime.timedelta(days=offset) for offset in sorted(SCHEDULE)]


@dataclass
class Digest:
    user: Any
    districts: list[str]
    actions: list[Action] = field(default_factory=list)


def _lacking(actions: list[Action], first: datetime.date, last: datetime.date) -> list[Action]:
    """Actions without an update dated in the quarter, except those finished before it (as Mijn acties)."""
    return [
        action
        for action in actions
        if not any(first <= update.date <= last for update in action.updates_newest_first)
        and action.status != Status.DONE
    ]


def digests(round_: Round) -> Iterator[Digest]:
    """Per active coordinator with a district: the own district's actions lacking an update (maybe none)."""
    plan = AnnualPlan.objects.running(round_.last_day)
    coordinators = (
        get_user_model()
        ._default_manager.filter(is_active=True, groups__name=COORDINATOR)
        .distinct()
        .order_by("username")
    )
    for user in coordinators:
        districts = [str(district) for district in permissions.user_districts(user)]
        if not districts:
            continue
        digest = Digest(user, districts)
        limit = permissions.editable_filter(user, Action)
        if plan is not None and limit is not None:
            actions = list(
                Action.objects.filter(limit, section__plan=plan).with_latest_update().select_related("section__plan")
            )
            digest.actions = _lacking(actions, round_.first_day, round_.last_day)
        yield digest


# Mijn acties, opened at the cards of the quarter just ended (strategy/my_actions.html).
LOOK_BACK_PATH = "/mijn-acties/#afgelopen-kwartaal"


def _date(day: datetime.date) -> str:
    return formats.date_format(day, "j F Y")


def message(digest: Digest, round_: Round) -> EmailMessage:
    site = settings.SITE_URL.rstrip("/")
    user = digest.user
    name = user.get_full_name() or user.get_username()
    where = ", ".join(digest.districts)
    count = len(digest.actions)
    things = "actie" if count == 1 else "acties"
    # One line whatever the names hold (a district saved before they were checked): a line break in a
    # subject makes Django refuse the whole message.
    subject = one_line(f"Voortgang Q{round_.quarter} {round_.year}: {count} {things} van {where} zonder update")
    if round_.before_end:
        days = (round_.last_day - round_.day).days + 1
        when = (
            f"Kwartaal {round_.quarter} {round_.year} eindigt over {days} dagen, op {_date(round_.last_day)}. "
            f"Voor deze acties van {where} is dit kwartaal nog geen voortgang gemeld:"
        )
        how = f"Meld de voortgang op Mijn acties: {site}/mijn-acties/"
    else:
        when = (
            f"Kwartaal {round_.quarter} {round_.year} is op {_date(round_.last_day)} geëindigd. Voor deze acties "
            f"van {where} is over dat kwartaal geen voortgang gemeld:"
        )
        how = (
            f"Meld de voortgang onder 'Afgelopen kwartaal' op Mijn acties: {site}{LOOK_BACK_PATH} "
            f"Elke update daar gaat over Q{round_.quarter} {round_.year}, krijgt de datum "
            f"{_date(round_.last_day)} en komt bij de actie in het jaarplan {round_.year}."
        )
    lines = [f"Beste {name},", "", when, ""]
    for action in digest.actions:
        latest = action.latest_update
        state = (
            f"laatste update {_date(latest.date)}: {latest.get_status_display()}, {latest.percentage}%"
            if latest
            else "nog geen update"
        )
        due = f"gereed {action.due_label}; " if action.due_label else ""
        lines += [f"- {action.title} ({due}{state})", f"  {site}{action.get_absolute_url()}"]
    lines += [
        "",
        how,
        "",
        "Met vriendelijke groet,",
        "RIEC-bureau",
        "",
        "(Dit bericht is automatisch verstuurd door riec-plan.)",
    ]
    return EmailMessage(subject=subject, body="\n".join(lines), to=[user.email])


@dataclass
class Outcome:
    sent: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    without_email: list[str] = field(default_factory=list)
    nothing_missing: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def send_reminders(round_: Round) -> Outcome:
    """Send the round's digests that were not sent yet; see the module's docstring."""
    outcome = Outcome()
    for digest in digests(round_):
        user = digest.user
        label = f"{user.get_username()} ({', '.join(digest.districts)})"
        if not digest.actions:
            outcome.nothing_missing.append(label)
            continue
        sent = SentReminder.objects.filter(
            user=user, year=round_.year, quarter=round_.quarter, occasion=round_.occasion
        )
        if sent.exists():
            outcome.already.append(label)
            continue
        if not user.email:
            outcome.without_email.append(f"{label}: {len(digest.actions)} acties zonder update")
            continue
        try:
            # The record and the mail together: a mail that fails leaves no record, so the next run retries.
            with transaction.atomic():
                SentReminder.objects.create(
                    user=user,
                    year=round_.year,
                    quarter=round_.quarter,
                    occasion=round_.occasion,
                    email=user.email,
                    actions=len(digest.actions),
                )
                message(digest, round_).send()
        except IntegrityError:  # another run sent it just now
            outcome.already.append(label)
        except Exception as error:
            outcome.failed.append(f"{label} <{user.email}>: {error}")
        else:
            outcome.sent.append(f"{label} <{user.email}>: {len(digest.actions)} acties")
    return outcome


def closed(round_: Round) -> QuarterClose | None:
    return QuarterClose.objects.closing(round_.last_day)
