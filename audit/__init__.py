"""The audit log: who did what to which object, with what result, from where and when (BIO 8.15.01).

Every app records an event with one call::

    import audit

    audit.record(request, action=audit.Action.PDF_DOWNLOAD, obj=plan, result=audit.Result.SUCCESS)

`obj` is a model object, a model class or a text; `label` names it when its str() would not
(in Dutch). `request` may be None (a service called from a view or a command): the request being served, if
any, still gives the origin and the actor. Records cannot be changed or deleted, by anyone.
Never put a password, token or secret in `detail`.
"""

from __future__ import annotations

from typing import Any

from .choices import Action, Result

__all__ = ["Action", "Result", "client_ip", "record"]


def record(
    request: Any,
    *,
    action: str,
    obj: Any = None,
    result: str,
    actor: Any = None,
    detail: str = "",
    label: str = "",
) -> Any:
    """Write one audit record (and one JSON log line with the same fields); returns the AuditEvent."""
    from .log import record as write  # noqa: PLC0415 -- audit.log imports models; audit loads before the app registry

    return write(request, action=action, obj=obj, result=result, actor=actor, detail=detail, label=label)


def client_ip(request: Any) -> str | None:
    """The client's address behind TRUSTED_PROXY_COUNT trusted proxies (audit.log.client_ip)."""
    from .log import client_ip as address  # noqa: PLC0415 -- audit.log imports models (app registry)

    return address(request)
