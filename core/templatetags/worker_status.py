"""The admin's start page tells the bureau when the PDF worker is down (core.worker)."""

from __future__ import annotations

from typing import Any

from django import template

from core import permissions, worker

register = template.Library()


@register.simple_tag
def worker_problem(user: Any) -> str:
    """ "PDF-worker draait niet sinds ..." for the bureau (who can have it restarted); "" otherwise."""
    if not permissions.is_bureau(user):
        return ""
    return worker.status().problem()
