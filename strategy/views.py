"""Progress on actions: the action page with its history, and a coordinator's quarterly to-do list.

Who may post an update is asked of `core.permissions` (can_change on a new ProgressUpdate of
the action, editable_filter for the list); the status of an action is `Action.status`, read from
the updates `ActionQuerySet.with_latest_update` prefetches, as the dashboards do.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import formats
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_http_methods

from core import clock, permissions

from .forms import ProgressUpdateForm, QuickUpdateForm, look_back_date, previous_quarter_end
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
    fields: SafeString | None = None  # the form's fields, rendered

    @property
    def status(self) -> str:
        return self.action.status

    @property
    def status_label(self) -> str:
        return self.action.get_status_display()


FIELDS_TEMPLATE = "strategy/_form_fields.html"
# Stands for an action's id in the prefix of the one blank form a page renders (see BlankFields).
BLANK_PK = 0


class BlankFields:
    """The fields of a blank quick-update form for any action, rendered once per page.

    Blank forms differ only in their prefix (the action's id in every name, id and label), so one is
    rendered and copied with the id swapped in, instead of rendering the widgets for every action.
    """

    def __init__(self, today: datetime.date) -> None:
        form = QuickUpdateForm(instance=ProgressUpdate(), today=today, prefix=_prefix(BLANK_PK))
        self.html = render_to_string(FIELDS_TEMPLATE, {"form": form})

    def for_action(self, action: Action) -> SafeString:
        # Only digits replace the placeholder in HTML we rendered and escaped ourselves.
        return mark_safe(self.html.replace(f"{_prefix(BLANK_PK)}-", f"{_prefix(int(action.pk))}-"))  # noqa: S308


# The value of the hidden "period" of a card of the quarter just ended.
PREVIOUS = "vorig"


@dataclass
class Quarter:
    """One quarter's cards on Mijn acties: still to report, reported, finished before."""

    quarter: int
    year: int
    first: datetime.date
    last: datetime.date
    plan: AnnualPlan | None
    todo: list[Row]
    updated: list[Row]
    done: list[Row]


def _own_actions(user: Any, plan: AnnualPlan | None) -> list[Action]:
    """The plan's actions the user reports on, with their updates (two queries)."""
    if plan is None:
        return []
    queryset = _actions().filter(section__plan=plan)
    limit = permissions.editable_filter(user, Action)
    if limit is not None:
        queryset = queryset.filter(limit)
    return list(queryset)


def _cards(
    actions: list[Action],
    first: datetime.date,
    last: datetime.date,
    fields: Any,
    bound: QuickUpdateForm | None,
) -> tuple[list[Row], list[Row], list[Row]]:
    """The actions sorted into to do / reported in [first, last] / finished before.

    `fields(action)` renders a card's form; the `bound` form is shown again on its card, with its errors."""
    todo: list[Row] = []
    updated: list[Row] = []
    done: list[Row] = []
    for action in actions:
        row = Row(action, _district_label(action), action.latest_update)
        if any(first <= u.date <= last for u in action.updates_newest_first):
            updated.append(row)
        elif action.status == Status.DONE:
            # Finished in an earlier quarter: nothing left to report.
            done.append(row)
        else:
            if bound is not None and bound.instance.action_id == action.pk:
                row.form = bound  # shown again with its errors
                row.fields = render_to_string(FIELDS_TEMPLATE, {"form": bound})
            else:
                row.fields = fields(action)
            todo.append(row)
    return todo, updated, done


@require_http_methods(["GET", "POST"])
def my_actions(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The own actions still to report this quarter; in a quarter's first two weeks also, apart, those
    of the quarter just ended, from the plan of that quarter's year (in January: last year's plan)."""
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
    bound_period = ""
    if request.method == "POST":
        # Queries: the action (with what the policy needs), the checks of the service, the update inserted.
        posted = _posted_action(request)
        if not can_report_progress(user, posted):
            raise PermissionDenied("U mag geen voortgang melden voor deze actie.")
        # A card of the quarter just ended reports on its last day, whatever has happened since:
        # a quarter closed meanwhile refuses the update (the service's rule); it is never re-dated.
        bound_period = PREVIOUS if request.POST.get("period") == PREVIOUS else ""
        reports_on = previous_quarter_end(reference) if bound_period else None
        update = ProgressUpdate(action=posted)
        bound = QuickUpdateForm(
            request.POST,
            instance=update,
            today=reference,
            reports_on=reports_on,
            prefix=_prefix(posted, bound_period),
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
    # Queries: the running plan's own actions and their updates.
    actions = _own_actions(user, plan)
    # Query: the user's districts.
    own = permissions.user_districts(user)

    blank = BlankFields(reference)
    current_bound = bound if bound is not None and not bound_period else None
    todo, updated, done = _cards(actions, start, end, blank.for_action, current_bound)
    previous: Quarter | None = None
    if look_back is not None:
        # Queries: the plan of the quarter just ended (the same one, except in January), its actions.
        first = clock.quarter_of(look_back)[1]
        previous_plan = plan if plan is not None and plan.year == look_back.year else None
        if previous_plan is None:
            previous_plan = AnnualPlan.objects.filter(year=look_back.year).first()
        previous_actions = actions if previous_plan == plan else _own_actions(user, previous_plan)

        def prefilled(action: Action) -> SafeString:
            form = QuickUpdateForm(
                instance=ProgressUpdate(action=action),
                today=reference,
                reports_on=look_back,
                latest=action.latest_update,
                prefix=_prefix(action, PREVIOUS),
            )
            return render_to_string(FIELDS_TEMPLATE, {"form": form})

        previous_bound = bound if bound is not None and bound_period else None
        previous = Quarter(
            clock.quarter_of(look_back)[0],
            look_back.year,
            first,
            look_back,
            previous_plan,
            *_cards(previous_actions, first, look_back, prefilled, previous_bound),
        )
    context.update(
        {
            "reporter": True,
            "is_bureau": permissions.is_bureau(user),
            "plan": plan,
            "districts": [str(district) for district in own],
            "todo": todo,
            "updated": updated,
            "done": done,
            "previous": previous,
            "previous_period": PREVIOUS,
        }
    )
    if bound is not None:
        rows = previous.todo if previous is not None and bound_period else todo
        if any(row.form is bound for row in rows):
            # The page opens at this card (the form's action carries its anchor); say so at the top too.
            messages.error(
                request,
                format_html(
                    'De update voor “{}” is niet opgeslagen. <a href="#{}">Bekijk de fouten bij deze actie</a>.',
                    posted.title,
                    _error_anchor(posted, bound_period),
                ),
            )
            context["failed"] = posted.pk
        else:
            # The action was updated meanwhile (another tab, a colleague), or its quarter was closed:
            # say why nothing was saved.
            for errors in bound.errors.values():
                for error in errors:
                    messages.error(request, f"{posted.title}: {error}")
    return render(request, "strategy/my_actions.html", context)


def _error_anchor(action: Action, period: str = "") -> str:
    return f"{_prefix(action, period)}-fouten"


def _prefix(action: Action | int, period: str = "") -> str:
    """The prefix of a card's form: the action's id, and for a card of the quarter just ended "-vorig"."""
    prefix = f"actie-{action if isinstance(action, int) else action.pk}"
    return f"{prefix}-{period}" if period else prefix


def _posted_action(request: HttpRequest) -> Action:
    try:
        pk = int(request.POST.get("action", ""))
    except ValueError:
        raise Http404("Onbekende actie.") from None
    return get_object_or_404(
        Action.objects.select_related("section__plan", *permissions.district_related(Action)), pk=pk
    )
