"""Single sign-on through OpenID Connect (django-allauth's socialaccount, settings.SOCIALACCOUNT_PROVIDERS).

Accounts are matched on a verified e-mail address; the identity provider's login is then the second
factor. A new account is made only when OIDC_CREATE_ACCOUNTS is on, and gets no role unless
OIDC_ROLE_CLAIM maps to one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from allauth.socialaccount.providers.base.constants import AuthError
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.shortcuts import render

import audit
from core.roles import ROLES


def claim_values(sociallogin: SocialLogin, claim: str) -> list[str]:
    """The values of a claim in the provider's answer (userinfo or ID token), as a list."""
    data = sociallogin.account.extra_data or {}
    found: Any = None
    for part in (data.get("userinfo"), data.get("id_token"), data):
        if isinstance(part, dict) and claim in part:
            found = part[claim]
            break
    if found is None:
        return []
    return [str(value) for value in (found if isinstance(found, list | tuple) else [found])]


def mapped_roles(sociallogin: SocialLogin) -> list[str]:
    claim, mapping = settings.OIDC_ROLE_CLAIM, settings.OIDC_ROLE_MAPPING
    if not claim or not mapping:
        return []
    roles = {mapping[value] for value in claim_values(sociallogin, claim) if value in mapping}
    return sorted(role for role in roles if role in ROLES)


def grant_roles(user: Any, roles: Iterable[str]) -> None:
    """Add the roles a claim maps to (a role the bureau granted is never taken away here)."""
    roles = list(roles)
    if not roles:
        return
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.groups.add(*Group.objects.filter(name__in=roles))


def refusal(request: HttpRequest, message: str, who: str = "") -> ImmediateHttpResponse:
    """A single sign-on that does not lead to an account: a failed login, in the audit log too."""
    audit.record(request, action=audit.Action.LOGIN_FAILED, result=audit.Result.REFUSED, actor=who, detail=message)
    return ImmediateHttpResponse(render(request, "account/sso_refused.html", {"message": message}, status=403))


# Why a single sign-on failed (allauth's AuthError codes), as the audit log says it.
SSO_ERRORS: dict[str | None, str] = {
    AuthError.CANCELLED: "afgebroken bij de inlogdienst",
    AuthError.DENIED: "geweigerd door de inlogdienst",
    AuthError.UNKNOWN: "fout van de inlogdienst",
    None: "onbekende fout",
}


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        if sociallogin.is_existing:
            grant_roles(sociallogin.user, mapped_roles(sociallogin))
            return
        emails = [address.email for address in sociallogin.email_addresses if address.verified]
        if not emails:
            raise refusal(request, "De identiteitsprovider gaf geen bevestigd e-mailadres door.")
        email = emails[0]
        accounts = list(get_user_model()._default_manager.filter(email__iexact=email))
        if len(accounts) > 1:
            raise refusal(request, f"Meer dan één account heeft het e-mailadres {email}; vraag het RIEC-bureau.", email)
        if accounts:
            # The e-mail address the bureau gave the account is the match; its password stays as it is.
            sociallogin.connect(request, accounts[0])
            grant_roles(accounts[0], mapped_roles(sociallogin))
        elif not settings.OIDC_CREATE_ACCOUNTS:
            raise refusal(request, f"Er is geen account met het e-mailadres {email}; vraag het RIEC-bureau.", email)

    def on_authentication_error(
        self, request: HttpRequest, provider: Any, error: Any = None, exception: Any = None, extra_context: Any = None
    ) -> None:
        reason = SSO_ERRORS.get(error, SSO_ERRORS[None])
        if exception is not None:
            reason = f"{reason}: {type(exception).__name__}"
        detail = f"Single sign-on mislukt ({reason})"
        audit.record(request, action=audit.Action.LOGIN_FAILED, result=audit.Result.FAILURE, detail=detail)

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return bool(settings.OIDC_CREATE_ACCOUNTS)

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form: Any = None) -> Any:
        user = super().save_user(request, sociallogin, form)
        grant_roles(user, mapped_roles(sociallogin))
        return user
