"""Single sign-on through OpenID Connect (django-allauth's socialaccount, settings.SOCIALACCOUNT_PROVIDERS).

The identity provider's login is then the second factor, so an identity is linked to an account only
by an explicit step, never on a matching e-mail address alone:

- by the account's owner, logged in with password and second factor, on /account/sso/ (allauth's
  connections page; allauth asks for the password again first), or
- by the bureau on the accounts desk: the next single sign-on with the account's verified e-mail
  address within a week links it (AccountState.sso_link_allowed_until), once.

An account with superuser rights never logs in through single sign-on, and an inactive account is
refused with a line in the audit log. A new account is made only when OIDC_CREATE_ACCOUNTS is on.
Roles follow the claim named by OIDC_ROLE_CLAIM at every login: the roles OIDC_ROLE_MAPPING can give
are added and removed as the claim says (roles outside the mapping are the bureau's and stay).
Every link, unlink and role change is in the audit log.
"""

from __future__ import annotations

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
from django.utils import timezone

import audit
from core.roles import ROLES

from .login import SECOND_FACTOR
from .models import AccountState

NOT_LINKED = (
    "Het account met het e-mailadres {email} is nog niet gekoppeld aan deze inlogdienst. Log in met uw "
    "wachtwoord en tweede factor en koppel het onder ‘Single sign-on’, of vraag het RIEC-bureau de koppeling "
    "toe te staan."
)
SUPERUSER = "Een account met alle rechten (superuser) logt niet in via single sign-on; gebruik uw wachtwoord."
INACTIVE = "Dit account is niet actief. Neem contact op met het RIEC-bureau."
CONNECT_NEEDS_SECOND_FACTOR = "Koppelen kan alleen na inloggen met uw wachtwoord en tweede factor."


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


def managed_roles() -> set[str]:
    """The roles of riec-plan that the claim decides (the values of OIDC_ROLE_MAPPING)."""
    if not settings.OIDC_ROLE_CLAIM:
        return set()
    return {role for role in settings.OIDC_ROLE_MAPPING.values() if role in ROLES}


def mapped_roles(sociallogin: SocialLogin) -> set[str]:
    claim, mapping = settings.OIDC_ROLE_CLAIM, settings.OIDC_ROLE_MAPPING
    if not claim or not mapping:
        return set()
    return {mapping[value] for value in claim_values(sociallogin, claim) if mapping.get(value) in ROLES}


def sync_roles(user: Any, sociallogin: SocialLogin) -> None:
    """The roles the mapping can give, as the claim says now: added and removed (each change audited
    by audit.receivers through the groups relation)."""
    managed = managed_roles()
    if not managed:
        return
    wanted = mapped_roles(sociallogin)
    current = {group.name for group in user.groups.all()}
    to_remove = (current & managed) - wanted
    to_add = wanted - current
    if to_remove:
        user.groups.remove(*Group.objects.filter(name__in=to_remove))
    if to_add:
        user.groups.add(*Group.objects.filter(name__in=to_add))
    has_role = bool(wanted or (current - to_remove) & set(ROLES))
    if has_role != user.is_staff and not user.is_superuser:
        user.is_staff = has_role  # the admin for whoever has a role; audited as a change of rights
        user.save(update_fields=["is_staff"])


def refusal(request: HttpRequest, message: str, who: Any = "") -> ImmediateHttpResponse:
    """A single sign-on that does not lead to an account: a refused login, in the audit log too."""
    audit.record(
        request, action=audit.Action.LOGIN_FAILED, result=audit.Result.REFUSED, actor=who or "", detail=message
    )
    return ImmediateHttpResponse(render(request, "account/sso_refused.html", {"message": message}, status=403))


def may_log_in(request: HttpRequest, user: Any) -> None:
    if user.is_superuser:
        raise refusal(request, SUPERUSER, user)
    if not user.is_active:
        raise refusal(request, INACTIVE, user)


def bureau_allowed_link(user: Any) -> bool:
    """Whether the bureau allowed linking this account, and the allowance has not run out (it is used up here)."""
    updated = AccountState.objects.filter(user=user, sso_link_allowed_until__gt=timezone.now()).update(
        sso_link_allowed_until=None
    )
    return bool(updated)


# Why a single sign-on failed (allauth's AuthError codes), as the audit log says it.
SSO_ERRORS: dict[str | None, str] = {
    AuthError.CANCELLED: "afgebroken bij de inlogdienst",
    AuthError.DENIED: "geweigerd door de inlogdienst",
    AuthError.UNKNOWN: "fout van de inlogdienst",
    None: "onbekende fout",
}


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        if sociallogin.state.get("process") == "connect":
            self._check_connect(request)
            return
        if sociallogin.is_existing:
            may_log_in(request, sociallogin.user)
            sync_roles(sociallogin.user, sociallogin)
            return
        emails = [address.email for address in sociallogin.email_addresses if address.verified]
        if not emails:
            raise refusal(request, "De identiteitsprovider gaf geen bevestigd e-mailadres door.")
        email = emails[0]
        accounts = list(get_user_model()._default_manager.filter(email__iexact=email))
        if len(accounts) > 1:
            raise refusal(request, f"Meer dan één account heeft het e-mailadres {email}; vraag het RIEC-bureau.", email)
        if accounts:
            account = accounts[0]
            may_log_in(request, account)
            if not bureau_allowed_link(account):
                raise refusal(request, NOT_LINKED.format(email=email), account)
            # The bureau allowed it: linked now (audited by `linked`); its password stays as it is.
            sociallogin.connect(request, account)
            sync_roles(account, sociallogin)
        elif not settings.OIDC_CREATE_ACCOUNTS:
            raise refusal(request, f"Er is geen account met het e-mailadres {email}; vraag het RIEC-bureau.", email)

    def _check_connect(self, request: HttpRequest) -> None:
        """The owner links an identity to the account they are logged in to (allauth's connect step)."""
        user = request.user
        if not user.is_authenticated or request.session.get(SECOND_FACTOR) != "mfa":
            raise refusal(request, CONNECT_NEEDS_SECOND_FACTOR, user if user.is_authenticated else "")
        if user.is_superuser:
            raise refusal(request, SUPERUSER, user)

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
        audit.record(
            request,
            action=audit.Action.ACCOUNT_CREATED,
            obj=user,
            result=audit.Result.SUCCESS,
            actor=user,
            detail="Door single sign-on (OIDC_CREATE_ACCOUNTS)",
        )
        sync_roles(user, sociallogin)
        return user


# Signal receivers (connected in accounts.apps) ----------------------------------------------------


def linked(sender: Any, request: HttpRequest, sociallogin: SocialLogin, **kwargs: Any) -> None:
    """allauth's social_account_added: an identity is linked to an account."""
    account = sociallogin.account
    audit.record(
        request,
        action=audit.Action.SSO_LINKED,
        obj=sociallogin.user,
        result=audit.Result.SUCCESS,
        detail=f"Identiteit {account.uid} van {account.provider} gekoppeld",
    )


def unlinked(sender: Any, request: HttpRequest, socialaccount: Any, **kwargs: Any) -> None:
    """allauth's social_account_removed."""
    audit.record(
        request,
        action=audit.Action.SSO_UNLINKED,
        obj=socialaccount.user,
        result=audit.Result.SUCCESS,
        detail=f"Identiteit {socialaccount.uid} van {socialaccount.provider} ontkoppeld",
    )
