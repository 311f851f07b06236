"""Admin screens for the quarterly cycle: closing and reopening quarters."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.urls import path
from django.utils.translation import gettext_lazy as _

from core import permissions
from core.admin_policy import (
    PolicyModelAdmin,
)

from ..models import (
    ActionSnapshot,
    QuarterClose,
)
from . import workflow

# The quarterly cycle ----------------------------------------------------------------------------


class ActionSnapshotInline(admin.TabularInline):
    """What closing recorded: read only, as it was on the quarter's last day."""

    model = ActionSnapshot
    fields = ("action", "status", "percentage", "update_date", "narrative")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[ActionSnapshot]:
        return super().get_queryset(request).select_related("action")

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permissions.can_view(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(QuarterClose)
class QuarterCloseAdmin(PolicyModelAdmin):
    """Closing and reopening quarters: only through "Kwartaal afsluiten" and "Heropenen", both recorded."""

    list_display = ("__str__", "state", "closed_at", "closed_by", "reopened_at", "sha256")
    list_select_related = ("plan", "closed_by", "reopened_by")
    list_filter = ("plan",)
    fields = (
        "plan",
        "quarter",
        "state",
        "closed_at",
        "closed_by",
        "snapshot_count",
        "document_sha256",
        "document_rendered_at",
        "reopened_at",
        "reopened_by",
        "reopen_reason",
    )
    readonly_fields = fields
    inlines = (ActionSnapshotInline,)
    change_form_template = "admin/strategy/quarterclose/change_form.html"

    @admin.display(description=_("stand"))
    def state(self, close: QuarterClose) -> str:
        return "afgesloten" if close.is_closed else "heropend"

    @admin.display(description=_("SHA-256"))
    def sha256(self, close: QuarterClose) -> str:
        return close.document_sha256[:16] + "…" if close.document_sha256 else "–"

    @admin.display(description=_("vastgelegde acties"))
    def snapshot_count(self, close: QuarterClose) -> int:
        return close.snapshots.count()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return permissions.is_bureau(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # every field is read-only; the actions are "Heropenen" and "Opnieuw afsluiten"

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        # "Kwartaal afsluiten" (the add page) and "Heropenen": plain views (workflow.py) that validate a
        # form and call the service.
        return [
            path(
                "add/",
                self.admin_site.admin_view(workflow.close_quarter_view),
                {"site": self.admin_site},
                name="strategy_quarterclose_add",
            ),
            path(
                "<int:pk>/heropenen/",
                self.admin_site.admin_view(workflow.reopen_quarter_view),
                {"site": self.admin_site},
                name="strategy_quarterclose_reopen",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        close = self.get_object(request, object_id)
        bureau = permissions.is_bureau(request.user)
        extra = {
            "can_reopen": bureau and close is not None and close.is_closed,
            "can_close_again": bureau and close is not None and not close.is_closed,
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra)
