"""Preparing the Jaarplan 2025 from the Jaarplan 2024: the copy service and the admin action."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from budget.models import CostCategory, CostLine, CostSplit, FundingSource, ProgrammeAllocation
from budget.plan_copy import indexed_parts
from core.roles import COORDINATOR, STEERING_GROUP
from districts.models import BaselineNorm, Development, DistrictFocusTheme, DistrictPlan
from reports.dashboards import build_dashboard
from strategy.models import Action, AnnualPlan, PlanSection, ProgrammeLine, ProgressUpdate, Status
from strategy.plan_copy import create_next_year_plan
from tests.conftest import admin_url, role_user

pytestmark = pytest.mark.django_db

PLAN_MODELS = [m for app in ("strategy", "districts", "budget") for m in apps.get_app_config(app).get_models()]


def expected(amount: int, percentage: str = "3.3") -> int:
    """The 2025 amount computed here on its own: amount x (1 + p/100), whole euros, half up."""
    raised = Decimal(amount) * (1 + Decimal(percentage) / 100)
    return int(raised.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in PLAN_MODELS}


@pytest.fixture
def actions(plan_2024: AnnualPlan) -> dict[str, Action]:
    """Three actions of 2024: one finished, one finished and then reopened, one under way."""
    first, second, third = Action.objects.filter(section__plan=plan_2024).order_by("pk")[:3]

    def update(action: Action, day: int, status: str, percentage: int) -> None:
        ProgressUpdate.objects.create(
            action=action, date=datetime.date(2024, 6, day), status=status, percentage=percentage
        )

    update(first, 1, Status.ON_TRACK, 50)
    update(first, 20, Status.DONE, 100)
    update(second, 1, Status.DONE, 100)
    update(second, 20, Status.DELAYED, 80)  # the latest update counts: open again
    update(third, 1, Status.ON_TRACK, 30)
    return {"done": first, "reopened": second, "under_way": third}


@pytest.fixture
def extra_lines(plan_2024: AnnualPlan) -> None:
    """A pm line, and a small split line whose parts need evening out after rounding."""
    CostLine.objects.create(
        plan=plan_2024, category=CostCategory.OPERATIONS, order=900, label="Nog onbekend", amount=None
    )
    shared = CostLine.objects.create(
        plan=plan_2024, category=CostCategory.OPERATIONS, order=910, label="Gedeelde kosten", amount=30
    )
    for number in (1, 3):
        CostSplit.objects.create(cost_line=shared, programme_line=ProgrammeLine.objects.get(number=number), amount=15)


@pytest.fixture
def plan_2025(plan_2024: AnnualPlan, actions: dict[str, Action], extra_lines: None, bureau_admin: Any) -> AnnualPlan:
    return create_next_year_plan(plan=plan_2024, user=bureau_admin)


def amount(year: int, label: str, category: str | None = None) -> int | None:
    lines = CostLine.objects.filter(plan__year=year, label=label)
    return (lines.get(category=category) if category else lines.get()).amount


# The service ------------------------------------------------------------------------------------


def test_the_new_plan_is_a_concept_for_next_year(plan_2025: AnnualPlan, plan_2024: AnnualPlan) -> None:
    assert (plan_2025.year, plan_2025.title, plan_2025.status) == (2025, "Jaarplan 2025", "concept")
    assert plan_2025.adopted_on is None
    assert plan_2025.strategy == plan_2024.strategy
    assert plan_2025.foreword == plan_2024.foreword
    assert plan_2025.foreword_signatory == "Ahmed Marcouch"
    assert plan_2025.reading_guide == plan_2024.reading_guide
    # The indexation used becomes the new plan's compensation: 3,3 % by default, from 2024.
    assert plan_2025.price_compensation == Decimal("3.30")


def test_cost_lines_rise_by_the_price_compensation_in_whole_euros(plan_2025: AnnualPlan) -> None:
    assert amount(2024, "Cluster 1: Regulier") == 1_378_037
    assert amount(2025, "Cluster 1: Regulier") == 1_423_512 == expected(1_378_037)
    assert amount(2025, "Cluster 1: Versterking - landelijk koppeling") == expected(11_426) == 11_803
    assert amount(2025, "Overhead Versterking") == expected(112_500) == 116_213  # 116.212,50 rounds up
    old = {(line.category, line.label): line.amount for line in CostLine.objects.filter(plan__year=2024)}
    new = {(line.category, line.label): line.amount for line in CostLine.objects.filter(plan=plan_2025)}
    assert new.keys() == old.keys()
    for key, old_amount in old.items():
        assert new[key] == (None if old_amount is None else expected(old_amount)), key


def test_pm_stays_pm_and_zero_stays_zero(plan_2025: AnnualPlan) -> None:
    assert amount(2025, "Nog onbekend") is None
    assert amount(2025, "Gebiedsgericht werken") == 0


def test_split_parts_still_add_up_to_the_new_amount(plan_2025: AnnualPlan) -> None:
    for label in ("Overhead Versterking", "Gedeelde kosten"):
        line = CostLine.objects.get(plan=plan_2025, label=label)
        parts = {s.programme_line.number: s.amount for s in line.splits.select_related("programme_line")}
        assert sum(parts.values()) == line.amount, label
    overhead = CostLine.objects.get(plan=plan_2025, label="Overhead Versterking")
    assert {s.programme_line.number: s.amount for s in overhead.splits.all()} == {
        1: expected(12_500),
        3: expected(100_000),
    }
    # 30 x 1,033 = 30,99 -> 31, while each half (15,495) rounds to 15: one half takes the extra euro.
    shared = CostLine.objects.get(plan=plan_2025, label="Gedeelde kosten")
    assert shared.amount == 31
    assert sorted(s.amount for s in shared.splits.all()) == [15, 16]


@pytest.mark.parametrize(
    ("parts", "percentage", "result"),
    [
        ([12_500, 100_000], "3.3", [12_913, 103_300]),
        ([1, 1, 1], "50", [1, 2, 2]),  # 1,5 each rounds to 2 (6), but 3 x 1,5 = 4,5 -> 5: one gives back
        ([-10, 25], "10", [-11, 28]),
    ],
)
def test_indexed_parts_add_up(parts: list[int], percentage: str, result: list[int]) -> None:
    got = indexed_parts(parts, Decimal(percentage))
    assert sorted(got) == sorted(result)
    assert sum(got) == expected(sum(parts), percentage)


def test_funding_and_table_4_3_are_carried_unchanged(plan_2025: AnnualPlan, plan_2024: AnnualPlan) -> None:
    def funding(plan: AnnualPlan) -> list[tuple[Any, ...]]:
        return list(
            FundingSource.objects.filter(plan=plan)
            .order_by("order")
            .values_list("order", "label", "funder", "funding_stream", "amount")
        )

    def allocations(plan: AnnualPlan) -> list[tuple[Any, ...]]:
        return list(
            ProgrammeAllocation.objects.filter(plan=plan)
            .order_by("programme_line__number", "kind", "year")
            .values_list("programme_line__number", "year", "kind", "label", "amount_thousands")
        )

    assert funding(plan_2025) == funding(plan_2024)
    assert sum(row[-1] or 0 for row in funding(plan_2025)) == 7_843_124
    assert len(allocations(plan_2024)) == 27
    assert allocations(plan_2025) == allocations(plan_2024)


def test_sections_keep_their_numbers_and_district_plans_follow_them(
    plan_2025: AnnualPlan, plan_2024: AnnualPlan
) -> None:
    def outline(plan: AnnualPlan) -> list[tuple[Any, ...]]:
        return [
            (s.number, s.slug, s.title, s.body, s.goal_id, s.programme_line_id, s.table)
            for s in plan.numbered_sections()
        ]

    assert len(outline(plan_2025)) == 45
    assert outline(plan_2025) == outline(plan_2024)

    numbers = {s.pk: s.number for year in (2024, 2025) for s in AnnualPlan.objects.get(year=year).numbered_sections()}
    old_plans = {dp.district.name: dp for dp in DistrictPlan.objects.filter(plan=plan_2024)}
    new_plans = {dp.district.name: dp for dp in DistrictPlan.objects.filter(plan=plan_2025)}
    assert len(new_plans) == 5 and new_plans.keys() == old_plans.keys()
    for name, new in new_plans.items():
        old = old_plans[name]
        assert new.section.plan_id == plan_2025.pk
        assert (new.section.slug, numbers[new.section_id]) == (old.section.slug, numbers[old.section_id])
        assert (new.workplan_name, new.ambition) == (old.workplan_name, old.ambition)
    assert numbers[new_plans["Twente"].section_id] == "3.2"

    for model in (DistrictFocusTheme, Development, BaselineNorm):
        old_items = model.objects.filter(district_plan__plan=plan_2024)
        new_items = model.objects.filter(district_plan__plan=plan_2025)
        assert new_items.count() == old_items.count() > 0, model
        # Each item stays under the copy of its own section, within its district's chapter.
        assert {(i.district_plan.district_id, i.section.slug if i.section else None) for i in new_items} == {
            (i.district_plan.district_id, i.section.slug if i.section else None) for i in old_items
        }
        assert all(i.section is None or i.section.plan_id == plan_2025.pk for i in new_items)


def test_phenomena_are_copied_under_the_new_sections(plan_2025: AnnualPlan, plan_2024: AnnualPlan) -> None:
    old = {(p.name, p.category, p.section.slug if p.section else None) for p in plan_2024.phenomena.all()}
    new = {(p.name, p.category, p.section.slug if p.section else None) for p in plan_2025.phenomena.all()}
    assert len(new) == 10 and new == old
    assert not plan_2025.phenomena.exclude(section__plan=plan_2025).exclude(section=None).exists()


def test_only_open_actions_are_copied_each_linked_to_the_action_it_continues(
    plan_2025: AnnualPlan, plan_2024: AnnualPlan, actions: dict[str, Action]
) -> None:
    new_actions = Action.objects.filter(section__plan=plan_2025)
    assert new_actions.count() == Action.objects.filter(section__plan=plan_2024).count() - 1 == 40
    titles = set(new_actions.values_list("title", flat=True))
    assert actions["reopened"].title in titles
    assert actions["under_way"].title in titles
    assert not new_actions.filter(title=actions["done"].title, section__slug=actions["done"].section.slug).exists()

    # Every copy points at the 2024 action it carries on.
    assert not new_actions.filter(continues=None).exists()
    under_way = new_actions.get(continues=actions["under_way"])
    assert (under_way.title, under_way.section.slug) == (actions["under_way"].title, actions["under_way"].section.slug)

    # A due moment in 2024 has passed when the 2025 plan runs: cleared and marked "te herzien".
    governance = new_actions.get(title="Governance verder implementeren")
    assert governance.continues.due_year == 2024
    assert (governance.section.slug, governance.due_year, governance.due_note) == (
        "sturing-en-verantwoording",
        None,
        "",
    )
    assert governance.due_to_review
    # The new year starts without progress: the updates stay with 2024.
    assert not ProgressUpdate.objects.filter(action__section__plan=plan_2025).exists()


def test_a_due_moment_after_the_old_year_is_kept(plan_2024: AnnualPlan, bureau_admin: Any) -> None:
    later = Action.objects.filter(section__plan=plan_2024).order_by("pk")[5]
    Action.objects.filter(pk=later.pk).update(due_year=2025, due_quarter=2, due_note="voor de zomer van 2025")

    plan = create_next_year_plan(plan=plan_2024, user=bureau_admin)

    copy = Action.objects.get(section__plan=plan, continues=later)
    assert (copy.due_year, copy.due_quarter, copy.due_note, copy.due_to_review) == (
        2025,
        2,
        "voor de zomer van 2025",
        False,
    )


def test_the_copy_shows_where_it_came_from_and_the_dashboard_counts_it_apart(
    plan_2025: AnnualPlan, actions: dict[str, Action], client: Client, django_user_model: Any
) -> None:
    client.force_login(django_user_model.objects.create_user(username="lezer"))
    copy = Action.objects.get(continues=actions["under_way"])

    page = client.get(reverse("strategy:action", args=[copy.pk])).content.decode()

    assert "Voortgezet uit" in page
    assert f'<a href="{reverse("strategy:action", args=[actions["under_way"].pk])}">jaarplan 2024</a>' in page
    assert "laatste stand: op koers, 30&nbsp;%" in page

    dashboard = build_dashboard(datetime.date(2025, 5, 1))
    assert dashboard is not None and dashboard.year == 2025
    review = {row.title for row in dashboard.to_review}
    assert "Governance verder implementeren" in review
    # Carried-over actions whose old moment passed are "te herzien", never overdue in the new plan.
    assert not review & {row.title for row in dashboard.overdue}
    assert all(Action.objects.get(pk=row.pk).continues_id for row in dashboard.to_review)


def test_only_copies_that_had_a_deadline_are_to_review(plan_2025: AnnualPlan) -> None:
    """Issue 21, item 5: a copy of an action without a due moment is "zonder moment", not "te herzien"."""
    copies = list(Action.objects.filter(section__plan=plan_2025).select_related("continues__section__plan"))
    without = [copy for copy in copies if copy.continues.due_year is None]
    with_passed = [copy for copy in copies if copy.continues.due_year is not None and copy.continues.due_year <= 2024]
    assert without and with_passed
    assert not any(copy.due_to_review for copy in without)
    assert all(copy.due_to_review for copy in with_passed)
    dashboard = build_dashboard(datetime.date(2025, 5, 1))
    assert dashboard is not None
    assert {row.pk for row in dashboard.to_review} == {copy.pk for copy in with_passed}


def test_an_explicit_indexation_is_used(plan_2024: AnnualPlan, bureau_admin: Any) -> None:
    plan = create_next_year_plan(plan=plan_2024, user=bureau_admin, indexation=Decimal("10"))
    assert plan.price_compensation == Decimal("10")
    assert amount(2025, "Cluster 1: Regulier") == expected(1_378_037, "10") == 1_515_841


def test_running_it_twice_is_refused_and_writes_nothing(plan_2025: AnnualPlan, bureau_admin: Any) -> None:
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        create_next_year_plan(plan=AnnualPlan.objects.get(year=2024), user=bureau_admin)
    assert "Er bestaat al een jaarplan voor 2025" in " ".join(refused.value.messages)
    assert row_counts() == before


def test_a_year_outside_the_strategy_is_refused(plan_2024: AnnualPlan, bureau_admin: Any) -> None:
    plan_2024.strategy.end_year = 2023
    plan_2024.strategy.save()
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        create_next_year_plan(plan=plan_2024, user=bureau_admin)
    assert "Het jaar 2025 valt buiten de looptijd van Meerjarenstrategie 2022-2025" in refused.value.messages[0]
    assert row_counts() == before


@pytest.mark.parametrize("role", [STEERING_GROUP, COORDINATOR, None])
def test_only_the_bureau_may_prepare_next_year(plan_2024: AnnualPlan, django_user_model: Any, role: str | None) -> None:
    user = role_user("niet-bureau", role, password="x")
    before = row_counts()
    with pytest.raises(PermissionDenied):
        create_next_year_plan(plan=plan_2024, user=user)
    assert row_counts() == before


# The admin action -------------------------------------------------------------------------------


def run_action(client: Client, plan: AnnualPlan, **data: Any) -> Any:
    return client.post(
        admin_url(AnnualPlan, "changelist"),
        {"action": "create_next_year_plan", "_selected_action": [plan.pk], **data},
    )


def test_the_admin_action_asks_the_indexation_and_opens_the_new_plan(
    bureau_client: Client, plan_2024: AnnualPlan
) -> None:
    page = run_action(bureau_client, plan_2024, index="0")
    assert page.status_code == 200
    assert page.context["form"]["indexation"].value() == Decimal("3.30")
    assert not AnnualPlan.objects.filter(year=2025).exists()

    response = run_action(bureau_client, plan_2024, apply="1", indexation="3,3")
    plan_2025 = AnnualPlan.objects.get(year=2025)
    assert response.status_code == 302
    assert response["Location"] == admin_url(AnnualPlan, "change", plan_2025.pk)
    assert amount(2025, "Cluster 1: Regulier") == 1_423_512
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Jaarplan 2025 is gemaakt als concept uit Jaarplan 2024" in message
    assert f'href="{reverse("reports:compare", args=(2025, 2024))}"' in message


def test_the_admin_action_reports_a_refusal_in_dutch(bureau_client: Client, plan_2025: AnnualPlan) -> None:
    plan_2024 = AnnualPlan.objects.get(year=2024)
    before = row_counts()
    response = run_action(bureau_client, plan_2024, apply="1", indexation="3,3")
    assert response.status_code == 302
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Er bestaat al een jaarplan voor 2025" in message
    assert row_counts() == before


def test_the_admin_action_rejects_a_wrong_percentage(bureau_client: Client, plan_2024: AnnualPlan) -> None:
    page = run_action(bureau_client, plan_2024, apply="1", indexation="120")
    assert page.status_code == 200
    assert "Een percentage ligt tussen 0 en 100." in page.content.decode()
    assert not AnnualPlan.objects.filter(year=2025).exists()


def test_the_admin_action_is_offered_to_the_bureau_only(
    client: Client, plan_2024: AnnualPlan, django_user_model: Any, bureau_client: Client
) -> None:
    changelist = admin_url(AnnualPlan, "changelist")
    assert "create_next_year_plan" in bureau_client.get(changelist).content.decode()

    client.force_login(role_user("stuurgroep", STEERING_GROUP, password="x"))
    page = client.get(changelist)
    assert page.status_code == 200
    assert "create_next_year_plan" not in page.content.decode()
    run_action(client, plan_2024, apply="1", indexation="3,3")
    assert not AnnualPlan.objects.filter(year=2025).exists()
    assert PlanSection.objects.filter(plan__year=2025).count() == 0
