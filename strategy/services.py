"""Writes with rules of their own: adopting and reopening a plan, reporting progress, closing a quarter."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

import audit
from core import clock, history, permissions

from .adoption_checks import failing_checks
from .models import Action, ActionSnapshot, AnnualPlan, ProgressUpdate, QuarterClose, Status

logger = logging.getLogger(__name__)

CONFIRMATION_REQUIRED = (
    "Niet alle controles kloppen. Vink aan dat u het jaarplan toch vaststelt en geef de reden; er is niets vastgesteld."
)
REASON_REQUIRED = "Geef aan waarom het jaarplan wordt vastgesteld terwijl niet alle controles kloppen."


@transaction.atomic
def adopt_plan(
    *,
    plan: AnnualPlan,
    user: Any,
    adopted_on: datetime.date,
    accept_failing_checks: bool = False,
    reason: str = "",
) -> AnnualPlan:
    """The stuurgroep (or bureau) adopts a concept plan; from then on it is read-only.

    The registered checks (strategy.adoption_checks, e.g. the budget's) run under the plan's lock.
    When one does not add up, the plan is adopted only with `accept_failing_checks` and a `reason`;
    both the differences and the reason go into the plan's history.
    """
    plan = AnnualPlan.objects.select_for_update().get(pk=plan.pk)
    if not permissions.can_adopt(user, plan):
        raise PermissionDenied("Alleen de stuurgroep of het RIEC-bureau stelt een concept-jaarplan vast.")
    change_reason = f"Vastgesteld op {adopted_on:%d-%m-%Y}"
    failing = failing_checks(plan)
    if failing:
        if not accept_failing_checks:
            raise ValidationError(CONFIRMATION_REQUIRED, code="checks_failing")
        if not reason.strip():
            raise ValidationError({"reason": REASON_REQUIRED})
        change_reason += (
            f", terwijl niet alle controles kloppen ({'; '.join(str(check) for check in failing)}). "
            f"Reden: {reason.strip()}"
        )
    return record_adoption(plan=plan, adopted_on=adopted_on, actor=user, change_reason=change_reason)


def record_adoption(
    *, plan: AnnualPlan, adopted_on: datetime.date, actor: Any = None, change_reason: str = ""
) -> AnnualPlan:
    """The one adoption step: the plan becomes ADOPTED on `adopted_on`, with a line in its history
    (`change_reason`, "Vastgesteld op <date>" when empty) and one in the audit log.

    Asks no permission and runs no checks: `adopt_plan` does both before it comes here, and loading
    the published plan (`load_published_plan`) records an adoption the stuurgroep already made.
    """
    change_reason = change_reason or f"Vastgesteld op {adopted_on:%d-%m-%Y}"
    plan.status = AnnualPlan.Status.ADOPTED
    plan.adopted_on = adopted_on
    plan.full_clean()
    plan._change_reason = change_reason  # type: ignore[attr-defined]
    plan.save()
    audit.record(
        None, action=audit.Action.PLAN_ADOPTED, obj=plan, result=audit.Result.SUCCESS, actor=actor, detail=change_reason
    )
    return plan


# The published Jaarplan 2024 (fixtures/jaarplan_2024.json) -------------------------------------

PUBLISHED_PLAN_FIXTURE = "jaarplan_2024"
PUBLISHED_PLAN_YEAR = 2024
# ASSUMPTION: the published plan was adopted by the stuurgroep, but the date is not in the fixture
# or the published document; 14 December 2023 stands in for it. Replace it by the date in the
# stuurgroep's minutes.
ADOPTED_ON = datetime.date(2023, 12, 14)


@transaction.atomic
def load_published_plan() -> AnnualPlan | None:
    """Load the published Jaarplan 2024 and record its adoption; None when the database has it already.

    The one loader of `manage.py load_plan` (so `make run`) and of the tests. A database that has a
    2024 plan is left alone: loading again would overwrite edits made since the first load, and
    adopt it a second time.
    """
    if AnnualPlan.objects.filter(year=PUBLISHED_PLAN_YEAR).exists():
        return None
    call_command("loaddata", PUBLISHED_PLAN_FIXTURE, verbosity=0)
    plan = AnnualPlan.objects.get(year=PUBLISHED_PLAN_YEAR)
    return record_adoption(
        plan=plan,
        adopted_on=ADOPTED_ON,
        change_reason=f"Vastgesteld op {ADOPTED_ON:%d-%m-%Y} (gepubliceerd jaarplan geladen)",
    )


@transaction.atomic
def reopen_plan(*, plan: AnnualPlan, user: Any, reason: str) -> AnnualPlan:
    """The bureau reopens an adopted plan; the reason is recorded in the plan's history."""
    plan = AnnualPlan.objects.select_for_update().get(pk=plan.pk)
    if not permissions.can_reopen(user, plan):
        raise PermissionDenied("Alleen het RIEC-bureau heropent een vastgesteld jaarplan.")
    if not reason.strip():
        raise ValidationError({"reason": "Geef aan waarom het jaarplan wordt heropend."})
    adopted_on = plan.adopted_on
    plan.status = AnnualPlan.Status.CONCEPT
    plan.adopted_on = None
    plan.full_clean()
    plan._change_reason = f"Heropend (was vastgesteld op {adopted_on:%d-%m-%Y}): {reason.strip()}"  # type: ignore[attr-defined]
    plan.save()
    audit.record(
        None, action=audit.Action.PLAN_REOPENED, obj=plan, result=audit.Result.SUCCESS, actor=user, detail=reason
    )
    return plan


# Progress ----------------------------------------------------------------------------------------

PERCENTAGE_ERROR = "Vul een percentage tussen 0 en 100 in."
FUTURE_DATE = clock.FUTURE_DATE
DONE_IS_100 = "Een afgeronde actie staat op 100%. Pas het percentage of de status aan."
NOT_ALLOWED = "U mag geen voortgang melden voor deze actie."
NON_FIELD = "__all__"


def closed_quarter_error(close: QuarterClose) -> str:
    """The one message for an update dated in a closed quarter, wherever it is entered."""
    return (
        f"Kwartaal {close.quarter} {close.plan.year} is afgesloten: updates met een datum in dat kwartaal "
        f"(tot en met {close.last_day:%d-%m-%Y}) kunnen niet meer. Kies een latere datum, of vraag het "
        "RIEC-bureau het kwartaal te heropenen."
    )


def no_action_in_plan_error(action: Action, year: int) -> str:
    return (
        f"Een update met een datum in {year} hoort bij de actie in het jaarplan {year}, maar “{action.title}” "
        f"staat niet in het jaarplan {year}. Kies een datum in {action.plan.year}."
    )


def action_of_year(action: Action, year: int) -> Action | None:
    """The action of the plan of `year` that `action` is: itself, the action its copy continues
    (back in time), or its copy in a later plan (forward); None when that plan does not have it.

    An update belongs to the plan of the quarter it reports on: an update dated in 2024 is stored on
    the 2024 action, also when it is entered on its 2025 copy (say, for Q4 in early January).
    One query per year stepped (usually none or one).
    """
    plans = Action.objects.select_related("section__plan", *permissions.district_related(Action))
    current: Action | None = action
    while current is not None and current.plan.year != year:
        if current.plan.year > year:
            current = plans.filter(pk=current.continues_id).first() if current.continues_id else None
        else:
            current = plans.filter(continues=current).order_by("section__plan__year").first()
    return current


def progress_errors(
    *,
    date: datetime.date | None,
    status: str | None,
    percentage: int | None,
    update: ProgressUpdate | None = None,
    today: datetime.date | None = None,
    action: Action | None = None,
) -> dict[str, list[str]]:
    """What is wrong with a progress update, per field, in Dutch; empty when nothing is.

    The rules of every entry point (the action page, Mijn acties, the admin, imports): forms call
    this in their clean() to show the errors at the fields; `report_progress` calls it again.
    With the `action`, also whether the plan of the date's year has it (`action_of_year`).
    """
    errors: dict[str, list[str]] = {}
    today = today or clock.today()
    if date is not None:
        if date > today:
            errors.setdefault("date", []).append(FUTURE_DATE)
        else:
            close = QuarterClose.objects.select_related("plan").closing(date)
            if close is not None:
                errors.setdefault("date", []).append(closed_quarter_error(close))
            elif action is not None and action.pk is not None and action_of_year(action, date.year) is None:
                errors.setdefault("date", []).append(no_action_in_plan_error(action, date.year))
    if update is not None and update.pk is not None:
        # A correction may not move an update out of a closed quarter either.
        stored = ProgressUpdate.objects.filter(pk=update.pk).values_list("date", flat=True).first()
        close = QuarterClose.objects.select_related("plan").closing(stored) if stored else None
        if close is not None:
            errors.setdefault(NON_FIELD, []).append(
                f"Deze update valt in het afgesloten kwartaal {close.quarter} {close.plan.year} "
                "en kan niet meer worden gewijzigd."
            )
    if percentage is not None and not 0 <= percentage <= 100:
        errors.setdefault("percentage", []).append(PERCENTAGE_ERROR)
    elif status == Status.DONE and percentage is not None and percentage != 100:
        errors.setdefault("percentage", []).append(DONE_IS_100)
    return errors


@transaction.atomic
def report_progress(
    *,
    user: Any,
    action: Action,
    date: datetime.date,
    status: str,
    percentage: int,
    narrative: str = "",
    update: ProgressUpdate | None = None,
    keep_author: bool = False,
    expected_version: int | None = None,
) -> ProgressUpdate:
    """Record a progress update on `action` (or correct `update`), written by `user`.

    The one way progress is written: the author is always `user`, never something a form or a file
    says; only a correction with `keep_author` (an import naming an existing update by its action,
    date and author) leaves the stored author in place, the history still naming `user`. Dates in
    the future or inside a closed quarter are refused (ValidationError, in Dutch, per field), never
    re-dated; the policy decides who may report on which action (PermissionDenied). A correction made
    in a form passes the version the form was opened with: saved by someone else since, and nothing is
    written (`core.history.StaleVersionError`). The update is stored on the action of the plan of its
    date's year (`action_of_year`): a Q4 2024 update entered on a 2025 copy lands on the 2024 action.
    """
    target = action_of_year(action, date.year) if date is not None else action
    if target is None:
        raise ValidationError({"date": [no_action_in_plan_error(action, date.year)]})
    action = target
    if update is None:
        update = ProgressUpdate(action=action)
    elif update.action_id != action.pk:
        update.action = action
    if not permissions.can_change(user, ProgressUpdate(action=action)) or (
        update.pk is not None and not permissions.can_change(user, ProgressUpdate.objects.get(pk=update.pk))
    ):
        raise PermissionDenied(NOT_ALLOWED)
    errors = progress_errors(date=date, status=status, percentage=percentage, update=update)
    if errors:
        raise ValidationError(errors)
    update.date = date
    update.status = status
    update.percentage = percentage
    update.narrative = narrative or ""
    if update.pk is None or not keep_author:
        update.author = user
    update.full_clean()
    update._history_user = user  # type: ignore[attr-defined]
    if update.pk is not None and expected_version is not None:
        history.save_if_current(update, expected=expected_version)
    else:
        update.save()
    return update


# Closing a quarter -------------------------------------------------------------------------------

CloseHook = Callable[[QuarterClose], None]
_close_hooks: dict[str, CloseHook] = {}


def register_close_hook(name: str, hook: CloseHook) -> None:
    """Run `hook(close)` after a quarter is closed and committed (reports stores the frozen PDF there)."""
    _close_hooks[name] = hook


def _run_close_hooks(close_id: int) -> None:
    close = QuarterClose.objects.select_related("plan").get(pk=close_id)
    for name, hook in _close_hooks.items():
        try:
            hook(close)
        except Exception:  # the close stands; the report is made on its first download instead
            logger.exception("Na het afsluiten van %s: %s mislukt", close, name)


def _snapshot(close: QuarterClose) -> int:
    """Every action of the plan as it stood on the quarter's last day (2 queries and one insert)."""
    last_day = close.last_day
    updates = ProgressUpdate.objects.filter(date__lte=last_day).order_by("-date", "-pk")
    actions = Action.objects.filter(section__plan=close.plan).prefetch_related(
        Prefetch("updates", queryset=updates, to_attr="updates_newest_first")
    )
    rows = []
    for action in actions:
        latest = action.latest_update
        rows.append(
            ActionSnapshot(
                close=close,
                action=action,
                title=action.title,
                status=latest.status if latest else Status.NOT_STARTED,
                percentage=latest.percentage if latest else None,
                narrative=latest.narrative if latest else "",
                update_date=latest.date if latest else None,
            )
        )
    ActionSnapshot.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def close_quarter(*, plan: AnnualPlan, quarter: int, user: Any) -> QuarterClose:
    """The bureau closes a quarter that has ended: a snapshot of every action as of its last day.

    From then on updates dated in the quarter are refused, and its quarterly PDF is made from the
    snapshot once and kept (the hooks registered with `register_close_hook` run after the commit).
    """
    if not permissions.is_bureau(user):
        raise PermissionDenied("Alleen het RIEC-bureau sluit een kwartaal af.")
    if not 1 <= quarter <= 4:
        raise ValidationError({"quarter": "Een kwartaal is 1, 2, 3 of 4."})
    plan = AnnualPlan.objects.select_for_update().get(pk=plan.pk)
    last_day = clock.quarter_end(plan.year, quarter)
    if clock.today() <= last_day:
        running = f"Kwartaal {quarter} {plan.year} loopt nog tot en met {last_day:%d-%m-%Y}; sluit het daarna af."
        raise ValidationError({"quarter": running})
    close = QuarterClose.objects.filter(plan=plan, quarter=quarter).first()
    if close is not None and close.is_closed:
        raise ValidationError({"quarter": f"Kwartaal {quarter} {plan.year} is al afgesloten."})
    reason = "Afgesloten"
    if close is None:
        close = QuarterClose(plan=plan, quarter=quarter)
    else:
        # Closed again after a reopening: a fresh snapshot and a fresh report.
        close.snapshots.all().delete()
        reason = "Opnieuw afgesloten"
    close.closed_at = timezone.now()
    close.closed_by = user
    close.reopened_at = None
    close.reopened_by = None
    close.reopen_reason = ""
    close.document = None
    close.document_sha256 = ""
    close.document_rendered_at = None
    close.full_clean()
    close._change_reason = reason  # type: ignore[attr-defined]
    close._history_user = user  # type: ignore[attr-defined]
    close.save()
    count = _snapshot(close)
    close._snapshot_count = count  # type: ignore[attr-defined]
    audit.record(None, action=audit.Action.QUARTER_CLOSED, obj=close, result=audit.Result.SUCCESS, actor=user)
    close_id = close.pk
    transaction.on_commit(lambda: _run_close_hooks(close_id))
    return close


@transaction.atomic
def reopen_quarter(*, close: QuarterClose, user: Any, reason: str) -> QuarterClose:
    """The bureau reopens a closed quarter; the reason is kept in the close's history."""
    if not permissions.is_bureau(user):
        raise PermissionDenied("Alleen het RIEC-bureau heropent een kwartaal.")
    close = QuarterClose.objects.select_for_update().select_related("plan").get(pk=close.pk)
    if not close.is_closed:
        raise ValidationError({"reason": f"{close.label.capitalize()} is niet afgesloten."})
    if not reason.strip():
        raise ValidationError({"reason": "Geef aan waarom het kwartaal wordt heropend."})
    close.reopened_at = timezone.now()
    close.reopened_by = user
    close.reopen_reason = reason.strip()
    close._change_reason = f"Heropend: {reason.strip()}"  # type: ignore[attr-defined]
    close._history_user = user  # type: ignore[attr-defined]
    close.save()
    audit.record(None, action=audit.Action.QUARTER_REOPENED, obj=close, result=audit.Result.SUCCESS, actor=user)
    return close


# Frozen updates ------------------------------------------------------------------------------------


def closed_quarter_reason(update: ProgressUpdate) -> str | None:
    """Why a stored update may not be changed or deleted: it lies in a closed quarter (the frozen report).

    Registered with `core.permissions.register_frozen`; the admin, the imports and
    `delete_progress_update` ask it through `permissions.frozen_reason`.
    """
    if update.date is None:
        return None
    close = QuarterClose.objects.select_related("plan").closing(update.date)
    return closed_quarter_error(close) if close is not None else None


@transaction.atomic
def delete_progress_update(update: ProgressUpdate, user: Any) -> None:
    """Delete a progress update; refused in a closed quarter (ValidationError, the closed quarter's message)."""
    if not permissions.can_delete(user, update):
        raise PermissionDenied(NOT_ALLOWED)
    reason = permissions.frozen_reason(update, deleting=True)
    if reason:
        raise ValidationError(reason)
    update._history_user = user  # type: ignore[attr-defined]
    update.delete()
