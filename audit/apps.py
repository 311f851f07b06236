from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The audit log. Below the plan apps (they call `audit.record`), above core (whose signals it hears)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        from allauth.mfa import signals as mfa_signals
        from axes.signals import user_locked_out
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
        from django.db.models.signals import post_delete, post_save, pre_save
        from import_export.signals import post_export

        from core.signals import import_finished

        from . import receivers

        def connect(signal: object, receiver: object, **kwargs: object) -> None:
            signal.connect(receiver, dispatch_uid=f"audit.{receiver.__name__}", **kwargs)  # type: ignore[attr-defined]

        connect(user_logged_in, receivers.logged_in)
        connect(user_logged_out, receivers.logged_out)
        connect(user_login_failed, receivers.login_failed)
        connect(user_locked_out, receivers.locked_out)
        connect(mfa_signals.authentication_failed, receivers.second_factor_failed)
        connect(mfa_signals.authenticator_added, receivers.second_factor_added)
        connect(mfa_signals.authenticator_removed, receivers.second_factor_removed)
        connect(mfa_signals.authenticator_reset, receivers.second_factor_reset)
        connect(post_export, receivers.exported)
        connect(import_finished, receivers.import_finished)

        user_model = get_user_model()
        connect(pre_save, receivers.remember_rights, sender=user_model)
        connect(post_save, receivers.rights_saved, sender=user_model)
        connect(post_delete, receivers.account_deleted, sender=user_model)
        receivers.track_role_relation(user_model.groups.through, what="rol")
        # Django's own permissions, of an account and of a role: each one can make someone superuser-like.
        receivers.track_role_relation(user_model.user_permissions.through, what="recht")
        from django.contrib.auth.models import Group

        receivers.track_group_permissions(Group.permissions.through)
