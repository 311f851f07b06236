"""Progress on actions: the action page with its history, and a coordinator's quarterly to-do list.

Who may post an update is asked of `strategy.permissions` (can_change on a new ProgressUpdate of
the action, editable_filter for the list); the status of an action is `Action.status`, read from
the updates `ActionQuerySet.with_latest_update` prefetches, as the dashboards do.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_http_methods

from core import clock, permissions

from .forms import ProgressUpdateForm, QuickUpdateForm
from .models import Action, AnnualPlan, PlanSection, ProgressUpdate, Status

FIELDS_TEMPLATE = "strategy/_form_fields.html"

# The district resolver the districts app registers for Action reads the section's and its
# parent's district plan; selecting those with the action lets it answer without queries.
DISTRICT_RELATED = ("section__district_plan", "section__parent__district_plan")


def district_names(ids: set[int]) -> dict[int, str]:
    """Names of districts by id (one query), looked up without importing the districts app."""
    if not ids:
        return {}
    district = apps.get_model("districts", "District")
    return dict(district.objects.filter(pk__in=ids).values_list("pk", "name"))


class AuthenticatedHttpRequest(HttpRequest):
    """For the type checker: LoginRequiredMiddleware lets only logged-in users reach these views."""

    user: User


# Loading -------------------------------------------------------------------------------------


def _actions() -> QuerySet[Action]:
    """Actions with section, plan and district plan (one query) and their updates (one query)."""
    return Action.objects.with_latest_update().select_related("section__plan", *DISTRICT_RELATED)


def _district_label(action: Action, names: dict[int, str]) -> str:
    ids = permissions.district_ids_of(action)
    return ", ".join(sorted(names[pk] for pk in ids if pk in names)) or "Regionaal"


def running_plan(day: datetime.date) -> AnnualPlan | None:
    """The plan of the year `day` falls in, or else the newest one before it (one query).

    Not simply the newest plan: next year's plan is prepared while this year's is carried out.
    """
    plans = AnnualPlan.objects.order_by("-year")
    return plans.filter(year__lte=day.year).first() or plans.last()


# The action page -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def action_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    # Queries: the action with section, plan and district plans; its updates; their authors.
    # The plugin checks a prefetch lookup against the model class only, so it misses the to_attr
    # "updates_newest_first" that with_latest_update() prefetches first.
    action = get_object_or_404(
        _actions().prefetch_related("updates_newest_first__author"),  # type: ignore[misc]
        pk=pk,
    )
    can_post = permissions.can_report_progress(request.user, action)
    reference = clock.today()
    update = ProgressUpdate(action=action, author=request.user)
    form: ProgressUpdateForm | None
    if request.method == "POST":
        if not can_post:
            raise PermissionDenied("U mag geen voortgang melden voor deze actie.")
        form = ProgressUpdateForm(request.POST, instance=update, today=reference)
        if form.is_valid():
            form.save()
            messages.success(request, f"De voortgangsupdate voor “{action.title}” is opgeslagen.")
            return redirect("strategy:action", pk=action.pk)
    else:
        form = ProgressUpdateForm(instance=update, today=reference) if can_post else None

    # Query: the plan's sections, to derive the number of the action's section.
    sections = PlanSection.objects.numbered(
        action.section.plan.sections.only("pk", "parent_id", "order", "title", "plan_id")
    )
    section = next(s for s in sections if s.pk == action.section_id)
    # Query: the name of the action's district, if any.
    district = _district_label(action, district_names(permissions.district_ids_of(action)))
    return render(
        request,
        "strategy/action.html",
        {
            "action": action,
            "section": section,
            "district": district,
            "history": action.updates_newest_first,
            "latest": action.latest_update,
            "form": form,
            "can_post": can_post,
        },
    )


# My actions ----------------------------------------------------------------------------------


@dataclass
class Row:
    action: Action
    district: str
    latest: ProgressUpdate | None
    form: QuickUpdateForm | None = None
    fields: SafeString | None = None  # the form's fields as HTML

    @property
    def status(self) -> str:
        return self.action.status

    @property
    def status_label(self) -> str:
        return self.action.get_status_display()


# Stands for an action's id in the prefix of the one blank form that is rendered (see BlankFields).
BLANK_PK = "__pk__"


class BlankFields:
    """The fields of a blank quick-update form for any action, rendered once per page.

    Blank forms differ only in their prefix (the action's id in every name, id and label), so one is
    rendered with a placeholder and copied, as a formset's `empty_form`: the bureau's page shows a
    form for every action of the plan, and rendering each one's widgets took most of its time.
    """

    def __init__(self, today: datetime.date) -> None:
        form = QuickUpdateForm(instance=ProgressUpdate(), today=today, prefix=_prefix(BLANK_PK))
        self.html = render_to_string(FIELDS_TEMPLATE, {"form": form})

    def for_action(self, action: Action) -> SafeString:
        # Only digits replace the placeholder in HTML we rendered and escaped ourselves.
        return mark_safe(self.html.replace(_prefix(BLANK_PK), _prefix(int(action.pk))))  # noqa: S308


@require_http_methods(["GET", "POST"])
def my_actions(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    reference = clock.today()
    quarter, start, end = clock.quarter_of(reference)
    context: dict[str, Any] = {"today": reference, "quarter": quarter, "year": reference.year}
    if not permissions.can_change_model(user, ProgressUpdate):
        if request.method == "POST":
            raise PermissionDenied("U meldt geen voortgang op acties.")
        return render(request, "strategy/my_actions.html", {**context, "reporter": False})

    bound: QuickUpdateForm | None = None
    if request.method == "POST":
        # Queries: the action (with what the policy needs), the update inserted.
        posted = _posted_action(request)
        if not permissions.can_report_progress(user, posted):
            raise PermissionDenied("U mag geen voortgang melden voor deze actie.")
        update = ProgressUpdate(action=posted, author=user)
        bound = QuickUpdateForm(request.POST, instance=update, today=reference, prefix=_prefix(posted.pk))
        if bound.is_valid():
            bound.save()
            messages.success(request, f"De voortgang van “{posted.title}” is bijgewerkt.")
            return redirect("strategy:my_actions")

    plan = running_plan(reference)
    actions: list[Action] = []
    if plan is not None:
        queryset = _actions().filter(section__plan=plan)
        limit = permissions.editable_filter(user, Action)
        if limit is not None:
            queryset = queryset.filter(limit)
        actions = list(queryset)
    own = permissions.user_district_ids(user)
    # Query: the names of the user's districts and of the listed actions' districts.
    names = district_names(own.union(*(permissions.district_ids_of(a) for a in actions)))

    todo: list[Row] = []
    updated: list[Row] = []
    done: list[Row] = []
    blank = BlankFields(reference)
    for action in actions:
        row = Row(action, _district_label(action, names), action.latest_update)
        if any(start <= u.date <= end for u in action.updates_newest_first):
            updated.append(row)
        elif action.status == Status.DONE:
            # Finished in an earlier quarter: nothing left to report.
            done.append(row)
        else:
            if bound is not None and bound.instance.action_id == action.pk:
                row.form = bound  # shown again with its errors
                row.fields = render_to_string(FIELDS_TEMPLATE, {"form": bound})
            else:
                row.fields = blank.for_action(action)
            todo.append(row)
    context.update(
        {
            "reporter": True,
            "is_bureau": permissions.is_bureau(user),
            "plan": plan,
            "districts": sorted(names[pk] for pk in own if pk in names),
            "todo": todo,
            "updated": updated,
            "done": done,
        }
    )
    if bound is not None and not any(row.form is bound for row in todo):
        # The action was updated meanwhile (another tab, a colleague): say why nothing was saved.
        for errors in bound.errors.values():
            for error in errors:
                messages.error(request, f"{posted.title}: {error}")
    return render(request, "strategy/my_actions.html", context)


def _prefix(pk: int | str) -> str:
    return f"actie-{pk}"


def _posted_action(request: HttpRequest) -> Action:
    try:
        pk = int(request.POST.get("action", ""))
    except ValueError:
        raise Http404("Onbekende actie.") from None
    return get_object_or_404(Action.objects.select_related("section__plan", *DISTRICT_RELATED), pk=pk)
