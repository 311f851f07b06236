"""Pages of a logged-in user stay out of every cache: `Cache-Control: private, no-store`.

The plan, its budget and its PDFs are confidential: after logging out (or on a shared computer)
the browser must not show them again from its cache, nor may a proxy keep a copy. Pages without a
login (the login page itself, /health/) and static files (WhiteNoise answers those before this
middleware runs) keep their own headers.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class PrivatePagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Added to what a view already said (the admin's never_cache); a "public" gives way.
            patch_cache_control(response, private=True, no_store=True)
        return response
