"""What writes audit records by itself: logins and logouts, lockouts, second factors, role changes, exports.

Connected in AuditConfig.ready(). Other apps call `audit.record` where their action happens, and an app
whose models carry rights (districts: the coordinators of a district) hands its relation to
`track_role_relation` in its own ready().
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Model
from django.db.models.signals import m2m_changed

from .choices import Action, Result
from .log import record

# Methods of authentication as django-allauth keeps them in the session, in Dutch.
METHOD_NAMES = {"password": "wachtwoord", "mfa": "tweede factor", "socialaccount": "single sign-on"}
AUTHENTICATION_RECORDS = "account_authentication_methods"
AUTHENTICATION_RECORDS_USER = "account_authentication_methods_user"


def how_logged_in(request: Any, user: Any) -> str:
    """'Met wachtwoord + tweede factor (totp)', from allauth's record of this login's steps."""
    session = getattr(request, "session", None)
    if session is None or str(session.get(AUTHENTICATION_RECORDS_USER)) != str(user.pk):
        return ""
    steps = []
    for step in session.get(AUTHENTICATION_RECORDS) or []:
        name = METHOD_NAMES.get(step.get("method"), step.get("method", "?"))
        kind = step.get("type") or step.get("provider")
        steps.append(f"{name} ({kind})" if kind else name)
    return f"Met {' + '.join(steps)}" if steps else ""


def logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(request, action=Action.LOGIN, result=Result.SUCCESS, actor=user, detail=how_logged_in(request, user))


def logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(request, action=Action.LOGOUT, result=Result.SUCCESS, actor=user)


def _account_or_name(username: Any) -> Any:
    """The account a failed login was for, or the typed name when there is no such account."""
    name = str(username or "")[:150]
    return get_user_model()._default_manager.filter(username=name).first() or name


def login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # A login that django-axes refuses (or that locks the account) is recorded once, as the lockout.
    if request is not None and getattr(request, "axes_locked_out", False):
        return
    # Django hands over the credentials with the password already masked; only the name is kept.
    record(
        request,
        action=Action.LOGIN_FAILED,
        result=Result.FAILURE,
        actor=_account_or_name(credentials.get("username")),
        detail="Onjuiste gebruikersnaam of wachtwoord",
    )


def locked_out(sender: Any, request: Any, username: Any = None, **kwargs: Any) -> None:
    record(
        request,
        action=Action.LOCKOUT,
        result=Result.REFUSED,
        actor=_account_or_name(username),
        detail="Te veel mislukte pogingen; inloggen is tijdelijk geblokkeerd",
    )


def second_factor_failed(sender: Any, request: Any, user: Any, authenticator: Any = None, **kwargs: Any) -> None:
    kind = f" ({factor_name(authenticator)})" if authenticator is not None else ""
    record(
        request,
        action=Action.LOGIN_FAILED,
        result=Result.FAILURE,
        actor=user,
        detail=f"Onjuiste code voor de tweede factor{kind}",
    )


FACTOR_NAMES = {"totp": "authenticator-app", "recovery_codes": "herstelcodes", "webauthn": "beveiligingssleutel"}


def factor_name(authenticator: Any) -> str:
    name = FACTOR_NAMES.get(authenticator.type, authenticator.type)
    if authenticator.type == "webauthn":
        name += f" “{authenticator}”"
    return name


def _second_factor(action: str) -> Any:
    def receiver(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
        record(
            request,
            action=action,
            obj=authenticator,
            label=factor_name(authenticator),
            result=Result.SUCCESS,
            actor=user,
        )

    receiver.__name__ = f"second_factor_{action}"
    return receiver


second_factor_added = _second_factor(Action.MFA_ADDED)
second_factor_removed = _second_factor(Action.MFA_REMOVED)
second_factor_reset = _second_factor(Action.MFA_RESET)


def exported(sender: Any, model: type[Model], **kwargs: Any) -> None:
    """django-import-export's post_export: the request is the one being served."""
    record(None, action=Action.EXPORT, obj=model, result=Result.SUCCESS)


def import_finished(sender: Any, request: Any, model: type[Model], result: Any, **kwargs: Any) -> None:
    """core.signals.import_finished: a confirmed import, written or (with errors) refused as a whole."""
    if result.has_errors():
        rows = sum(1 for row in result.rows if row.errors)
        record(
            request,
            action=Action.IMPORT,
            obj=model,
            result=Result.FAILURE,
            detail=f"Niets geïmporteerd: {rows} rij(en) met fouten",
        )
        return
    totals = result.totals
    record(
        request,
        action=Action.IMPORT,
        obj=model,
        result=Result.SUCCESS,
        detail=f"{totals.get('new', 0)} nieuw, {totals.get('update', 0)} gewijzigd, "
        f"{totals.get('skip', 0)} ongewijzigd",
    )


