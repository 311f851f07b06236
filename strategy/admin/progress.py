"""Admin screens for progress updates, under their action and on their own."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from core import permissions
from core.admin_policy import (
    PolicyModelAdmin,
    PolicyTabularInline,
)
from core.imports.admin import PolicyImportExportMixin

from .. import services
from ..forms import ProgressUpdateForm
from ..models import (
    ProgressUpdate,
    label_actions,
)
from ..resources import ProgressUpdateResource

# Actions and progress ---------------------------------------------------------------------------


class ProgressUpdateInlineFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        for form in self.deleted_forms:
            update = form.instance
            reason = permissions.frozen_reason(update, deleting=True)
            if reason:
                raise forms.ValidationError(reason)


class ProgressUpdateInline(PolicyTabularInline):
    """Updates under their action; the author is whoever saves a row (services.report_progress)."""

    model = ProgressUpdate
    form = ProgressUpdateForm
    formset = ProgressUpdateInlineFormSet
    fields = ("date", "status", "percentage", "narrative", "author")
    readonly_fields = ("author",)
    extra = 0


class AdminProgressUpdateForm(ProgressUpdateForm):
    """The admin's form also picks the action; the rules are those of every progress form."""

    class Meta(ProgressUpdateForm.Meta):
        fields = ["action", "date", "status", "percentage", "narrative"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("action") is not None:
            self.instance.action = cleaned["action"]
        return cleaned


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(PolicyImportExportMixin, PolicyModelAdmin):
    form = AdminProgressUpdateForm
    resource_classes = (ProgressUpdateResource,)
    fields = ("action", "date", "status", "percentage", "narrative", "author", "created_at")
    list_display = ("action", "date", "status", "percentage", "author")
    list_select_related = ("action__section", "author")
    list_filter = ("status", "action__section__plan", "date")
    search_fields = ("action__title", "narrative")
    autocomplete_fields = ("action",)
    # Whoever saves the update is its author (services.report_progress); nobody picks one.
    readonly_fields = ("author", "created_at")
    ordering = ("-date", "-pk")

    def preload_labels(self, rows: list[Any]) -> None:
        label_actions(update.action for update in rows if update.action_id)

    # An update in a closed quarter is read only and is not deleted: core.permissions.frozen_reason,
    # asked by PolicyModelAdmin (change, delete and bulk delete) and by the service.

    def delete_model(self, request: HttpRequest, obj: ProgressUpdate) -> None:
        services.delete_progress_update(obj, request.user)

    def save_model(self, request: HttpRequest, obj: ProgressUpdate, form: Any, change: bool) -> None:
        # form.instance is obj; report() saves it through the service, with the user as author.
        form.report(request.user)
