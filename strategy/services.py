"""Writes that change a plan's state: adopting and reopening."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

import audit
from core import permissions

from .adoption_checks import failing_checks
from .models import AnnualPlan

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
    plan.status = AnnualPlan.Status.ADOPTED
    plan.adopted_on = adopted_on
    plan.full_clean()
    plan._change_reason = change_reason  # type: ignore[attr-defined]
    plan.save()
    audit.record(
        None, action=audit.Action.PLAN_ADOPTED, obj=plan, result=audit.Result.SUCCESS, actor=user, detail=change_reason
    )
    return plan


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