# Rights ------------------------------------------------------------------------------------------

# Account fields that change what someone may do.
RIGHTS_FIELDS = {"is_active": "actief", "is_staff": "toegang tot beheer", "is_superuser": "alle rechten (superuser)"}


def remember_rights(sender: Any, instance: Any, raw: bool = False, update_fields: Any = None, **kwargs: Any) -> None:
    """pre_save of an account: its rights as stored, to compare after the save."""
    instance._audit_rights_before = None
    if raw or instance.pk is None or (update_fields is not None and not set(update_fields) & set(RIGHTS_FIELDS)):
        return
    instance._audit_rights_before = (
        type(instance)._default_manager.filter(pk=instance.pk).values(*RIGHTS_FIELDS).first()
    )


def rights_saved(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    before = getattr(instance, "_audit_rights_before", None)
    if raw or created or not before:
        return
    changes = [
        f"{label}: {'ja' if getattr(instance, field) else 'nee'}"
        for field, label in RIGHTS_FIELDS.items()
        if before[field] != getattr(instance, field)
    ]
    if changes:
        record(None, action=Action.ROLE_CHANGED, obj=instance, result=Result.SUCCESS, detail="; ".join(changes))


def track_role_relation(through: type[Model], *, what: str) -> Any:
    """Record every change of a many-to-many relation between accounts and what gives them rights.

    `through` is the relation's through model (User.groups.through, District.coordinators.through);
    `what` names the far side in Dutch ("rol", "district"). One record per account and change:
    "Toegekend: rol Stuurgroep" on the account whose rights changed.
    """
    user_model = get_user_model()

    def changed(
        sender: Any, instance: Any, action: str, reverse: bool, model: type[Model], pk_set: Any, **kwargs: Any
    ) -> None:
        if action == "pre_clear":
            # clear() names nothing it removes: remember what is there now.
            instance._audit_cleared = list(_related(instance, through, user_model))
            return
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        verb = "Toegekend" if action == "post_add" else "Ingetrokken"
        if action == "post_clear":
            pairs = getattr(instance, "_audit_cleared", [])
        elif isinstance(instance, user_model):
            pairs = [(instance, other) for other in model._default_manager.filter(pk__in=pk_set or ())]
        else:
            pairs = [(user, instance) for user in model._default_manager.filter(pk__in=pk_set or ())]
        for user, other in pairs:
            record(None, action=Action.ROLE_CHANGED, obj=user, result=Result.SUCCESS, detail=f"{verb}: {what} {other}")

    m2m_changed.connect(changed, sender=through, weak=False, dispatch_uid=f"audit.roles.{through._meta.label}")
    return changed


def _related(instance: Any, through: type[Model], user_model: Any) -> list[tuple[Any, Any]]:
    # (user_model: the model whose rows are first in each pair, Group for a role's permissions.)
    """(account, other side) pairs of `instance` in the relation, before a clear()."""
    user_field = next(f for f in through._meta.fields if f.is_relation and f.related_model is user_model)
    other_field = next(f for f in through._meta.fields if f.is_relation and f.related_model is not user_model)
    rows = through._default_manager.select_related(user_field.name, other_field.name)
    if isinstance(instance, user_model):
        rows = rows.filter(**{user_field.name: instance})
    else:
        rows = rows.filter(**{other_field.name: instance})
    return [(getattr(row, user_field.name), getattr(row, other_field.name)) for row in rows]


def track_group_permissions(through: type[Model]) -> Any:
    """Record every change of the Django permissions of a role (Group.permissions): on the group,
    "Toegekend aan rol Stuurgroep: recht ...". Every member holds what the group holds."""

    def changed(sender: Any, instance: Any, action: str, model: type[Model], pk_set: Any, **kwargs: Any) -> None:
        if action == "pre_clear":
            instance._audit_cleared = list(_related(instance, through, Group))
            return
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        verb = "Toegekend aan" if action == "post_add" else "Ingetrokken bij"
        if action == "post_clear":
            pairs = getattr(instance, "_audit_cleared", [])
        elif isinstance(instance, Group):
            pairs = [(instance, other) for other in model._default_manager.filter(pk__in=pk_set or ())]
        else:
            pairs = [(group, instance) for group in model._default_manager.filter(pk__in=pk_set or ())]
        for group, permission in pairs:
            record(
                None,
                action=Action.ROLE_CHANGED,
                obj=group,
                result=Result.SUCCESS,
                detail=f"{verb} rol {group.name}: recht {permission}",
            )

    m2m_changed.connect(changed, sender=through, weak=False, dispatch_uid=f"audit.roles.{through._meta.label}")
    return changed


def account_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    """post_delete of an account (the record keeps its id and name; the account is gone)."""
    record(None, action=Action.ACCOUNT_DELETED, obj=instance, result=Result.SUCCESS, label=instance.get_username())
