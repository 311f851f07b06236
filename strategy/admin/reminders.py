"""Admin screen of the reminders sent (read only)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from core.admin_policy import (
    PolicyModelAdmin,
)

from ..models import (
    SentReminder,
)


@admin.register(SentReminder)
class SentReminderAdmin(PolicyModelAdmin):
    """Which coordinator was reminded when (send_reminders writes these; nobody edits them)."""

    list_display = ("user", "year", "quarter", "occasion", "email", "actions", "sent_at")
    list_select_related = ("user",)
    list_filter = ("year", "quarter", "occasion")
    search_fields = ("user__username", "email")
    fields = list_display
    readonly_fields = list_display

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
