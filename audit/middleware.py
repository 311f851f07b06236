"""Keeps the request at hand for audit records written deeper down, and records every 403 answer."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .choices import Action, Result
from .log import _current_request, record


class AuditMiddleware:
    """After AuthenticationMiddleware: the actor is request.user.

    A 403 from anywhere (a view's PermissionDenied, the admin, a CSRF failure) is one record with
    the method and path (the path shows which object was asked for), unless the view already
    recorded the refusal with its own words.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_request.set(request)
        try:
            response = self.get_response(request)
            if response.status_code == 403 and not getattr(request, "_audit_refusal_recorded", False):
                record(
                    request,
                    action=Action.PERMISSION_DENIED,
                    obj=request.path[:200],
                    result=Result.REFUSED,
                    detail=f"{request.method} {request.path[:1000]}",  # no query string: it may carry a code
                )
            return response
        finally:
            _current_request.reset(token)
