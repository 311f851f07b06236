"""The workflow screens of the strategy: plain views that validate a form and call the service.

They stay under the admin site's URLs and templates (wrapped with `admin_site.admin_view` in the
ModelAdmins' get_urls), so links do not change; no ModelAdmin decides anything of the workflow.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin import AdminSite
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core import clock, permissions

from .. import plan_copy, services
from ..adoption_checks import failing_checks
from ..models import AnnualPlan, QuarterClose
from ._shared import PERCENTAGE_ERRORS

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


# Closing and reopening a quarter -------------------------------------------------------------------


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


def _quarter_form_page(request: HttpRequest, site: AdminSite, form: forms.Form, title: str, **context: Any) -> Any:
    return TemplateResponse(
        request,
        "admin/strategy/quarterclose/form.html",
        {**site.each_context(request), "opts": QuarterClose._meta, "form": form, "title": title, **context},
    )


def close_quarter_view(request: HttpRequest, *, site: AdminSite) -> Any:
    """ "Kwartaal afsluiten": the quarter's snapshot and its frozen report (services.close_quarter)."""
    if not permissions.is_bureau(request.user):
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
    return _quarter_form_page(request, site, form, str(_("Kwartaal afsluiten")))


def reopen_quarter_view(request: HttpRequest, pk: int, *, site: AdminSite) -> Any:
    """ "Heropenen" of a closed quarter (services.reopen_quarter), with the reason."""
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
    return _quarter_form_page(request, site, form, str(_("Heropenen")), close=close, reopening=True)


# The next year's plan --------------------------------------------------------------------------------


class NextYearForm(forms.Form):
    """The intermediate page of the action "Volgend jaarplan maken"."""

    indexation = forms.DecimalField(
        label=_("Indexering kostenregels (%)"),
        localize=True,
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        help_text=_("Standaard de loon- en prijscompensatie van dit jaarplan. Dekking en tabel 4.3 blijven gelijk."),
        error_messages={**PERCENTAGE_ERRORS, "required": _("Vul het percentage in.")},
    )


def next_year_view(request: HttpRequest, queryset: QuerySet[AnnualPlan], *, site: AdminSite) -> Any:
    """ "Volgend jaarplan maken" (the plan list's action): the indexation asked on an intermediate page,
    then plan_copy.create_next_year_plan; on to the new concept plan."""
    back = HttpResponseRedirect(request.get_full_path())  # the list, as the admin returns after an action
    plans = list(queryset.select_related("strategy")[:2])
    if len(plans) != 1:
        messages.error(request, _("Kies precies één jaarplan om het volgende jaar van te maken."))
        return back
    plan = plans[0]
    form = NextYearForm(
        request.POST if "apply" in request.POST else None, initial={"indexation": plan.price_compensation}
    )
    if form.is_valid():
        try:
            new_plan = plan_copy.create_next_year_plan(
                plan=plan, user=request.user, indexation=form.cleaned_data["indexation"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return back
        messages.success(
            request,
            format_html(
                '{} is gemaakt als concept uit {}. <a href="{}">Bekijk wat er veranderd is</a>.',
                new_plan,
                plan,
                reverse("reports:compare", args=(new_plan.year, plan.year)),
            ),
        )
        return redirect("admin:strategy_annualplan_change", new_plan.pk)
    context = {
        **site.each_context(request),
        "opts": AnnualPlan._meta,
        "plan": plan,
        "form": form,
        "title": _("Volgend jaarplan maken: %(plan)s") % {"plan": plan},
    }
    return TemplateResponse(request, "admin/strategy/annualplan/next_year.html", context)
