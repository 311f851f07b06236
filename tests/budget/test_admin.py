"""The admin of the budget app: Dutch amounts, cheap lists, and splits that must add up."""

from __future__ import annotations

from typing import Any

import factory
import pytest
from django.utils.html import escape
from pytest_django.asserts import assertContains

from budget.formatting import format_amount
from budget.models import (
    CostCategory,
    CostGroup,
    CostLine,
    CostSplit,
    FundingSource,
    FundingStream,
    ProgrammeAllocation,
    Spending,
)
from tests.budget.factories import (
    CostGroupFactory,
    CostLineFactory,
    CostSplitFactory,
    FundingSourceFactory,
    ProgrammeAllocationFactory,
    SpendingFactory,
)
from tests.conftest import add_inline_row, admin_post_data, admin_url
from tests.strategy.factories import AnnualPlanFactory, ProgrammeLineFactory

pytestmark = pytest.mark.django_db

FACTORIES: dict[type[Any], type[factory.django.DjangoModelFactory]] = {
    CostGroup: CostGroupFactory,
    CostLine: CostLineFactory,
    CostSplit: CostSplitFactory,
    FundingSource: FundingSourceFactory,
    ProgrammeAllocation: ProgrammeAllocationFactory,
    Spending: SpendingFactory,
}
AMOUNT_ERROR = "Vul een bedrag in hele euro's in, zonder punten of tekens."


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1_378_037, "1.378.037"),
        (-12_500, "\u221212.500"),
        (7_843_124, "7.843.124"),
        (999, "999"),
        (0, "-"),
        (None, "pm"),
    ],
)
def test_amounts_are_shown_the_dutch_way(value, shown) -> None:
    assert format_amount(value) == shown


# Cost lines -----------------------------------------------------------------------------------------


def _make_cost_lines(plan, count: int) -> None:
    for index in range(count):
        line = CostLineFactory(plan=plan, group=CostGroupFactory(plan=plan), amount=-12_500 if index % 2 else None)
        if index % 3 == 0:
            line.amount = 100_000
            line.save()
            for part in (60_000, 40_000):
                CostSplitFactory(
                    cost_line=line, amount=part, programme_line=ProgrammeLineFactory(strategy=plan.strategy)
                )


def test_cost_line_changelist_query_count_does_not_grow(
    bureau_client, count_queries, django_assert_max_num_queries
) -> None:
    plan = AnnualPlanFactory()
    _make_cost_lines(plan, 3)
    url = admin_url(CostLine, "changelist")
    # session, user; filter choices: plans, programme lines; count, unfiltered count;
    # the page with plan, group and line joined; the splits of the page with their lines (one prefetch);
    # session save (savepoint, update, release).
    with django_assert_max_num_queries(11):
        response = bureau_client.get(url)
    assertContains(response, '<td class="field-amount_display">100.000</td>', html=True)
    assertContains(response, '<td class="field-amount_display">\u221212.500</td>', html=True)
    assertContains(response, '<td class="field-amount_display">pm</td>', html=True)
    _, few = count_queries(bureau_client, url)
    _make_cost_lines(plan, 27)
    response, many = count_queries(bureau_client, url)
    assert response.context["cl"].result_count == 30
    assert many == few


def _cost_line_add_data(bureau_client, plan, **values: Any) -> dict[str, Any]:
    data = admin_post_data(bureau_client.get(admin_url(CostLine, "add")))
    data.update(plan=plan.pk, category=CostCategory.PERSONNEL, order="1", label="Personeel RIEC-bureau")
    data.update(funding_stream=FundingStream.REGULAR, **values)
    return data


def test_cost_line_added_through_admin(bureau_client) -> None:
    plan = AnnualPlanFactory()
    data = _cost_line_add_data(bureau_client, plan, amount="1378037")

    assert bureau_client.post(admin_url(CostLine, "add"), data).status_code == 302
    assert CostLine.objects.get().amount == 1_378_037


def test_cost_amount_that_is_not_a_number_is_refused(bureau_client) -> None:
    plan = AnnualPlanFactory()
    data = _cost_line_add_data(bureau_client, plan, amount="12.5k")

    response = bureau_client.post(admin_url(CostLine, "add"), data)

    assert response.status_code == 200
    assertContains(response, escape(AMOUNT_ERROR))
    assert not CostLine.objects.exists()


def _split_post(bureau_client, line: CostLine, parts: list[int], **values: Any) -> Any:
    url = admin_url(CostLine, "change", line.pk)
    data = admin_post_data(bureau_client.get(url))
    data.update(values)
    for part in parts:
        add_inline_row(data, "splits", programme_line=ProgrammeLineFactory(strategy=line.plan.strategy).pk, amount=part)
    return bureau_client.post(url, data)


def test_cost_split_that_adds_up_is_saved(bureau_client) -> None:
    line = CostLineFactory(amount=100_000)

    response = _split_post(bureau_client, line, [60_000, 40_000])

    assert response.status_code == 302
    assert sorted(line.charges().values()) == [40_000, 60_000]


def test_cost_split_that_does_not_add_up_is_refused(bureau_client) -> None:
    line = CostLineFactory(amount=100_000)

    response = _split_post(bureau_client, line, [60_000, 30_000])

    assert response.status_code == 200
    assertContains(response, "De verdeling telt op tot 90.000, maar het bedrag van de kostenregel is 100.000.")
    assert not CostSplit.objects.exists()


def test_cost_split_checks_the_amount_being_saved(bureau_client) -> None:
    line = CostLineFactory(amount=100_000)

    response = _split_post(bureau_client, line, [60_000, 40_000], amount="90000")

    assertContains(response, "De verdeling telt op tot 100.000, maar het bedrag van de kostenregel is 90.000.")
    line.refresh_from_db()
    assert (line.amount, CostSplit.objects.count()) == (100_000, 0)


def test_split_cost_line_may_not_be_charged_to_a_line_itself(bureau_client) -> None:
    line = CostLineFactory(amount=100_000)
    line.programme_line = ProgrammeLineFactory(strategy=line.plan.strategy)
    line.save()

    response = _split_post(bureau_client, line, [60_000, 40_000])

    assert response.status_code == 200
    assertContains(response, escape("maak 'ten laste van lijn' leeg of verwijder de verdeling"))
    assert not CostSplit.objects.exists()


@pytest.mark.parametrize("typed", ["260.000", "260,00", "1.378.037"])
def test_cost_amount_typed_with_dots_is_refused_not_shrunk(bureau_client, typed) -> None:
    # Django's own IntegerField reads "260.000" as 260: a Dutch user would lose three zeros without notice.
    plan = AnnualPlanFactory()
    data = _cost_line_add_data(bureau_client, plan, amount=typed)

    response = bureau_client.post(admin_url(CostLine, "add"), data)

    assertContains(response, escape(AMOUNT_ERROR))
    assert not CostLine.objects.exists()
