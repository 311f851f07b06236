"""One way to report progress (issue 12): the action page, Mijn acties, the admin and imports all go
through services.report_progress. The author is always the user saving, whatever the POST or the file
says; a future date or a date inside a closed quarter is refused, in Dutch, at every entry point."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core import clock
from core.roles import BUREAU, COORDINATOR
from strategy import services
from strategy.models import Action, ActionSnapshot, AnnualPlan, ProgressUpdate, QuarterClose, Status
from tests.conftest import add_inline_row, admin_post_data, admin_url, logged_in, role_user
from tests.strategy.factories import ProgressUpdateFactory
from tests.support.imports import confirm, csv_file, import_errors, upload

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2024, 7, 10)  # Q3; Q2 has ended and can be closed
IMPORT_HEADER = ["Jaar", "Paragraaf", "Volgorde", "Datum", "Status", "Percentage", "Toelichting", "Auteur"]
CLOSED = "Kwartaal 2 2024 is afgesloten"
FUTURE = "De datum ligt in de toekomst"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> datetime.date:
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return TODAY


@pytest.fixture
def action(plan_2024: AnnualPlan) -> Action:
    return Action.objects.get(title="Twentse gemeenten hebben de basis op orde")


@pytest.fixture
def coordinator(plan_2024: AnnualPlan) -> Any:
    return role_user("coordinator-twente", COORDINATOR, districts=["twente"], first_name="Tess", last_name="Twente")


@pytest.fixture
def bureau(plan_2024: AnnualPlan) -> Any:
    return role_user("bureau-medewerker", BUREAU, first_name="Bea", last_name="Bureau")


def close_q2(plan: AnnualPlan, bureau: Any) -> QuarterClose:
    return services.close_quarter(plan=plan, quarter=2, user=bureau)


def only_update(action: Action) -> ProgressUpdate:
    return ProgressUpdate.objects.get(action=action)


# The service itself ---------------------------------------------------------------------------------


def test_service_sets_the_author_and_refuses_what_the_rules_refuse(action: Action, coordinator: Any) -> None:
    update = services.report_progress(
        user=coordinator, action=action, date=TODAY, status=Status.ON_TRACK, percentage=20, narrative="Gestart."
    )
    assert (update.author, update.date, update.percentage) == (coordinator, TODAY, 20)
    assert update.history.latest().history_user == coordinator
    with pytest.raises(ValidationError) as future:
        services.report_progress(
            user=coordinator, action=action, date=TODAY + datetime.timedelta(days=1), status="op_koers", percentage=1
        )
    assert FUTURE in future.value.message_dict["date"][0]
    with pytest.raises(ValidationError) as done:
        services.report_progress(user=coordinator, action=action, date=TODAY, status=Status.DONE, percentage=90)
    assert "Een afgeronde actie staat op 100%" in done.value.message_dict["percentage"][0]
    other = Action.objects.get(title="Uitvoeringsspecialist Bibob werven")
    with pytest.raises(PermissionDenied):
        services.report_progress(user=coordinator, action=other, date=TODAY, status="op_koers", percentage=1)
    assert ProgressUpdate.objects.count() == 1


def test_a_closed_quarter_refuses_updates_until_it_is_reopened(action: Action, coordinator: Any, bureau: Any) -> None:
    close = close_q2(action.section.plan, bureau)
    with pytest.raises(ValidationError) as refused:
        services.report_progress(
            user=coordinator, action=action, date=datetime.date(2024, 6, 30), status="op_koers", percentage=10
        )
    assert CLOSED in refused.value.message_dict["date"][0]
    # Q3 stays open, and so does Q1 (never closed).
    services.report_progress(
        user=coordinator, action=action, date=datetime.date(2024, 7, 1), status="op_koers", percentage=10
    )
    services.reopen_quarter(close=close, user=bureau, reason="Update van Twente kwam te laat binnen.")
    services.report_progress(
        user=coordinator, action=action, date=datetime.date(2024, 6, 30), status="op_koers", percentage=5
    )
    assert ProgressUpdate.objects.filter(action=action).count() == 2
    reasons = [record.history_change_reason for record in close.history.order_by("history_id")]
    assert reasons == ["Afgesloten", "Heropend: Update van Twente kwam te laat binnen."]


def test_closing_snapshots_every_action_as_of_the_last_day(plan_2024: AnnualPlan, bureau: Any) -> None:
    action = Action.objects.get(section__plan=plan_2024, title="Uitvoeringsspecialist Bibob werven")
    ProgressUpdate.objects.create(action=action, date=datetime.date(2024, 6, 30), status=Status.DELAYED, percentage=40)
    ProgressUpdate.objects.create(action=action, date=datetime.date(2024, 7, 2), status=Status.DONE, percentage=100)
    close = services.close_quarter(plan=plan_2024, quarter=2, user=bureau)
    snapshot = ActionSnapshot.objects.get(close=close, action=action)
    assert (snapshot.status, snapshot.percentage, snapshot.update_date) == (
        Status.DELAYED,
        40,
        datetime.date(2024, 6, 30),
    )
    never = ActionSnapshot.objects.filter(close=close, update_date__isnull=True).first()
    assert never is not None and never.status == Status.NOT_STARTED and never.percentage is None


# 1. The action page ---------------------------------------------------------------------------------


def test_action_page_ignores_a_forged_author(action: Action, coordinator: Any, bureau: Any) -> None:
    client = logged_in(coordinator)
    data = {"date": "2024-07-02", "status": Status.ON_TRACK, "percentage": "40", "narrative": "x", "author": bureau.pk}
    assert client.post(f"/acties/{action.pk}/", data).status_code == 302
    assert only_update(action).author == coordinator


def test_action_page_refuses_a_date_in_a_closed_quarter(action: Action, coordinator: Any, bureau: Any) -> None:
    close_q2(action.section.plan, bureau)
    data = {"date": "2024-06-28", "status": Status.ON_TRACK, "percentage": "40", "narrative": ""}
    response = logged_in(coordinator).post(f"/acties/{action.pk}/", data)
    assert response.status_code == 200
    assert CLOSED in response.content.decode()
    assert not ProgressUpdate.objects.exists()


# 2. Mijn acties -------------------------------------------------------------------------------------


def test_my_actions_ignores_a_forged_author(action: Action, coordinator: Any, bureau: Any) -> None:
    prefix = f"actie-{action.pk}"
    data = {
        "action": action.pk,
        f"{prefix}-period": "huidig",
        f"{prefix}-status": Status.ON_TRACK,
        f"{prefix}-percentage": "30",
        f"{prefix}-narrative": "",
        f"{prefix}-author": bureau.pk,
        "author": bureau.pk,
    }
    assert logged_in(coordinator).post("/mijn-acties/", data).status_code == 302
    update = only_update(action)
    assert (update.author, update.date) == (coordinator, TODAY)


# 3. The admin: the update's own form and the inline under its action -------------------------------


def test_admin_form_has_no_author_and_ignores_a_forged_one(action: Action, coordinator: Any, bureau: Any) -> None:
    client = logged_in(coordinator)
    url = admin_url(ProgressUpdate, "add")
    page = client.get(url)
    assert "author" not in page.context["adminform"].form.fields
    data = admin_post_data(page)
    data.update(action=action.pk, date="2024-07-03", status=Status.AT_RISK, percentage="25", author=bureau.pk)
    assert client.post(url, data).status_code == 302
    assert only_update(action).author == coordinator


def test_admin_form_refuses_a_future_date_as_the_pages_do(action: Action, bureau: Any) -> None:
    client = logged_in(bureau)
    url = admin_url(ProgressUpdate, "add")
    data = admin_post_data(client.get(url))
    data.update(action=action.pk, date="2024-07-11", status=Status.ON_TRACK, percentage="25")
    response = client.post(url, data)
    assert response.status_code == 200
    assert FUTURE in response.context["adminform"].form.errors["date"][0]
    assert not ProgressUpdate.objects.exists()


def test_admin_inline_ignores_a_forged_author(action: Action, coordinator: Any, bureau: Any) -> None:
    client = logged_in(bureau)
    url = admin_url(Action, "change", action.pk)
    data = admin_post_data(client.get(url))
    add_inline_row(
        data, "updates", date="2024-07-05", status=Status.ON_TRACK, percentage=45, narrative="", author=coordinator.pk
    )
    assert client.post(url, data).status_code == 302
    assert only_update(action).author == bureau


def test_admin_keeps_updates_of_a_closed_quarter_read_only(action: Action, bureau: Any) -> None:
    old = ProgressUpdateFactory(action=action, date=datetime.date(2024, 5, 1))
    close_q2(action.section.plan, bureau)
    client = logged_in(bureau)
    page = client.get(admin_url(ProgressUpdate, "change", old.pk))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    refused = client.post(admin_url(ProgressUpdate, "delete", old.pk), {"post": "yes"}, follow=True)
    assert CLOSED in refused.content.decode()
    assert ProgressUpdate.objects.filter(pk=old.pk).exists()
    # The inline refuses moving a new row into the closed quarter; an untouched old row does not block saving.
    url = admin_url(Action, "change", action.pk)
    data = admin_post_data(client.get(url))
    add_inline_row(data, "updates", date="2024-06-15", status=Status.ON_TRACK, percentage=45, narrative="")
    response = client.post(url, data)
    assert response.status_code == 200 and CLOSED in response.content.decode()
    assert ProgressUpdate.objects.count() == 1


# 4. Imports -----------------------------------------------------------------------------------------


def test_import_ignores_the_author_column_and_checks_the_rules(action: Action, coordinator: Any, bureau: Any) -> None:
    client = logged_in(coordinator)
    row = ["2024", action.section.slug, str(action.order)]
    content = csv_file([IMPORT_HEADER, [*row, "2024-07-04", "op koers", "35", "Via import.", bureau.username]])
    preview = upload(client, ProgressUpdate, content)
    assert preview.context["result"].totals["new"] == 1
    assert confirm(client, preview).status_code == 302
    update = only_update(action)
    assert (update.author, update.percentage, update.narrative) == (coordinator, 35, "Via import.")

    close_q2(action.section.plan, bureau)
    bad = csv_file(
        [
            IMPORT_HEADER,
            [*row, "2024-06-04", "op koers", "35", "", ""],
            [*row, "2024-08-01", "op koers", "35", "", ""],
        ]
    )
    errors = import_errors(upload(client, ProgressUpdate, bad))
    assert any(error.startswith("Rij 2, kolom ‘Datum’: " + CLOSED) for error in errors), errors
    assert any(error.startswith("Rij 3, kolom ‘Datum’: " + FUTURE) for error in errors), errors
    assert ProgressUpdate.objects.count() == 1


def test_imported_progress_is_written_by_the_progress_service_and_its_rules_show_in_the_preview(
    action: Action, coordinator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    report = services.report_progress

    def with_a_new_rule(**kwargs: Any) -> ProgressUpdate:
        """The service as another change may make it: a rule of its own, beyond progress_errors."""
        calls.append(kwargs)
        if kwargs["percentage"] == 35:
            raise ValidationError({"date": "Een regel die alleen de service kent."})
        return report(**kwargs)

    monkeypatch.setattr(services, "report_progress", with_a_new_rule)
    client = logged_in(coordinator)
    row = ["2024", action.section.slug, str(action.order), "2024-07-04", "op koers"]
    preview = upload(client, ProgressUpdate, csv_file([IMPORT_HEADER, [*row, "35", "", ""]]))
    assert import_errors(preview) == ["Rij 2, kolom ‘Datum’: Een regel die alleen de service kent."]
    assert "confirm_form" not in preview.context
    assert not ProgressUpdate.objects.exists()  # the preview's trial write was rolled back

    preview = upload(client, ProgressUpdate, csv_file([IMPORT_HEADER, [*row, "40", "", ""]]))
    assert not ProgressUpdate.objects.exists()
    assert confirm(client, preview).status_code == 302
    assert (calls[-1]["user"], calls[-1]["percentage"]) == (coordinator, 40)
    assert (only_update(action).author, only_update(action).percentage) == (coordinator, 40)


def test_import_refuses_another_districts_action(plan_2024: AnnualPlan, coordinator: Any) -> None:
    other = Action.objects.get(title="Uitvoeringsspecialist Bibob werven")
    content = csv_file(
        [IMPORT_HEADER, ["2024", other.section.slug, str(other.order), "2024-07-04", "op koers", "35", "", ""]]
    )
    errors = import_errors(upload(logged_in(coordinator), ProgressUpdate, content))
    assert errors and "niet" in errors[0]
    assert not ProgressUpdate.objects.exists()
