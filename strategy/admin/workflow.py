"""The workflow screens of the strategy: plain views that validate a form and call the service.

They stay under the admin site's URLs and templates (wrapped with `admin_site.admin_view` in the
ModelAdmins' get_urls), so links do not change; no ModelAdmin decides anything of the workflow.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin import AdminSite
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from core import clock, permissions

from .. import services
from ..adoption_checks import failing_checks
from ..models import AnnualPlan

# Adopting and reopening a plan ---------------------------------------------------------------------


class StatusForm(forms.Form):
    """The form of a status change ("Vaststellen", "Heropenen") of one plan."""

    def __init__(self, *args: Any, plan: AnnualPlan, **kwargs: Any) -> None:
        self.plan = plan
        super().__init__(*args, **kwargs)

    def run(self, user: Any) -> AnnualPlan:
        raise NotImplementedError


class AdoptForm(StatusForm):
    """The adoption date (today by default); a confirmation and a reason when a check does not add up."""

    adopted_on = forms.DateField(
        label=_("Vastgesteld op"),
        # ISO, the only value an <input type="date"> accepts; the browser shows it the Dutch way.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Vul de datum van vaststelling in.")},
    )
    accept_failing_checks = forms.BooleanField(
        label=_("Toch vaststellen, ook al kloppen deze controles niet"), required=False
    )
    reason = forms.CharField(label=_("Reden"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, plan: AnnualPlan, **kwargs: Any) -> None:
        super().__init__(*args, plan=plan, **kwargs)
        self.fields["adopted_on"].initial = clock.today()
        self.failing = failing_checks(plan)
        if not self.failing:
            # All green: the date is all there is to fill in.
            del self.fields["accept_failing_checks"]
            del self.fields["reason"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.failing:
            if not data.get("accept_failing_checks"):
                self.add_error("accept_failing_checks", services.CONFIRMATION_REQUIRED)
            elif not (data.get("reason") or "").strip():
                self.add_error("reason", services.REASON_REQUIRED)
        return data

    def run(self, user: Any) -> AnnualPlan:
        return services.adopt_plan(
            plan=self.plan,
            user=user,
            adopted_on=self.cleaned_data["adopted_on"],
            accept_failing_checks=bool(self.cleaned_data.get("accept_failing_checks")),
            reason=self.cleaned_data.get("reason", ""),
        )


class ReopenForm(StatusForm):
    reason = forms.CharField(
        label=_("Reden"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Geef aan waarom het jaarplan wordt heropend.")},
    )

    def run(self, user: Any) -> AnnualPlan:
        return services.reopen_plan(plan=self.plan, user=user, reason=self.cleaned_data["reason"])


def _status_view(
    request: HttpRequest, pk: int, *, site: AdminSite, allowed: Any, form_class: type[StatusForm], title: str
) -> Any:
    plan = get_object_or_404(AnnualPlan, pk=pk)
    if not allowed(request.user, plan):
        raise PermissionDenied
    form = form_class(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            form.run(request.user)
        except ValidationError as error:
            # Refused after the form's own checks (a check turned red in between): say why.
            form.add_error(None, ValidationError(error.messages))
        else:
            messages.success(request, _("%(plan)s: %(title)s gelukt.") % {"plan": plan, "title": title.lower()})
            return redirect("admin:strategy_annualplan_change", plan.pk)
    context = {
        **site.each_context(request),
        "opts": AnnualPlan._meta,
        "plan": plan,
        "form": form,
        "title": f"{title}: {plan}",
    }
    return TemplateResponse(request, "admin/strategy/annualplan/status_form.html", context)


def adopt_plan_view(request: HttpRequest, pk: int, *, site: AdminSite) -> Any:
    """ "Vaststellen" (services.adopt_plan)."""
    return _status_view(
        request, pk, site=site, allowed=permissions.can_adopt, form_class=AdoptForm, title=str(_("Vaststellen"))
    )


def reopen_plan_view(request: HttpRequest, pk: int, *, site: AdminSite) -> Any:
    """ "Heropenen" of an adopted plan (services.reopen_plan)."""
    return _status_view(
        request, pk, site=site, allowed=permissions.can_reopen, form_class=ReopenForm, title=str(_("Heropenen"))
    )
