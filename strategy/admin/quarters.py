"""Admin screens for the quarterly cycle: closing and reopening quarters."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from core import clock, permissions
from core.admin_policy import (
    PolicyModelAdmin,
)

from .. import services
from ..models import (
    ActionSnapshot,
    AnnualPlan,
    QuarterClose,
)

# The quarterly cycle ----------------------------------------------------------------------------


class CloseQuarterForm(forms.Form):
    plan = forms.ModelChoiceField(
        label=_("Jaarplan"),
        queryset=AnnualPlan.objects.order_by("-year"),
        error_messages={"required": _("Kies het jaarplan.")},
    )
    quarter = forms.TypedChoiceField(
        label=_("Kwartaal"),
        coerce=int,
        choices=[("", "–")] + [(q, f"Q{q}") for q in range(1, 5)],
        error_messages={"required": _("Kies het kwartaal.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound and "quarter" not in self.initial:
            # The quarter just ended is the one to close, usually.
            today = clock.today()
            start = clock.quarter_of(today)[1]
            previous = clock.quarter_of(start - datetime.timedelta(days=1))
            self.initial.setdefault("quarter", previous[0])
            self.initial.setdefault("plan", AnnualPlan.objects.filter(year=previous[1].year).first())


class ReopenQuarterForm(forms.Form):
    reason = forms.CharField(
        label=_("Reden"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Geef aan waarom het kwartaal wordt heropend.")},
    )


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
        return [
            path(
                "<int:pk>/heropenen/",
                self.admin_site.admin_view(self.reopen_view),
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

    def _form_page(self, request: HttpRequest, form: forms.Form, title: str, **context: Any) -> Any:
        return TemplateResponse(
            request,
            "admin/strategy/quarterclose/form.html",
            {**self.admin_site.each_context(request), "opts": self.opts, "form": form, "title": title, **context},
        )

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> Any:
        """ "Kwartaal afsluiten": the quarter's snapshot and its frozen report (services.close_quarter)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        initial = {"plan": request.GET.get("jaarplan"), "quarter": request.GET.get("kwartaal")}
        form = CloseQuarterForm(request.POST or None, initial={key: value for key, value in initial.items() if value})
        if request.method == "POST" and form.is_valid():
            try:
                close = services.close_quarter(
                    plan=form.cleaned_data["plan"], quarter=form.cleaned_data["quarter"], user=request.user
                )
            except ValidationError as error:
                form.add_error(None, ValidationError(error.messages))
            else:
                messages.success(
                    request,
                    _("%(close)s is afgesloten: de stand van %(count)s acties is vastgelegd.")
                    % {"close": close.label.capitalize(), "count": close._snapshot_count},  # type: ignore[attr-defined]
                )
                return redirect("admin:strategy_quarterclose_change", close.pk)
        return self._form_page(request, form, str(_("Kwartaal afsluiten")))

    def reopen_view(self, request: HttpRequest, pk: int) -> Any:
        close = get_object_or_404(QuarterClose.objects.select_related("plan"), pk=pk)
        if not permissions.is_bureau(request.user):
            raise PermissionDenied
        form = ReopenQuarterForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.reopen_quarter(close=close, user=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                form.add_error(None, ValidationError(error.messages))
            else:
                messages.success(request, _("%(close)s is heropend.") % {"close": close.label.capitalize()})
                return redirect("admin:strategy_quarterclose_change", close.pk)
        return self._form_page(request, form, str(_("Heropenen")), close=close, reopening=True)
