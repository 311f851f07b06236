"""Logging in: a password with a required second factor, or single sign-on (django-allauth).

- Every account that logs in with a local password needs a second factor (TOTP with recovery codes,
  or a WebAuthn security key or passkey). Until it has one, `SecondFactorRequiredMiddleware` lets it
  reach nothing but the pages that set one up.
- How a session proved itself is decided once, when it logs in (`remember_second_factor`), and kept
  in the session, so pages ask the database nothing for it.
- Single sign-on (OpenID Connect, accounts.sso): the identity provider's login is then the second factor.
- Demo accounts of `make run` (create_demo_users) may log in without a second factor while
  DJANGO_DEBUG is on; every page then says so.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from allauth.account import views as account_views
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.stages import AuthenticateStage
from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

import audit

from .models import AccountState

# The session key that says how this session proved its second factor: "mfa" (TOTP or WebAuthn),
# "sso" (the identity provider's login) or "demo" (a demo account under DJANGO_DEBUG).
SECOND_FACTOR = "riec_second_factor"
# The factors that count as a second factor at login (recovery codes only stand in for them).
SECOND_FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
DEMO_PERMISSION = "demo_without_second_factor"

# What an account without a second factor may still open: setting one up, confirming its password
# for that, and logging out.
SETUP_VIEWS = {
    "mfa_index",
    "mfa_activate_totp",
    "mfa_reauthenticate",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_list_webauthn",
    "mfa_add_webauthn",
    "mfa_reauthenticate_webauthn",
    "account_reauthenticate",
    "account_logout",
    "logout",
}
# Set at login for an account with a one-time password from the bureau (AccountState.must_change_password):
# until it chose its own, it reaches nothing but the password change (and the logout).
MUST_CHANGE_PASSWORD = "riec_must_change_password"  # noqa: S105 (a session key)
PASSWORD_VIEWS = {"account_change_password", "account_logout", "logout"}
PASSWORD_MESSAGE = "Kies eerst een eigen wachtwoord: het wachtwoord van het RIEC-bureau was voor één keer."  # noqa: S105
SETUP_MESSAGE = (
    "Stel eerst een tweede factor in: een code uit een authenticator-app of een beveiligingssleutel. "
    "Zonder tweede factor kunt u RIEC-plan niet gebruiken."
)


def has_second_factor(user: Any) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTOR_TYPES).exists()


def is_demo_account(user: Any) -> bool:
    """Only while DJANGO_DEBUG is on; the permission itself is given by create_demo_users."""
    if not settings.DEBUG:
        return False
    return user.user_permissions.filter(content_type__app_label="audit", codename=DEMO_PERMISSION).exists()


def logged_in_through_sso(request: HttpRequest, user: Any) -> bool:
    records = get_authentication_records(request, user)
    return bool(records) and records[-1].get("method") == "socialaccount"


def proof_of_login(request: HttpRequest, user: Any) -> str | None:
    """How this login proved a second factor, or None when it did not."""
    if logged_in_through_sso(request, user):
        return "sso"
    # The login flow asks for the second factor of every account that has one (allauth's
    # AuthenticateStage), and the admin's login page sends to that flow too.
    if has_second_factor(user):
        return "mfa"
    if is_demo_account(user):
        return "demo"
    return None


# Signal receivers (connected in accounts.apps) ---------------------------------------------------


def remember_second_factor(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """user_logged_in: decide once per login how the session proved itself."""
    session = getattr(request, "session", None)
    if request is None or session is None:
        return
    proof = proof_of_login(request, user)
    if proof:
        session[SECOND_FACTOR] = proof
    else:
        session.pop(SECOND_FACTOR, None)
    if proof != "sso" and AccountState.objects.filter(user_id=user.pk, must_change_password=True).exists():
        session[MUST_CHANGE_PASSWORD] = True
    else:
        session.pop(MUST_CHANGE_PASSWORD, None)


def password_changed(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """allauth's password_changed: the account chose its own password."""
    AccountState.objects.filter(user_id=user.pk).update(must_change_password=False)
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(MUST_CHANGE_PASSWORD, None)


def second_factor_removed(sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kwargs: Any) -> None:
    """Without a second factor left, a password session is sent back to the setup."""
    session = getattr(request, "session", None)
    if session is not None and session.get(SECOND_FACTOR) == "mfa" and not has_second_factor(user):
        session.pop(SECOND_FACTOR, None)


# Middleware ---------------------------------------------------------------------------------------


