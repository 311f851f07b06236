"""Writing audit records: the one function `record`, and the request being served (for origin and actor)."""

from __future__ import annotations

import contextvars
import ipaddress
import logging
from typing import Any

from django.conf import settings
from django.db.models import Model
from django.http import HttpRequest

from .choices import Action, Result
from .models import AuditEvent

logger = logging.getLogger("riec_plan.audit")

_current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar("audit_request", default=None)


def current_request() -> HttpRequest | None:
    """The request this thread is serving (set by audit.middleware.AuditMiddleware), or None."""
    return _current_request.get()


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT trusted proxies, the address
    the outermost of them saw, which is that many entries from the right of X-Forwarded-For (each
    proxy appends the address it received the request from; what the client wrote itself stays
    to the left and is not believed). django-axes (AXES_CLIENT_IP_CALLABLE) and allauth's rate limits
    (accounts.login.AccountAdapter.get_client_ip) use this too.
    """
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0
    remote = request.META.get("REMOTE_ADDR") or None
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote
    candidate = forwarded[-proxies]
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return remote
    return candidate


def describe(obj: Any) -> tuple[str, str, str]:
    """(type, id, text) of what an action was done to: a model object, a model class, or plain text."""
    if obj is None:
        return "", "", ""
    if isinstance(obj, Model):
        return obj._meta.label_lower, str(obj.pk or ""), str(obj)[:200]
    if isinstance(obj, type) and issubclass(obj, Model):
        return obj._meta.label_lower, "", str(obj._meta.verbose_name_plural)[:200]
    return "", "", str(obj)[:200]


def record(
    request: HttpRequest | None,
    *,
    action: str,
    obj: Any = None,
    result: str,
    actor: Any = None,
    detail: str = "",
    label: str = "",
) -> AuditEvent:
    if action not in Action.values:
        raise ValueError(f"Onbekende auditactie: {action!r}")
    if result not in Result.values:
        raise ValueError(f"Onbekend resultaat: {result!r}")
    request = request if request is not None else current_request()
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    actor_name = ""
    if isinstance(actor, str):  # a name that belongs to no account (a failed login)
        actor_name, actor = actor[:150], None
    elif actor is not None:
        actor_name = actor.get_username()
    object_type, object_id, object_repr = describe(obj)
    object_repr = label[:200] or object_repr
    event = AuditEvent(
        actor=actor,
        actor_name=actor_name,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        result=result,
        ip_address=client_ip(request) if request is not None else None,  # as django-axes sees it
        detail=detail,
    )
    event.save()
    if request is not None and result == Result.REFUSED:
        # The 403 answer this may lead to is the same refusal (audit.middleware records no second one).
        request._audit_refusal_recorded = True  # type: ignore[attr-defined]
    logger.info(
        "Audit: %s %s (%s)%s",
        actor_name or "–",
        event.get_action_display(),
        event.get_result_display(),
        f": {object_repr}" if object_repr else "",
        extra={"audit": log_fields(event)},
    )
    return event


def log_fields(event: AuditEvent) -> dict[str, Any]:
    """The fields of a record as the JSON log line carries them (riec_plan.logging.JsonFormatter)."""
    return {
        "time": event.time.isoformat(),
        "actor": event.actor_name,
        "actor_id": event.actor_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object": event.object_repr,
        "result": event.result,
        "ip_address": event.ip_address,
        "detail": event.detail,
    }
