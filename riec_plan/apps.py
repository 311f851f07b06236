from __future__ import annotations

from django.apps import AppConfig


class RiecPlanConfig(AppConfig):
    """The project: settings, URLs, and logging in (riec_plan.accounts). It has no models."""

    name = "riec_plan"
    verbose_name = "RIEC-plan"

    def ready(self) -> None:
        from allauth.mfa import signals as mfa_signals
        from django.contrib.auth.signals import user_logged_in

        from . import accounts

        user_logged_in.connect(accounts.remember_second_factor, dispatch_uid="riec_plan.remember_second_factor")
        mfa_signals.authenticator_removed.connect(
            accounts.second_factor_removed, dispatch_uid="riec_plan.factor_removed"
        )
