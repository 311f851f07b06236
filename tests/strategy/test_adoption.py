"""Adopting the 2024 plan through "Vaststellen": prefilled with today, and a budget that does not add up
is adopted only on purpose, with a reason that the plan's history keeps."""

from __future__ import annotations

import datetime
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.test import Client
from pytest_django.asserts import assertContains, assertNotContains

from budget.models import CostLine
from core import clock
from core.roles import STEERING_GROUP
from strategy import services
from strategy.models import AnnualPlan

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2024, 1, 25)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.fixture
def plan(editable_plan_2024: AnnualPlan, monkeypatch: pytest.MonkeyPatch) -> AnnualPlan:
    """The 2024 plan as a concept again (it loads as adopted), to be adopted by these tests."""
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return editable_plan_2024


@pytest.fixture
def stuurgroep(django_user_model: Any) -> Client:
    user = django_user_model.objects.create_user(username="sg", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=STEERING_GROUP))
    client = Client()
    client.force_login(user)
    return client


class FormReader(HTMLParser):
    """What a browser submits for the page's own form (the one without an action), as rendered and left untouched.

    A date input sends its value only when it is a valid ISO date (the HTML value sanitization
    algorithm); anything else, such as 25-01-2024, is shown and sent as empty.
    """

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self.in_form = False
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.in_form = "action" not in attributes  # not the logout form in the header
        name = attributes.get("name")
        if not self.in_form or not name:
            return
        kind = attributes.get("type", "text")
        if tag == "input" and kind not in ("submit", "checkbox"):
            value = attributes.get("value", "")
            if kind == "date" and not ISO_DATE.fullmatch(value):
                value = ""
            self.data[name] = value
        elif tag == "input" and kind == "checkbox" and "checked" in attributes:
            self.data[name] = attributes.get("value") or "on"
        elif tag == "textarea":
            self.textarea = name
            self.data[name] = ""

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.data[self.textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self.textarea = None
        elif tag == "form":
            self.in_form = False


def rendered_form(client: Client, url: str) -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200
    reader = FormReader()
    reader.feed(response.content.decode())
    assert reader.data, "the page has no form of its own"
    return reader.data


def adopt_url(plan: AnnualPlan) -> str:
    return f"/admin/strategy/annualplan/{plan.pk}/vaststellen/"


def unbalance(plan: AnnualPlan) -> None:
    """10.000 less for "Versterken OM": total, versterking and line 1 no longer add up."""
    CostLine.objects.filter(plan=plan, label="Versterken OM").update(amount=250_000)


def test_a_balanced_plan_is_adopted_with_the_prefilled_date_in_one_submit(plan: AnnualPlan, stuurgroep: Client) -> None:
    data = rendered_form(stuurgroep, adopt_url(plan))

    # Today, in the only format an <input type="date"> shows and sends back.
    assert data["adopted_on"] == "2024-01-25"
    assert "accept_failing_checks" not in data and "reason" not in data

    response = stuurgroep.post(adopt_url(plan), data)

    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.adopted_on) == (AnnualPlan.Status.ADOPTED, TODAY)
    assert plan.history.first().history_change_reason == "Vastgesteld op 25-01-2024"


def test_failing_checks_are_listed_with_their_differences(plan: AnnualPlan, stuurgroep: Client) -> None:
    unbalance(plan)

    response = stuurgroep.get(adopt_url(plan))

    assertContains(response, "Niet alle controles kloppen.")
    rows = [
        "<th scope='row'>Begroting: Totale kosten = totale dekking</th>"
        "<td class='amount'>7.833.124</td><td class='amount'>7.843.124</td><td>verschil \u221210.000</td>",
        "<th scope='row'>Begroting: Kosten versterking = bijdrage versterkingsmiddelen</th>"
        "<td class='amount'>3.803.000</td><td class='amount'>3.813.000</td><td>verschil \u221210.000</td>",
    ]
    for row in rows:
        assertContains(response, f"<tr class='check bad'>{row}</tr>", html=True)
    assertContains(response, "Lijn 1: kostenregels = tabel 4.3 voor 2024")
    # Only the checks that fail: the regular budget still adds up.
    assertNotContains(response, "Reguliere kosten = reguliere dekking")
    assertContains(response, "Toch vaststellen, ook al kloppen deze controles niet")


def test_failing_checks_refuse_adoption_without_confirmation(plan: AnnualPlan, stuurgroep: Client) -> None:
    unbalance(plan)
    data = rendered_form(stuurgroep, adopt_url(plan))

    response = stuurgroep.post(adopt_url(plan), data)

    assert response.status_code == 200
    assertContains(response, "Niet alle controles kloppen. Vink aan dat u het jaarplan toch vaststelt")
    plan.refresh_from_db()
    assert plan.status == AnnualPlan.Status.CONCEPT

    # Confirmed, but without a reason: still refused.
    response = stuurgroep.post(adopt_url(plan), {**data, "accept_failing_checks": "on", "reason": "  "})
    assertContains(response, "Geef aan waarom het jaarplan wordt vastgesteld terwijl niet alle controles kloppen.")
    plan.refresh_from_db()
    assert plan.status == AnnualPlan.Status.CONCEPT


def test_confirmed_adoption_records_the_differences_and_the_reason(plan: AnnualPlan, stuurgroep: Client) -> None:
    unbalance(plan)
    data = rendered_form(stuurgroep, adopt_url(plan))
    reason = "Het OM bevestigt de bijdrage na de voorjaarsnota; de begroting wordt dan bijgesteld."

    response = stuurgroep.post(adopt_url(plan), {**data, "accept_failing_checks": "on", "reason": reason})

    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.adopted_on) == (AnnualPlan.Status.ADOPTED, TODAY)
    record = plan.history.first()
    assert record.history_user.username == "sg"
    assert record.history_change_reason.startswith("Vastgesteld op 25-01-2024, terwijl niet alle controles kloppen (")
    assert "Begroting: Totale kosten = totale dekking (verschil \u221210.000)" in record.history_change_reason
    assert record.history_change_reason.endswith(f"Reden: {reason}")
    # The plan's "Geschiedenis" page shows the reason.
    history = stuurgroep.get(f"/admin/strategy/annualplan/{plan.pk}/history/")
    assertContains(history, reason)


def test_the_service_itself_refuses_an_unconfirmed_adoption(plan: AnnualPlan, django_user_model: Any) -> None:
    # The rule is the service's, not only the form's: another caller cannot skip it.
    unbalance(plan)
    bureau = django_user_model.objects.create_superuser(username="bureau", password="x")

    with pytest.raises(ValidationError, match="Niet alle controles kloppen"):
        services.adopt_plan(plan=plan, user=bureau, adopted_on=TODAY)
    with pytest.raises(ValidationError, match="Geef aan waarom"):
        services.adopt_plan(plan=plan, user=bureau, adopted_on=TODAY, accept_failing_checks=True)

    plan.refresh_from_db()
    assert plan.status == AnnualPlan.Status.CONCEPT
