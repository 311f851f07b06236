"""The rights review (BIO 5.18.02, 8.02.01): every account, its role, district, last login and second
factor, and every change of rights in the past year; for the RIEC-bureau, as a page and as CSV."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from typing import Any

from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

import audit
from audit.models import AuditEvent
from audit.receivers import FACTOR_NAMES
from core import permissions
from core.imports import neutralise
from core.roles import ROLES

from .login import DEMO_PERMISSION

REVIEW_PERIOD = datetime.timedelta(days=365)


@dataclass
class AccountRights:
    user: Any
    roles: list[str]
    districts: list[str]
    second_factor: list[str]
    changes: list[AuditEvent] = field(default_factory=list)

    @property
    def second_factor_text(self) -> str:
        return ", ".join(self.second_factor) or "geen"


def second_factor_of(user: Any) -> list[str]:
    """What the account proves itself with besides its password (prefetched authenticators and accounts)."""
    kinds = [authenticator.type for authenticator in user.authenticator_set.all()]
    found = []
    if Authenticator.Type.TOTP in kinds:
        found.append(FACTOR_NAMES[Authenticator.Type.TOTP])
    keys = kinds.count(Authenticator.Type.WEBAUTHN)
    if keys:
        found.append(f"{FACTOR_NAMES[Authenticator.Type.WEBAUTHN]} ({keys})")
    if Authenticator.Type.RECOVERY_CODES in kinds:
        found.append(FACTOR_NAMES[Authenticator.Type.RECOVERY_CODES])
    if user.socialaccount_set.all():
        found.append("single sign-on")
    if any(permission.codename == DEMO_PERMISSION for permission in user.user_permissions.all()):
        found.append("demo: zonder tweede factor (alleen DEBUG)")
    return found


def build_review(now: datetime.datetime | None = None) -> tuple[list[AccountRights], list[AuditEvent]]:
    """Every account with its rights, and the changes of rights since a year ago (newest first).

    Queries: the accounts, then their groups, districts, authenticators, single sign-on accounts and
    permissions (one each), and the changes.
    """
    since = (now or timezone.now()) - REVIEW_PERIOD
    users = (
        get_user_model()
        ._default_manager.order_by("username")
        .prefetch_related(
            "groups", "coordinated_districts", "authenticator_set", "socialaccount_set", "user_permissions"
        )
    )
    # Changes of accounts, and of the roles' own Django permissions (which every member then holds).
    changes = list(AuditEvent.objects.role_changes_since(since).filter(object_type__in=("auth.user", "auth.group")))
    by_account: dict[str, list[AuditEvent]] = {}
    for change in changes:
        if change.object_type == "auth.user":
            by_account.setdefault(change.object_id, []).append(change)
    accounts = []
    for user in users:
        roles = sorted(group.name for group in user.groups.all() if group.name in ROLES)
        if user.is_superuser:
            roles.insert(0, "alle rechten (superuser)")
        accounts.append(
            AccountRights(
                user=user,
                roles=roles,
                districts=sorted(district.name for district in user.coordinated_districts.all()),
                second_factor=second_factor_of(user),
                changes=by_account.get(str(user.pk), []),
            )
        )
    return accounts, changes


def _bureau_only(request: HttpRequest) -> None:
    if not permissions.is_bureau(request.user):
        raise PermissionDenied("Alleen het RIEC-bureau bekijkt de rechten van alle accounts.")


@require_GET
def review(request: HttpRequest) -> HttpResponse:
    _bureau_only(request)
    accounts, changes = build_review()
    context = {"accounts": accounts, "changes": changes, "since": timezone.now() - REVIEW_PERIOD}
    return render(request, "rights_review.html", context)


CSV_COLUMNS = (
    "Gebruikersnaam",
    "Naam",
    "E-mailadres",
    "Actief",
    "Rol",
    "District(en)",
    "Laatst ingelogd",
    "Tweede factor",
    "Rolwijzigingen afgelopen jaar",
)


def change_text(change: AuditEvent) -> str:
    """The change as the review shows it: "Toegekend: rol X", or the kind first ("Account verwijderd")."""
    if change.action == audit.Action.ROLE_CHANGED:
        return change.detail
    return f"{change.get_action_display()}: {change.detail}" if change.detail else change.get_action_display()


def _when(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


@require_GET
def review_csv(request: HttpRequest) -> HttpResponse:
    _bureau_only(request)
    accounts, _changes = build_review()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(CSV_COLUMNS)
    for account in accounts:
        user = account.user
        changes = " | ".join(
            f"{_when(c.time)} {change_text(c)} (door {c.actor_name or 'systeem'})" for c in account.changes
        )
        row = (
            user.username,
            user.get_full_name(),
            user.email,
            "ja" if user.is_active else "nee",
            ", ".join(account.roles) or "geen",
            ", ".join(account.districts),
            _when(user.last_login),
            account.second_factor_text,
            changes,
        )
        writer.writerow([neutralise(value) for value in row])
    audit.record(
        request,
        action=audit.Action.EXPORT,
        obj="rechtenoverzicht",
        result=audit.Result.SUCCESS,
        detail=f"{len(accounts)} account(s) als CSV",
    )
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rechtenoverzicht-{timezone.localdate():%Y%m%d}.csv"'
    return response
