"""The district rules every entry point shares: an assessed norm is retired, not deleted; a round is saved whole."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core import permissions

from .models import BaselineAssessment, BaselineNorm

NOT_ALLOWED = "U mag deze norm niet wijzigen."


def retire_instead(norm: BaselineNorm) -> str:
    return _(
        "De norm ‘%(norm)s’ heeft al standen van gemeenten en kan niet worden verwijderd. Vul ‘vervallen per’ in: "
        "dan verdwijnt hij uit de matrix en blijven de standen bewaard."
    ) % {"norm": norm.title}


def assessed_norm_reason(norm: BaselineNorm) -> str | None:
    """Why a norm may not be deleted: its assessments (and earlier quarters' matrices) must stay.

    Registered with `core.permissions.register_frozen(..., for_delete_only=True)`.
    """
    return retire_instead(norm) if norm.is_assessed else None


@transaction.atomic
def retire_norm(*, norm: BaselineNorm, user: Any, retired_on: datetime.date) -> BaselineNorm:
    """Retire a norm per `retired_on`: it leaves the matrix from then on, its assessments stay."""
    if not permissions.can_change(user, norm):
        raise PermissionDenied(NOT_ALLOWED)
    norm.retired_on = retired_on
    norm.full_clean()
    norm._history_user = user  # type: ignore[attr-defined]
    norm.save()
    return norm


@transaction.atomic
def delete_norm(*, norm: BaselineNorm, user: Any) -> None:
    """Delete a norm nobody was assessed on; an assessed norm is refused (ValidationError): retire it instead."""
    if not permissions.can_delete(user, norm):
        raise PermissionDenied(NOT_ALLOWED)
    reason = permissions.frozen_reason(norm, deleting=True)
    if reason:
        raise ValidationError(reason)
    norm._history_user = user  # type: ignore[attr-defined]
    norm.delete()


# A round of basis op orde ------------------------------------------------------------------------


@transaction.atomic
def record_baseline_round(*, assessments: list[BaselineAssessment], user: Any) -> list[BaselineAssessment]:
    """Save a round's new assessments, all or none; each on its own, so each has its own history.

    The form (districts.baseline_round) has validated each cell; the policy is asked again here.
    """
    for assessment in assessments:
        if not permissions.can_change(user, assessment):
            raise PermissionDenied(_("U mag de stand van deze gemeente niet vastleggen."))
    for assessment in assessments:
        assessment._history_user = user  # type: ignore[attr-defined]
        assessment.save()
    return assessments
