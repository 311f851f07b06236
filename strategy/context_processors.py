"""What the menu of every page needs to know, asked of the permission policy."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from core import permissions

from .models import ProgressUpdate


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    # Lazy: pages without the menu (PDFs, errors) ask nothing.
    return {"may_report_progress": SimpleLazyObject(lambda: permissions.can_add(user, ProgressUpdate))}
