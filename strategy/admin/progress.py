"""Admin screens for progress updates, under their action and on their own."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from core.admin_policy import (
    PolicyModelAdmin,
    PolicyTabularInline,
)
from core.imports.admin import PolicyImportExportMixin

from ..forms import ProgressUpdateForm
from ..models import (
    ProgressUpdate,
    preload_labels,
)
from ..resources import ProgressUpdateResource
from ._shared import _in_closed_quarter

# Actions and progress ---------------------------------------------------------------------------


class ProgressUpdateInlineFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        for form in self.deleted_forms:
            update = form.instance
            if update.pk is not None and _in_closed_quarter(update):
                raise forms.ValidationError(
                    _("De update van %(date)s valt in een afgesloten kwartaal en kan niet worden verwijderd.")
                    % {"date": update.date.strftime("%d-%m-%Y")}
                )


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
        preload_labels((update.action.section.plan_id for update in rows), actions=True)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # An update in a closed quarter is part of a frozen report: view only, until the bureau reopens it.
        if isinstance(obj, ProgressUpdate) and _in_closed_quarter(obj):
            return False
        return super().has_change_permission(request, obj)

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        # Refused here, not in has_delete_permission: deleting a whole action still takes its updates.
        update = self.get_object(request, object_id)
        if update is not None and _in_closed_quarter(update):
            self.message_user(
                request,
                _("Deze update valt in een afgesloten kwartaal en kan niet worden verwijderd."),
                messages.ERROR,
            )
            return redirect("admin:strategy_progressupdate_change", update.pk)
        return super().delete_view(request, object_id, extra_context)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ProgressUpdate]) -> None:
        if any(_in_closed_quarter(update) for update in queryset):
            raise PermissionDenied
        super().delete_queryset(request, queryset)

    def save_model(self, request: HttpRequest, obj: ProgressUpdate, form: Any, change: bool) -> None:
        # form.instance is obj; report() saves it through the service, with the user as author.
        form.report(request.user)
