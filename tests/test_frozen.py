"""Frozen objects (issue #26): one answer, in the same Dutch words, wherever it is asked.

An update in a closed quarter is part of a frozen report: the admin shows it read only with the
reason, refuses to delete it, the import refuses to correct it, and the service refuses to delete it.
A norm that municipalities were assessed on is retired, not deleted: the admin's delete, the district
plan's inline and the service all refuse with the same sentence (`core.permissions.frozen_reason`).
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from core import clock, permissions
from core.roles import BUREAU, COORDINATOR
from districts import services as district_services
from districts.models import BaselineAssessment, BaselineNorm, DistrictPlan, Municipality
from strategy import services
from strategy.models import Action, AnnualPlan, ProgressUpdate, QuarterClose
from tests.conftest import admin_post_data, admin_url, logged_in, role_user
from tests.strategy.factories import ProgressUpdateFactory
from tests.support.imports import csv_file, import_errors, upload

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2024, 7, 10)  # Q3; Q2 has ended and is closed in these tests
IMPORT_HEADER = ["Jaar", "Paragraaf", "Volgorde", "Datum", "Status", "Percentage", "Toelichting", "Auteur"]


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def bureau(plan_2024: AnnualPlan) -> Any:
    return role_user("bureau-medewerker", BUREAU)


@pytest.fixture
def coordinator(plan_2024: AnnualPlan) -> Any:
    return role_user("coordinator-twente", COORDINATOR, districts=["twente"])


@pytest.fixture
def frozen_update(plan_2024: AnnualPlan, bureau: Any, coordinator: Any) -> tuple[ProgressUpdate, str]:
    """A Q2 update by the Twente coordinator, and the message once Q2 is closed."""
    action = Action.objects.get(title="Twentse gemeenten hebben de basis op orde")
    update = ProgressUpdateFactory(action=action, date=datetime.date(2024, 5, 1), author=coordinator, percentage=30)
    close = services.close_quarter(plan=plan_2024, quarter=2, user=bureau)
    message = services.closed_quarter_error(QuarterClose.objects.select_related("plan").get(pk=close.pk))
    assert message.startswith("Kwartaal 2 2024 is afgesloten")
    return update, message


@pytest.fixture
def assessed_norm(editable_plan_2024: AnnualPlan) -> tuple[BaselineNorm, str]:
    # Norms are the plan's content: they are set while the plan is a concept (the loaded plan is adopted).
    twente_plan = DistrictPlan.objects.get(plan=editable_plan_2024, district__slug="twente")
    norm = BaselineNorm.objects.create(district_plan=twente_plan, order=1, title="Plan van aanpak")
    BaselineAssessment.objects.create(
        municipality=Municipality.objects.get(name="Enschede"),
        norm=norm,
        assessed_on=datetime.date(2024, 4, 1),
        status=BaselineAssessment.Status.MEETS,
    )
    return norm, "De norm ‘Plan van aanpak’ heeft al standen van gemeenten en kan niet worden verwijderd."


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# A progress update in a closed quarter ---------------------------------------------------------------


def test_the_policy_gives_the_closed_quarter_as_the_reason(frozen_update: tuple[ProgressUpdate, str]) -> None:
    update, message = frozen_update
    assert permissions.frozen_reason(update) == message
    assert permissions.frozen_reason(update, deleting=True) == message


def test_admin_shows_the_update_read_only_with_the_reason(
    frozen_update: tuple[ProgressUpdate, str], bureau: Any
) -> None:
    update, message = frozen_update
    client = logged_in(bureau)
    page = client.get(admin_url(ProgressUpdate, "change", update.pk))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert message in messages_of(page)
    # Posting a change anyway is refused and changes nothing.
    refused = client.post(admin_url(ProgressUpdate, "change", update.pk), {"percentage": "90"})
    assert refused.status_code == 403
    update.refresh_from_db()
    assert update.percentage == 30


def test_admin_refuses_deleting_the_update_with_the_same_message(
    frozen_update: tuple[ProgressUpdate, str], bureau: Any
) -> None:
    update, message = frozen_update
    client = logged_in(bureau)
    refused = client.post(admin_url(ProgressUpdate, "delete", update.pk), {"post": "yes"}, follow=True)
    assert message in messages_of(refused)
    assert ProgressUpdate.objects.filter(pk=update.pk).exists()
    # Nor as a bulk action on the list.
    bulk = client.post(
        admin_url(ProgressUpdate, "changelist"),
        {"action": "delete_selected", "_selected_action": [update.pk], "post": "yes"},
    )
    assert bulk.status_code == 403
    assert ProgressUpdate.objects.filter(pk=update.pk).exists()


def test_import_refuses_correcting_the_update_with_the_same_message(
    frozen_update: tuple[ProgressUpdate, str], coordinator: Any
) -> None:
    update, message = frozen_update
    action = update.action
    row = ["2024", action.section.slug, str(action.order), "2024-05-01", "op koers", "90", "", coordinator.username]
    errors = import_errors(upload(logged_in(coordinator), ProgressUpdate, csv_file([IMPORT_HEADER, row])))
    assert errors == [f"Rij 2: {message}"]
    update.refresh_from_db()
    assert update.percentage == 30


def test_service_refuses_deleting_the_update_with_the_same_message(
    frozen_update: tuple[ProgressUpdate, str], coordinator: Any, bureau: Any
) -> None:
    update, message = frozen_update
    with pytest.raises(ValidationError) as refused:
        services.delete_progress_update(update, coordinator)
    assert refused.value.messages == [message]
    assert ProgressUpdate.objects.filter(pk=update.pk).exists()
    # Once the bureau reopens the quarter, the update can go.
    services.reopen_quarter(close=QuarterClose.objects.get(quarter=2), user=bureau, reason="Correctie")
    services.delete_progress_update(update, coordinator)
    assert not ProgressUpdate.objects.filter(pk=update.pk).exists()


# A norm with assessments --------------------------------------------------------------------------


def test_an_assessed_norm_can_still_be_changed_but_not_deleted(assessed_norm: tuple[BaselineNorm, str]) -> None:
    norm, message = assessed_norm
    assert permissions.frozen_reason(norm) is None
    reason = permissions.frozen_reason(norm, deleting=True)
    assert reason is not None and reason.startswith(message)


def test_admin_refuses_deleting_the_norm_with_the_same_message(
    assessed_norm: tuple[BaselineNorm, str], coordinator: Any
) -> None:
    norm, message = assessed_norm
    client = logged_in(coordinator)
    refused = client.post(admin_url(BaselineNorm, "delete", norm.pk), {"post": "yes"}, follow=True)
    assert any(shown.startswith(message) for shown in messages_of(refused))
    assert BaselineNorm.objects.filter(pk=norm.pk).exists()
    # The district plan's inline says the same.
    url = admin_url(DistrictPlan, "change", norm.district_plan.pk)
    data = admin_post_data(client.get(url))
    data["norms-0-DELETE"] = "on"
    response = client.post(url, data)
    assert response.status_code == 200 and message in response.content.decode()
    assert BaselineNorm.objects.filter(pk=norm.pk).exists()


def test_service_refuses_deleting_the_norm_and_retires_it(
    assessed_norm: tuple[BaselineNorm, str], coordinator: Any
) -> None:
    norm, message = assessed_norm
    with pytest.raises(ValidationError) as refused:
        district_services.delete_norm(norm=norm, user=coordinator)
    assert refused.value.messages[0].startswith(message)
    district_services.retire_norm(norm=norm, user=coordinator, retired_on=datetime.date(2024, 6, 1))
    norm.refresh_from_db()
    assert norm.retired_on == datetime.date(2024, 6, 1)
    assert norm.assessments.count() == 1


def test_service_deletes_a_norm_nobody_was_assessed_on(editable_plan_2024: AnnualPlan, coordinator: Any) -> None:
    twente_plan = DistrictPlan.objects.get(plan=editable_plan_2024, district__slug="twente")
    unused = BaselineNorm.objects.create(district_plan=twente_plan, order=2, title="Nooit gebruikt")
    district_services.delete_norm(norm=unused, user=coordinator)
    assert not BaselineNorm.objects.filter(pk=unused.pk).exists()
