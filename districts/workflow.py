"""The workflow screen of the districts: a round of basis op orde, as plain views that call the service.

Under the admin site's URLs and templates (wrapped with `admin_site.admin_view` in
BaselineAssessmentAdmin.get_urls), so links do not change.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin import AdminSite
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from core import clock, permissions

from .baseline_round import BaselineRoundForm, may_fill_round
from .models import BaselineAssessment, DistrictPlan


def round_index_view(request: HttpRequest, *, site: AdminSite) -> HttpResponse:
    """The district plans whose round the user may fill in, newest plan first."""
    if not permissions.can_add(request.user, BaselineAssessment):
        raise PermissionDenied
    district_plans = (
        DistrictPlan.objects.select_related("plan", "district")
        .annotate(norm_count=Count("norms"))
        .order_by("-plan__year", "district__order")
    )
    context = {
        **site.each_context(request),
        "opts": BaselineAssessment._meta,
        "title": _("Basis op orde: ronde invullen"),
        "district_plans": [dp for dp in district_plans if may_fill_round(request.user, dp)],
    }
    return TemplateResponse(request, "admin/districts/baselineassessment/round_index.html", context)


def round_view(request: HttpRequest, pk: int, *, site: AdminSite) -> HttpResponse:
    """Per municipality and norm a stand and a date, saved all at once or not at all."""
    district_plan = get_object_or_404(DistrictPlan.objects.select_related("plan", "district"), pk=pk)
    if not may_fill_round(request.user, district_plan):
        raise PermissionDenied
    form = BaselineRoundForm(
        request.POST if request.method == "POST" else None,
        district_plan=district_plan,
        user=request.user,
        today=clock.today(),
    )
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        # "Recente acties" of the admin lists each new stand, as when it is added on its own.
        model_admin = site.get_model_admin(BaselineAssessment)
        for assessment in saved:
            model_admin.log_addition(request, assessment, [{"added": {}}])
        messages.success(
            request,
            _("%(count)s standen van %(district)s opgeslagen.")
            % {"count": len(saved), "district": district_plan.district},
        )
        return redirect("admin:districts_baselineassessment_round", district_plan.pk)
    context = {
        **site.each_context(request),
        "opts": BaselineAssessment._meta,
        "title": _("Basis op orde %(district)s, jaarplan %(year)s")
        % {"district": district_plan.district, "year": district_plan.plan.year},
        "district_plan": district_plan,
        "form": form,
    }
    return TemplateResponse(request, "admin/districts/baselineassessment/round.html", context)
