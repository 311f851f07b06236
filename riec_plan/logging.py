"""Logging for production (one JSON object per line on stdout) and the answer to a lost database connection.

Both live here because both are about what operations sees when something goes wrong.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("riec_plan.database")

# SQLSTATEs with which the server itself ends the connection: class 08 (connection exception) and
# 57P01-57P03 (shut down by an administrator, crashed, not yet accepting connections).
CONNECTION_LOST_STATES = ("08", "57P01", "57P02", "57P03")

UNAVAILABLE_MESSAGE = "De database is tijdelijk niet bereikbaar. Probeer het over een minuut opnieuw."
RETRY_AFTER_SECONDS = 60

# Deliberately a fixed page: the normal templates ask the database for the logged-in user.
UNAVAILABLE_PAGE = f"""<!DOCTYPE html>
<html lang="nl">
<head><meta charset="utf-8"><title>Tijdelijk niet beschikbaar – RIEC-plan</title></head>
<body>
<h1>Tijdelijk niet beschikbaar</h1>
<p>{UNAVAILABLE_MESSAGE}</p>
</body>
</html>
"""


class JsonFormatter(logging.Formatter):
    """time, level, logger, message; the request's method, path and status when the record has them;
    the fields of an audit record (who, what, which object, result, from where, when) under "audit"."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            entry["method"] = getattr(request, "method", None)
            entry["path"] = request.path
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            # Gunicorn hands its access-log atoms over as a dict: r = request line, s = status, M = ms.
            atoms = record.args
            entry.update(method=atoms.get("m"), path=atoms.get("U"), status=_int(atoms.get("s")))
            entry["duration_ms"] = _int(atoms.get("M"))
        audit = getattr(record, "audit", None)
        if isinstance(audit, dict):
            # An audit record (audit.log): the same fields as in the database.
            entry["audit"] = audit
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


# Query parameters that carry a secret: single sign-on's authorization code and state (OpenID Connect
# callback), and tokens should a provider ever put them there. Their values never reach a log line.
SECRET_PARAMETERS = frozenset({"code", "state", "session_state", "id_token", "access_token", "token"})


def redact_query(text: str) -> str:
    """`text` (a query string, URL or request line) with the values of SECRET_PARAMETERS replaced by "…"."""
    return SECRET_VALUE.sub(lambda match: f"{match.group(1)}…", text)


_SECRET_NAMES = "|".join(sorted(SECRET_PARAMETERS))
SECRET_VALUE = re.compile(rf"([?&;](?:{_SECRET_NAMES})=)[^&;#\s]*", re.IGNORECASE)


class RedactSecretsFilter(logging.Filter):
    """Gunicorn's access log (its atoms: request line, query string, referrer) and Django's development
    server (the request line as an argument) lose the values of secret parameters."""

    ATOMS = ("r", "q", "f", "U")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict):
            args = dict(record.args)
            for atom in self.ATOMS:
                value = args.get(atom)
                if isinstance(value, str):
                    # A bare query string ("code=...&state=...") is treated as if it followed a "?".
                    args[atom] = redact_query("?" + value)[1:] if atom == "q" else redact_query(value)
            record.args = args
        elif isinstance(record.args, tuple):
            record.args = tuple(redact_query(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def connection_lost(exc: BaseException) -> bool:
    """Whether `exc` means the connection to the database is gone (restart, failover, network).

    Only that is worth the 503 page with Retry-After: it passes by itself. Any other database error
    (a missing table, a query the database refuses, a deadlock) is a bug or a one-off and stays a
    500, with its traceback in the log like every other error.
    """
    if isinstance(exc, InterfaceError):
        return True  # the driver refuses a connection that is already closed
    if not isinstance(exc, OperationalError):
        return False
    # Django keeps the driver's own exception as the cause; PostgreSQL's answer carries a SQLSTATE.
    state = getattr(exc.__cause__, "sqlstate", None)
    if state:
        return str(state).startswith(CONNECTION_LOST_STATES)
    # No answer from the server: connecting failed (Django holds no connection then), or the
    # connection broke during the query (psycopg marks it closed). A failed SQLite query (such as
    # "no such table") leaves the connection open.
    raw = connections[DEFAULT_DB_ALIAS].connection
    return raw is None or bool(getattr(raw, "closed", False))


def database_unavailable_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    logger.error(
        "Database niet bereikbaar tijdens %s %s: %s",
        request.method,
        request.path,
        str(exc).strip()[:300],
        extra={"request": request, "status_code": 503},
    )
    response = HttpResponse(UNAVAILABLE_PAGE, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """A view that loses its database connection answers 503 with a Dutch page and Retry-After, not 500.

    Errors raised outside the view (loading the session for the login check, saving it afterwards)
    never reach `process_exception`; `riec_plan.views.server_error` (handler500) catches those.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if connection_lost(exception):
            return database_unavailable_response(request, exception)
        return None
