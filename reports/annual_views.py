"""The jaarverslag's pages: the report (web and PDF), writing its texts with a preview, adopting it."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import clock, history, permissions
from core.markup import Markdown
from districts.models import DistrictPlan
from strategy.models import AnnualPlan, Goal

from . import annual, rendering
from .models import AnnualReport, AnnualReportText
from .views import _download, _pending, cached_body, pdf_response


def _plan(year: int) -> AnnualPlan:
    plan = AnnualPlan.objects.select_related("strategy").filter(year=year).first()
    if plan is None:
        raise Http404(f"Er is geen jaarplan {year}, dus ook geen jaarverslag.")
    return plan


def _writable(user: Any, plan: AnnualPlan) -> list[dict[str, Any]]:
    """The texts the user may write, with where to write them (a few queries, for the page's side)."""
    if AnnualReport.objects.filter(plan=plan).exists() or not permissions.can_change_model(user, AnnualReportText):
        return []
    stored = {
        (text.goal_id, text.district_id): text
        for text in AnnualReportText.objects.filter(plan=plan).select_related("district")
    }
    found = []
    for goal in Goal.objects.filter(strategy=plan.strategy_id).order_by("number"):
        text = stored.get((goal.pk, None)) or AnnualReportText(plan=plan, goal=goal)
        if permissions.can_change(user, text):
            found.append({"label": str(goal), "kind": "doel", "key": str(goal.number), "written": bool(text.text)})
    for district_plan in DistrictPlan.objects.filter(plan=plan).select_related("district").order_by("district__name"):
        district = district_plan.district
        text = stored.get((None, district.pk)) or AnnualReportText(plan=plan, district=district)
        if permissions.can_change(user, text):
            found.append({"label": district.name, "kind": "district", "key": district.slug, "written": bool(text.text)})
    return found


@require_GET
def annual_report(request: HttpRequest, year: int) -> HttpResponse:
    plan = _plan(year)
    adopted = AnnualReport.objects.filter(plan=plan).first()
    if adopted is not None:
        body = adopted.body  # as adopted, whatever changed since
    else:

        def render_body() -> str:
            return render_to_string(
                "reports/_annual_body.html", {"report": annual.build_annual_report(year), "web": True}
            )

        # Overdue is measured against today while the year runs, so each day has its own body.
        body = cached_body(f"jaarverslag-{year}-{clock.today().isoformat()}", render_body)
    context = {
        "year": year,
        "title": f"Jaarverslag {year}",
        "adopted": adopted,
        # Our own template's output, escaped when it was rendered (and kept so at adoption).
        "annual_body": mark_safe(body),  # noqa: S308
        "writable": _writable(request.user, plan),
        "can_adopt": adopted is None and annual.can_adopt(request.user, year),
        "year_ended": clock.today() > plan_end(year),
    }
    return render(request, "reports/annual_report.html", context)


def plan_end(year: int) -> datetime.date:
    return datetime.date(year, 12, 31)


@require_GET
def annual_pdf(request: HttpRequest, year: int) -> HttpResponse:
    plan = _plan(year)
    filename = f"jaarverslag-{year}-{slugify(plan.organisation)}.pdf"
    adopted = AnnualReport.objects.filter(plan=plan).first()
    if adopted is None:
        return pdf_response(request, rendering.annual_key(year), f"Jaarverslag {year}", filename)
    if adopted.document is None:
        # Adopted, its PDF not made yet: the worker makes it from the source kept at adoption.
        annual.freeze_annual_report.enqueue(adopted.pk)
        adopted.refresh_from_db()  # (made at once where tasks run at once: the tests)
        if adopted.document is None:
            return _pending(request, {"title": f"Jaarverslag {year} (PDF)"})
    return _download(request, annual.frozen_pdf(adopted), filename)


class TextForm(forms.Form):
    text = forms.CharField(
        label="Tekst",
        required=False,
        max_length=annual.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=(
            "Markdown: een lege regel begint een nieuwe alinea; *cursief*, **vet** en lijsten met - blijven behouden."
        ),
        error_messages={"max_length": f"De tekst is langer dan {annual.TEXT_MAX} tekens."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31)


@require_http_methods(["GET", "POST"])
def annual_text(request: HttpRequest, year: int, kind: str, key: str) -> HttpResponse:
    """Write one text of the jaarverslag: "Voorbeeld" shows it as the report will, "Opslaan" keeps it."""
    plan = _plan(year)
    subject = annual.subject_of(plan, kind, key)
    text = annual.text_for(plan, subject)
    if not annual.can_write(request.user, text):
        raise PermissionDenied("U mag deze tekst van het jaarverslag niet wijzigen.")
    preview = None
    stale: str | None = None
    if request.method == "POST":
        form = TextForm(request.POST)
        if form.is_valid():
            content = form.cleaned_data["text"].replace("\r\n", "\n")
            if "preview" in request.POST:
                preview = Markdown(content)
            else:
                try:
                    annual.save_text(
                        user=request.user, text=text, content=content, version=form.cleaned_data["version"]
                    )
                except history.StaleVersionError:
                    # The newer text in the form, the one typed kept beside it, so nothing is lost.
                    newer = annual.text_for(plan, subject)
                    form = TextForm(initial={"text": newer.text, "version": newer.version})
                    stale = content
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    messages.success(request, f"De tekst over {subject} in het jaarverslag {year} is opgeslagen.")
                    return redirect("reports:annual_report", year=year)
    else:
        form = TextForm(initial={"text": text.text, "version": text.version if text.pk else 0})
    context = {"year": year, "subject": subject, "form": form, "preview": preview, "kind": kind, "stale": stale}
    if stale is not None:
        context["stale_message"] = annual.STALE
    return render(request, "reports/annual_text.html", context)


@require_POST
def annual_adopt(request: HttpRequest, year: int) -> HttpResponse:
    try:
        annual.adopt_annual_report(year=year, user=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"Het jaarverslag {year} is vastgesteld. Het ligt nu vast, ook de PDF.")
    return redirect("reports:annual_report", year=year)
