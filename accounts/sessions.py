"""Sessions end after SESSION_COOKIE_AGE of inactivity, without writing the session on every request.

Django's SESSION_SAVE_EVERY_REQUEST gives that expiry by saving the session (an UPDATE in a transaction)
on every request. Here the session engine is Django's database backend that also remembers the stored
expiry date of the session it loaded, and `SessionRenewalMiddleware` saves the session (which moves
that date to now + SESSION_COOKIE_AGE) only once it was last saved SESSION_RENEW_AFTER seconds ago or
more. A session therefore ends between SESSION_COOKIE_AGE - SESSION_RENEW_AFTER and SESSION_COOKIE_AGE
after the last request (55 to 60 minutes with the defaults), never while it is in use.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.http import HttpRequest, HttpResponse
from django.utils import timezone


class SessionStore(DatabaseSessionStore):
    """Django's database sessions (the django_session table), plus the stored expiry date once loaded."""

    stored_expiry: datetime.datetime | None = None

    def _get_session_from_db(self) -> Any:
        # A private method of Django's SessionStore that django-stubs does not declare.
        stored = super()._get_session_from_db()  # type: ignore[misc]
        self.stored_expiry = stored.expire_date if stored is not None else None
        return stored


class SessionRenewalMiddleware:
    """Renews a session's expiry once its last save is SESSION_RENEW_AFTER seconds old or more.

    Goes right after SessionMiddleware: on the way out it runs first, and SessionMiddleware then saves
    the session it marked as modified, with a fresh expiry date.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.renew_after = datetime.timedelta(seconds=settings.SESSION_RENEW_AFTER)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # No session cookie, or a session the view ended (logout): nothing to renew.
        if session is None or session.session_key is None:
            return response
        # Loads the session if the view did not (a cookie for an unknown or expired one loads as empty).
        if not session.keys() or session.modified:
            return response  # nothing to keep alive, or saved by SessionMiddleware anyway
        stored_expiry = getattr(session, "stored_expiry", None)
        if stored_expiry is None:
            return response
        # The expiry a save now would store, minus the one stored: the time since the last save.
        if timezone.now() + datetime.timedelta(seconds=session.get_expiry_age()) - stored_expiry >= self.renew_after:
            session.modified = True
        return response
