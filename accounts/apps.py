from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Accounts and logging in: the second factor, single sign-on, sessions, the rights review.

    Above the plan apps (a coordinator's account names its district), below riec_plan (settings, URLs).
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from allauth.account import signals as account_signals
        from allauth.mfa import signals as mfa_signals
        from allauth.socialaccount import signals as social_signals
        from django.contrib.auth.signals import user_logged_in

        from . import login, sso, throttle

        user_logged_in.connect(login.remember_second_factor, dispatch_uid="accounts.remember_second_factor")
        mfa_signals.authenticator_removed.connect(login.second_factor_removed, dispatch_uid="accounts.factor_removed")
        # A wrong code of the second factor counts as a failed login for django-axes.
        mfa_signals.authentication_failed.connect(throttle.code_failed, dispatch_uid="accounts.code_failed")
        social_signals.social_account_added.connect(sso.linked, dispatch_uid="accounts.sso_linked")
        social_signals.social_account_removed.connect(sso.unlinked, dispatch_uid="accounts.sso_unlinked")
        account_signals.password_changed.connect(login.password_changed, dispatch_uid="accounts.password_changed")
