"""Wrong codes of the second factor count like wrong passwords.

Two of allauth's and django-axes's own mechanisms, together:

- allauth's rate limit "login_failed" (settings.ACCOUNT_RATE_LIMITS) refuses a code form after 5 tries
  in 15 minutes per account and per client address; a right code clears it.
- every wrong code is also a failed login for django-axes (`code_failed`), so the fifth locks out the
  account from that address as five wrong passwords do: the same lockout page, the same audit line,
  the same cool-off. The code forms (settings.MFA_FORMS) first ask axes whether the account is locked
  out from this address, and refuse before looking at the code.
"""

from __future__ import annotations

from typing import Any

from allauth.core import context
from allauth.mfa.base import forms as mfa_forms
from axes.handlers.proxy import AxesProxyHandler
from axes.signals import user_locked_out
from django.core.exceptions import ValidationError

import audit

LOCKED_OUT = (
    "Te veel onjuiste pogingen: inloggen is voor dit account tijdelijk geblokkeerd. "
    "Probeer het over een kwartier opnieuw, of neem contact op met het RIEC-bureau."
)


def credentials_of(user: Any) -> dict[str, str]:
    """What django-axes counts a failure against: the account's name (with the client's address)."""
    return {"username": user.get_username()}


def code_failed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """allauth.mfa's authentication_failed: one failed login for django-axes, which may lock out."""
    if request is not None:
        AxesProxyHandler.user_login_failed(sender=sender, credentials=credentials_of(user), request=request)


class LockoutCheck:
    """Before allauth's own check of a code (its rate limit, then the code): axes's lockout."""

    user: Any

    def clean_code(self) -> str:
        request = context.request
        credentials = credentials_of(self.user)
        if AxesProxyHandler.is_locked(request, credentials):
            # As axes answers a password login while locked out: its lockout page (AxesMiddleware)
            # and a lockout record in the audit log for this refused attempt.
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes", request=request, username=credentials["username"], ip_address=request.axes_ip_address
            )
            raise ValidationError(LOCKED_OUT, code="locked_out")
        try:
            return super().clean_code()  # type: ignore[misc]
        except ValidationError as error:
            if error.code == "too_many_login_attempts":
                # allauth's limit per account: reached from several addresses, each below axes's limit.
                audit.record(
                    request,
                    action=audit.Action.LOCKOUT,
                    result=audit.Result.REFUSED,
                    actor=self.user,
                    detail="Te veel onjuiste codes voor de tweede factor; tijdelijk geblokkeerd",
                )
            raise


class AuthenticateForm(LockoutCheck, mfa_forms.AuthenticateForm):
    pass


class ReauthenticateForm(LockoutCheck, mfa_forms.ReauthenticateForm):
    pass
