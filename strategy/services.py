"""Writes that change a plan's state: adopting and reopening."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core import permissions

from .models import AnnualPlan


@transaction.atomic
def adopt_plan(*, plan: AnnualPlan, user: Any, adopted_on: datetime.date) -> AnnualPlan:
    """The stuurgroep (or bureau) adopts a concept plan; from then on it is read-only."""
    plan = AnnualPlan.objects.select_for_update().get(pk=plan.pk)
    if not permissions.can_adopt(user, plan):
        raise PermissionDenied("Alleen de stuurgroep of het RIEC-bureau stelt een concept-jaarplan vast.")
    plan.status = AnnualPlan.Status.ADOPTED
    plan.adopted_on = adopted_on
    plan.full_clean()
    plan._change_reason = f"Vastgesteld op {adopted_on:%d-%m-%Y}"  # type: ignore[attr-defined]
    plan.save()
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
    return plan
