"""Progress on actions: the action page with its history, and a coordinator's quarterly to-do list.

Who may post an update is asked of `core.permissions` (can_change on a new ProgressUpdate of
the action, editable_filter for the list); the status of an action is `Action.status`, read from
the updates `ActionQuerySet.with_latest_update` prefetches, as the dashboards do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from core import clock, permissions

from .forms import ProgressUpdateForm, QuickUpdateForm, look_back_date
from .models import Action, AnnualPlan, PlanSection, ProgressUpdate, Status


def can_report_progress(user: Any, action: Action) -> bool:
    """May the user post a progress update on this action (also on an adopted plan)? The policy decides."""
    return permissions.can_change(user, ProgressUpdate(action=action))


class AuthenticatedHttpRequest(HttpRequest):
    """For the type checker: LoginRequiredMiddleware lets only logged-in users reach these views."""

    user: User


# Loading -------------------------------------------------------------------------------------


def _actions() -> QuerySet[Action]:
    """Actions with section, plan and district plan (one query) and their updates (one query)."""
    return Action.objects.with_latest_update().select_related("section__plan", *permissions.district_related(Action))


def _district_label(action: Action) -> str:
    """The district(s) of the action as the policy finds them, or "Regionaal" (no query)."""
    return ", ".join(sorted(str(district) for district in permissions.districts_of(action))) or "Regionaal"


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
    can_post = can_report_progress(request.user, action)
    reference = clock.today()
    update = ProgressUpdate(action=action)
    form: ProgressUpdateForm | None
    if request.method == "POST":
        if not can_post:
            raise PermissionDenied("U mag geen voortgang melden voor deze actie.")
        form = ProgressUpdateForm(request.POST, instance=update, today=reference)
        if _report(form, request.user):
            messages.success(request, f"De voortgangsupdate voor “{action.title}” is opgeslagen.")
            return redirect("strategy:action", pk=action.pk)
    else:
        form = ProgressUpdateForm(instance=update, today=reference) if can_post else None

    # Query: the plan's sections, to derive the number of the action's section.
    sections = PlanSection.objects.numbered(
        action.section.plan.sections.only("pk", "parent_id", "order", "title", "plan_id")
    )
    section = next(s for s in sections if s.pk == action.section_id)
    district = _district_label(action)
    # Queries (carried-over actions only): the action continued, with its plan; its latest update.
    previous = None
    if action.continues_id:
        earlier = Action.objects.select_related("section__plan").get(pk=action.continues_id)
        previous = {"action": earlier, "latest": earlier.latest_update}
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
            "previous": previous,
        },
    )


def _report(form: ProgressUpdateForm, user: Any) -> bool:
    """Save a valid form through the progress service; its refusals become the form's errors."""
    if not form.is_valid():
        return False
    try:
        form.report(user)
    except ValidationError as error:  # the rules changed in between (say, the quarter was just closed)
        form.add_error(None, error)
        return False
    return True


# My actions ----------------------------------------------------------------------------------


@dataclass
class Row:
    action: Action
    district: str
    latest: ProgressUpdate | None
    form: QuickUpdateForm | None = None

    @property
    def status(self) -> str:
        return self.action.status

    @property
    def status_label(self) -> str:
        return self.action.get_status_display()


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

    # Query: whether the quarter just ended is closed (only in a quarter's first two weeks).
    look_back = look_back_date(reference)
    context["look_back"] = look_back
    bound: QuickUpdateForm | None = None
    if request.method == "POST":
        # Queries: the action (with what the policy needs), the checks of the service, the update inserted.
        posted = _posted_action(request)
        if not can_report_progress(user, posted):
            raise PermissionDenied("U mag geen voortgang melden voor deze actie.")
        update = ProgressUpdate(action=posted)
        bound = QuickUpdateForm(
            request.POST, instance=update, today=reference, look_back=look_back, prefix=_prefix(posted)
        )
        if _report(bound, user):
            date = bound.update_date() or reference
            when = (
                ""
                if date == reference
                else f" voor kwartaal {clock.quarter_of(date)[0]} {date.year} "
                f"(gedateerd {formats.date_format(date, 'j F Y')})"
            )
            messages.success(request, f"De voortgang van “{posted.title}” is bijgewerkt{when}.")
            return redirect("strategy:my_actions")

    plan = AnnualPlan.objects.running(reference)
    actions: list[Action] = []
    if plan is not None:
        queryset = _actions().filter(section__plan=plan)
        limit = permissions.editable_filter(user, Action)
        if limit is not None:
            queryset = queryset.filter(limit)
        actions = list(queryset)
    # Query: the user's districts.
    own = permissions.user_districts(user)

    todo: list[Row] = []
    updated: list[Row] = []
    done: list[Row] = []
    for action in actions:
        row = Row(action, _district_label(action), action.latest_update)
        if any(start <= u.date <= end for u in action.updates_newest_first):
            updated.append(row)
        elif action.status == Status.DONE:
            # Finished in an earlier quarter: nothing left to report.
            done.append(row)
        else:
            row.form = (
                bound
                if bound is not None and bound.instance.action_id == action.pk
                else QuickUpdateForm(
                    instance=ProgressUpdate(action=action), today=reference, look_back=look_back, prefix=_prefix(action)
                )
            )
            todo.append(row)
    context.update(
        {
            "reporter": True,
            "is_bureau": permissions.is_bureau(user),
            "plan": plan,
            "districts": [str(district) for district in own],
            "todo": todo,
            "updated": updated,
            "done": done,
        }
    )
    if bound is not None:
        if any(row.form is bound for row in todo):
            # The page opens at this card (the form's action carries its anchor); say so at the top too.
            messages.error(
                request,
                format_html(
                    'De update voor “{}” is niet opgeslagen. <a href="#{}">Bekijk de fouten bij deze actie</a>.',
                    posted.title,
                    _error_anchor(posted),
                ),
            )
            context["failed"] = posted.pk
        else:
            # The action was updated meanwhile (another tab, a colleague): say why nothing was saved.
            for errors in bound.errors.values():
                for error in errors:
                    messages.error(request, f"{posted.title}: {error}")
    return render(request, "strategy/my_actions.html", context)


def _error_anchor(action: Action) -> str:
    return f"{_prefix(action)}-fouten"


def _prefix(action: Action) -> str:
    return f"actie-{action.pk}"


def _posted_action(request: HttpRequest) -> Action:
    try:
        pk = int(request.POST.get("action", ""))
    except ValueError:
        raise Http404("Onbekende actie.") from None
    return get_object_or_404(
        Action.objects.select_related("section__plan", *permissions.district_related(Action)), pk=pk
    )
