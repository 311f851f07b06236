"""What the accounts desk does to an account, each step with its line in the audit log.

The views (accounts.desk) ask the policy (core.permissions.can_manage_account) first; these functions
do the work. A role and its districts change through the groups and the district's coordinators, which
audit.receivers records by themselves.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from typing import Any

from allauth.mfa.models import Authenticator
from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

import audit
from core.permissions import DESK_ROLES
from core.roles import COORDINATOR
from districts.models import District

from .models import AccountState

# How long the bureau's allowance to link single sign-on by e-mail address lasts.
SSO_LINK_ALLOWANCE = datetime.timedelta(days=7)
# Readable for reading aloud or typing over: no 0/O, 1/l/I.
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105 (an alphabet)


def one_time_password() -> str:
    """16 characters in four groups ("Kp7r-..."), about 93 bits: for the first login only."""
    characters = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(16))
    return "-".join(characters[i : i + 4] for i in range(0, 16, 4))


def role_of(user: Any) -> str | None:
    return next((group.name for group in user.groups.all() if group.name in DESK_ROLES), None)


def set_role(user: Any, role: str, districts: Iterable[District]) -> None:
    """One role of the desk, and for a coordinator their districts (the other desk role is taken away)."""
    if role not in DESK_ROLES:
        raise ValueError(f"Geen rol van het accountsloket: {role!r}")
    others = [name for name in DESK_ROLES if name != role]
    user.groups.remove(*Group.objects.filter(name__in=others))
    user.groups.add(Group.objects.get(name=role))
    wanted = set(districts) if role == COORDINATOR else set()
    current = set(user.coordinated_districts.all())
    for district in current - wanted:
        district.coordinators.remove(user)
    for district in wanted - current:
        district.coordinators.add(user)


@transaction.atomic
def create_account(
    request: HttpRequest, *, username: str, first_name: str, last_name: str, email: str, role: str, districts: Any
) -> tuple[Any, str]:
    """A new account with a role, and a one-time password it must change at its first login."""
    password = one_time_password()
    user = get_user_model().objects.create_user(
        username=username, first_name=first_name, last_name=last_name, email=email, password=password, is_staff=True
    )
    AccountState.objects.create(user=user, must_change_password=True)
    audit.record(
        request,
        action=audit.Action.ACCOUNT_CREATED,
        obj=user,
        result=audit.Result.SUCCESS,
        detail=f"Op het accountsloket, als {role}",
    )
    set_role(user, role, districts)
    return user, password


@transaction.atomic
def reset_password(request: HttpRequest, user: Any) -> str:
    """A new one-time password (a forgotten one); a lockout of the account is lifted with it."""
    password = one_time_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    AccountState.objects.update_or_create(user=user, defaults={"must_change_password": True})
    AxesProxyHandler.reset_attempts(username=user.get_username())
    audit.record(
        request,
        action=audit.Action.PASSWORD_SET,
        obj=user,
        result=audit.Result.SUCCESS,
        detail="Eenmalig wachtwoord; bij de volgende login zelf een nieuw kiezen",
    )
    return password


@transaction.atomic
def reset_second_factor(request: HttpRequest, user: Any, reason: str) -> int:
    """Every second factor of the account removed (a lost phone): at its next login it sets up a new one."""
    removed, _kinds = Authenticator.objects.filter(user=user).delete()
    audit.record(
        request,
        action=audit.Action.MFA_REMOVED,
        obj=user,
        result=audit.Result.SUCCESS,
        detail=f"Door het RIEC-bureau teruggezet. Reden: {reason}",
    )
    return removed


def set_active(user: Any, active: bool) -> None:
    """Deactivate or reactivate (audited by audit.receivers as "actief: nee/ja")."""
    user.is_active = active
    user.save(update_fields=["is_active"])


def allow_sso_link(request: HttpRequest, user: Any) -> datetime.datetime:
    until = timezone.now() + SSO_LINK_ALLOWANCE
    AccountState.objects.update_or_create(user=user, defaults={"sso_link_allowed_until": until})
    audit.record(
        request,
        action=audit.Action.ROLE_CHANGED,
        obj=user,
        result=audit.Result.SUCCESS,
        detail=f"Koppelen met single sign-on op e-mailadres toegestaan tot {timezone.localtime(until):%d-%m-%Y %H:%M}",
    )
    return until
