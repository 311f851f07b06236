"""The audit log in the admin: the bureau reads, filters and exports it; nobody adds, changes or deletes."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, StreamingHttpResponse
from django.urls import URLPattern, path
from django.utils import timezone

from core import permissions
from core.imports import neutralise

from .choices import Action, Result
from .log import record
from .models import AuditEvent

CSV_COLUMNS = (
    "Tijdstip",
    "Gebruiker",
    "Actie",
    "Resultaat",
    "Soort object",
    "Object-id",
    "Object",
    "Herkomst (IP-adres)",
    "Toelichting",
)


class _Echo:
    """A file-like object that hands back what csv.writer writes, for streaming."""

    def write(self, value: str) -> str:
        return value


def csv_rows(events: Any) -> Any:
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff" + writer.writerow(CSV_COLUMNS)  # a BOM, so spreadsheets read UTF-8
    for event in events.iterator():
        yield writer.writerow(
            [
                neutralise(value)
                for value in (
                    timezone.localtime(event.time).strftime("%Y-%m-%d %H:%M:%S"),
                    event.actor_name,
                    event.get_action_display(),
                    event.get_result_display(),
                    event.object_type,
                    event.object_id,
                    event.object_repr,
                    event.ip_address or "",
                    event.detail,
                )
            ]
        )


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("time", "actor_name", "action", "result", "object_repr", "ip_address")
    list_filter = ("action", "result", "time")
    search_fields = ("actor_name", "object_repr", "object_id", "ip_address", "detail")
    date_hierarchy = "time"
    list_per_page = 100
    actions = None  # no bulk actions, "delete selected" above all
    fields = (
        "time",
        "actor_name",
        "actor",
        "action",
        "result",
        "object_type",
        "object_id",
        "object_repr",
        "ip_address",
        "detail",
    )
    readonly_fields = fields
    change_list_template = "admin/audit/auditevent/change_list.html"

    # Only the bureau reads the log; nobody, superusers included, adds, changes or deletes a record.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.is_bureau(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permissions.is_bureau(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        export = path("csv/", self.admin_site.admin_view(self.export_csv), name="audit_auditevent_csv")
        return [export, *super().get_urls()]

    def export_csv(self, request: HttpRequest) -> StreamingHttpResponse:
        """The records the list shows with its current filters and search, as CSV (semicolons, UTF-8)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        events = changelist.get_queryset(request)
        count = events.count()
        filters = request.GET.urlencode()
        record(
            request,
            action=Action.EXPORT,
            obj=AuditEvent,
            result=Result.SUCCESS,
            detail=f"{count} regel(s) als CSV" + (f"; filter: {filters}" if filters else ""),
        )
        response = StreamingHttpResponse(csv_rows(events), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="auditlog-{stamp}.csv"'
        return response
