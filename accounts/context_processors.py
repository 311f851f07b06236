"""What the menu needs to know about accounts: the rights review and the accounts desk (asked of the
permission policy), and whether single sign-on can be linked."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from core import permissions


def security(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    # Lazy: pages without the menu ask nothing.
    return {
        "may_review_rights": SimpleLazyObject(lambda: permissions.is_bureau(user)),
        "sso_configured": bool(settings.SOCIALACCOUNT_PROVIDERS),
    }