class SecondFactorRequiredMiddleware:
    """A logged-in session without a proven second factor reaches only the pages that set one up.

    Runs after LoginRequiredMiddleware (which sends anonymous visitors to the login). A session that
    proved its second factor at login asks the database nothing; one that did not looks again on
    each request, so the second factor set up on the setup pages counts at once.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if not request.user.is_authenticated:
            return None
        if request.session.get(MUST_CHANGE_PASSWORD):
            return self._password_first(request, view_func)
        if request.session.get(SECOND_FACTOR):
            return None
        if has_second_factor(request.user):
            # Set up in this session since it logged in (with a valid code or key): proven from now on.
            request.session[SECOND_FACTOR] = "mfa"
            return None
        if getattr(view_func, "login_required", True) is False:
            return None  # public pages: the login, the health check, security.txt
        match = request.resolver_match
        if match is not None and match.view_name in SETUP_VIEWS:
            return None
        if request.method == "GET":
            messages.warning(request, SETUP_MESSAGE)
        return redirect("mfa_index")

    def _password_first(self, request: HttpRequest, view_func: Callable[..., Any]) -> HttpResponse | None:
        if getattr(view_func, "login_required", True) is False:
            return None
        match = request.resolver_match
        if match is not None and match.view_name in PASSWORD_VIEWS:
            return None
        if request.method == "GET":
            messages.warning(request, PASSWORD_MESSAGE)
        return redirect("account_change_password")


# django-allauth adapters ----------------------------------------------------------------------------


class SecondFactorStage(AuthenticateStage):
    """allauth's second-factor step of the login, skipped after single sign-on (the provider's is the second)."""

    def handle(self) -> tuple[Any, bool]:
        if self.login.user is not None and logged_in_through_sso(self.request, self.login.user):
            return None, True
        return super().handle()


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": (
            "Voer een juiste gebruikersnaam en wachtwoord in. Let op: beide velden zijn hoofdlettergevoelig."
        ),
        "account_inactive": "Dit account is niet actief. Neem contact op met het RIEC-bureau.",
        "too_many_login_attempts": (
            "Te veel onjuiste pogingen voor dit account. Probeer het over een kwartier opnieuw, "
            "of neem contact op met het RIEC-bureau."
        ),
    }

    def get_client_ip(self, request: HttpRequest) -> str:
        """The client's address by the one rule of audit.log.client_ip (TRUSTED_PROXY_COUNT), as axes sees it."""
        ip = audit.client_ip(request)
        if not ip:
            raise PermissionDenied("Het adres van de client is onbekend.")
        return ip

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Wrong passwords are counted by django-axes per (name, address); allauth's count per name
        alone ("login_failed" .../key) would let anyone lock any account. Its limit stays on the codes
        of the second factor (accounts.throttle)."""
        self._login_failed_rl_usage = None

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False  # the bureau makes accounts

    def get_password_change_redirect_url(self, request: HttpRequest) -> str:
        return "/"  # on to the second factor's setup, if there is none yet, or else the start page

    def get_login_stages(self) -> list[str]:
        stages = super().get_login_stages()
        return [
            "accounts.login.SecondFactorStage" if stage == "allauth.mfa.stages.AuthenticateStage" else stage
            for stage in stages
        ]


@functools.cache
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def cipher() -> MultiFernet:
    """Fernet with settings.MFA_ENCRYPTION_KEYS: the first encrypts, every one decrypts."""
    return _cipher(tuple(settings.MFA_ENCRYPTION_KEYS))


class MFAAdapter(DefaultMFAAdapter):
    """allauth's adapter, with the secrets of authenticator apps and recovery codes encrypted at rest."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": "Deze code klopt niet. Gebruik de code die uw authenticator-app nu toont.",
    }

    def encrypt(self, text: str) -> str:
        return cipher().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        return cipher().decrypt(encrypted_text.encode()).decode()

    def get_totp_label(self, user: Any) -> str:
        return user.get_username()


# The login page ----------------------------------------------------------------------------------


def sso_origins() -> list[str]:
    """The origins of the configured identity providers (from OIDC_SERVER_URL)."""
    origins = []
    for app in settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", []):
        url = urlsplit(app.get("settings", {}).get("server_url", ""))
        if url.scheme and url.netloc:
            origins.append(f"{url.scheme}://{url.netloc}")
    return origins


@wraps(account_views.login)
def login(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
    """allauth's login page; its single sign-on button posts to us and is sent on to the provider,
    which the Content-Security-Policy's form-action must allow for that page."""
    response = account_views.login(request, *args, **kwargs)
    origins = sso_origins()
    if origins:
        response._csp_update = {"form-action": origins}
    return response
