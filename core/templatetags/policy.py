"""Template questions to the permission policy: show an edit link only to those who may edit."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Model
from django.urls import NoReverseMatch, reverse

from core import permissions

register = template.Library()


@register.filter
def may_change(user: Any, obj: Model | None) -> bool:
    return obj is not None and permissions.can_change(user, obj)


@register.simple_tag
def admin_change_url(obj: Model) -> str:
    """The admin page of `obj`, or "" for a model without one."""
    opts = obj._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return ""
