"""Booking spending (realisatie) in the admin: Dutch amounts, and bad input refused with a Dutch message."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError
from django.test import Client
from django.utils.html import escape
from pytest_django.asserts import assertContains

from budget.models import CostLine, Spending
from core import permissions, roles
from tests.budget.factories import CostLineFactory, SpendingFactory
from tests.conftest import admin_post_data, admin_url

pytestmark = pytest.mark.django_db

QUARTER_ERROR = "Een kwartaal is 1, 2, 3 of 4."
AMOUNT_ERROR = "Vul een bedrag in hele euro's in, zonder punten of tekens."


def _add(bureau_client: Client, line: CostLine, **values: Any) -> Any:
    data = admin_post_data(bureau_client.get(admin_url(Spending, "add")))
    data.update(cost_line=line.pk, year=str(line.plan.year), quarter="2", amount="45000", note="Factuur OM")
    data.update({key: str(value) for key, value in values.items()})
    return bureau_client.post(admin_url(Spending, "add"), data)


def test_spending_added_through_admin(bureau_client: Client) -> None:
    line = CostLineFactory()

    response = _add(bureau_client, line)

    assert response.status_code == 302
    spending = Spending.objects.get()
    assert (spending.cost_line, spending.year, spending.quarter, spending.amount) == (line, line.plan.year, 2, 45_000)


@pytest.mark.parametrize("quarter", ["5", "0"])
def test_quarter_outside_1_to_4_is_refused(bureau_client: Client, quarter: str) -> None:
    response = _add(bureau_client, CostLineFactory(), quarter=quarter)

    assert response.status_code == 200
    assertContains(response, QUARTER_ERROR)
    assert not Spending.objects.exists()


def test_quarter_that_is_not_a_number_is_refused(bureau_client: Client) -> None:
    response = _add(bureau_client, CostLineFactory(), quarter="Q2")

    assertContains(response, QUARTER_ERROR)
    assert not Spending.objects.exists()


# "45.000" matters most: Django's IntegerField would quietly save it as 45.
@pytest.mark.parametrize("amount", ["45.000", "45,000", "12.5k", "€ 300"])
def test_amount_that_is_not_whole_euros_is_refused(bureau_client: Client, amount: str) -> None:
    response = _add(bureau_client, CostLineFactory(), amount=amount)

    assert response.status_code == 200
    assertContains(response, escape(AMOUNT_ERROR))
    assert not Spending.objects.exists()


def test_same_quarter_twice_is_refused(bureau_client: Client) -> None:
    existing = SpendingFactory(quarter=2, amount=10_000)

    response = _add(bureau_client, existing.cost_line, quarter="2")

    assertContains(response, "Voor deze kostenregel is dit kwartaal al geboekt; pas die boeking aan.")
    assert list(Spending.objects.values_list("amount", flat=True)) == [10_000]


def test_database_refuses_quarter_5_too() -> None:
    with pytest.raises(IntegrityError):
        SpendingFactory(quarter=5)


def test_changelist_shows_amounts_the_dutch_way_and_filters(bureau_client: Client) -> None:
    SpendingFactory(amount=1_378_037)
    SpendingFactory(amount=-12_500)

    response = bureau_client.get(admin_url(Spending, "changelist"))

    assertContains(response, '<td class="field-amount_display">1.378.037</td>', html=True)
    assertContains(response, '<td class="field-amount_display">\u221212.500</td>', html=True)
    filters = {spec.title for spec in response.context["cl"].filter_specs}
    assert {"jaarplan", "jaar", "kwartaal"} <= filters


def test_cost_line_is_chosen_with_autocomplete(bureau_client: Client) -> None:
    response = bureau_client.get(admin_url(Spending, "add"))

    assertContains(response, 'class="admin-autocomplete"')
    assertContains(response, 'data-field-name="cost_line"')


def test_roles_may_book_or_read_spending(django_user_model: Any) -> None:
    """The policy alone decides: the role groups hold no model permissions that could say otherwise."""
    spending = SpendingFactory()
    users = {}
    for role in (roles.BUREAU, roles.STEERING_GROUP, roles.COORDINATOR):
        user = django_user_model.objects.create_user(username=role, is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        users[role] = user
        assert not Group.objects.get(name=role).permissions.exists()

    assert permissions.can_add(users[roles.BUREAU], Spending)
    assert permissions.can_change(users[roles.BUREAU], spending)
    for reader in (roles.STEERING_GROUP, roles.COORDINATOR):
        assert permissions.can_view(users[reader], spending)
        assert not permissions.can_add(users[reader], Spending)
        assert not permissions.can_change(users[reader], spending)


def test_spending_stays_open_after_the_plan_is_adopted() -> None:
    spending = SpendingFactory()
    plan = spending.cost_line.plan
    plan.status, plan.adopted_on = "vastgesteld", datetime.date(2024, 1, 25)
    plan.save()

    assert permissions.is_locked(spending.cost_line)
    assert not permissions.is_locked(spending)
