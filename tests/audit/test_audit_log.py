"""The audit log: each audited action is one record with actor, action, object, result, origin and
time; nobody changes or deletes a record; the bureau reads, filters and exports it."""

from __future__ import annotations

import datetime
import json
import logging
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import Client
from django.utils import timezone

import audit
from audit.models import AuditEvent, AuditLogIsAppendOnly
from core import clock
from core.roles import BUREAU, COORDINATOR, STEERING_GROUP
from districts.models import District
from reports import rendering
from riec_plan.logging import JsonFormatter
from strategy.models import Action, AnnualPlan
from strategy.resources import ActionResource
from strategy.services import adopt_plan, close_quarter, reopen_plan, reopen_quarter
from tests.conftest import admin_url, logged_in, role_user, totp_code
from tests.support.imports import confirm, csv_file, export, forged_confirm, upload

pytestmark = pytest.mark.django_db

PASSWORD = "Juist-wachtwoord-1"


def only(**filters: Any) -> AuditEvent:
    """The one record of an action: exactly one, or the test fails."""
    [event] = AuditEvent.objects.filter(**filters)
    return event


def assert_recent(event: AuditEvent) -> None:
    assert timezone.now() - event.time < datetime.timedelta(minutes=1)


# Logging in and out ---------------------------------------------------------------------------------


def log_in(client: Client, username: str, password: str, ip: str = "10.0.0.7") -> Any:
    return client.post("/inloggen/", {"login": username, "password": password}, REMOTE_ADDR=ip)


def test_a_login_and_a_logout_are_one_record_each() -> None:
    user = role_user("coordinator", COORDINATOR, password=PASSWORD)
    client = Client()
    log_in(client, "coordinator", PASSWORD)
    client.post("/account/tweede-factor/authenticate/", {"code": totp_code()}, REMOTE_ADDR="10.0.0.7")
    login = only(action="login")
    assert (login.actor, login.actor_name, login.result, login.ip_address) == (
        user,
        "coordinator",
        "success",
        "10.0.0.7",
    )
    assert login.detail == "Met wachtwoord + tweede factor (totp)"
    assert_recent(login)
    client.post("/uitloggen/", REMOTE_ADDR="10.0.0.7")
    logout = only(action="logout")
    assert (logout.actor, logout.result, logout.ip_address) == (user, "success", "10.0.0.7")
    assert AuditEvent.objects.exclude(action="role_changed").count() == 2  # (role_user granted a role)


def test_a_failed_login_is_one_record_without_the_password(client: Client) -> None:
    user = role_user("coordinator", COORDINATOR, password=PASSWORD)
    log_in(client, "coordinator", "Geheim-fout-wachtwoord-42")
    log_in(client, "niemand", "Ander-geheim-99", ip="10.0.0.8")
    mine, unknown = AuditEvent.objects.filter(action="login_failed").order_by("pk")
    assert (mine.action, mine.actor, mine.result, mine.ip_address) == ("login_failed", user, "failure", "10.0.0.7")
    # A name that belongs to no account is kept as typed, without an account.
    assert (unknown.action, unknown.actor, unknown.actor_name) == ("login_failed", None, "niemand")
    for event in (mine, unknown):
        text = json.dumps(AuditEvent.objects.filter(pk=event.pk).values().get(), default=str)
        assert "Geheim-fout" not in text and "Ander-geheim" not in text


def test_a_lockout_is_one_record_per_refused_attempt(client: Client) -> None:
    role_user("coordinator", COORDINATOR, password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "coordinator", "fout")
    # The attempt that reaches the limit locks the account: that attempt is the lockout.
    assert AuditEvent.objects.filter(action="login_failed").count() == settings.AXES_FAILURE_LIMIT - 1
    assert AuditEvent.objects.filter(action="lockout").count() == 1
    response = log_in(client, "coordinator", PASSWORD)
    assert response.status_code == 429
    lockouts = AuditEvent.objects.filter(action="lockout").order_by("pk")
    assert [(e.result, e.actor_name, e.ip_address) for e in lockouts] == [("refused", "coordinator", "10.0.0.7")] * 2
    assert AuditEvent.objects.exclude(action="role_changed").count() == settings.AXES_FAILURE_LIMIT + 1


@pytest.mark.parametrize(
    ("proxies", "forwarded", "origin"),
    [
        (0, None, "10.0.0.1"),
        # Without a proxy in front, whatever the client writes in X-Forwarded-For is not believed.
        (0, "203.0.113.9", "10.0.0.1"),
        # Behind one load balancer (10.0.0.1), the address it appended; not what the client forged.
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (1, "geen-adres", "10.0.0.1"),
    ],
)
def test_the_origin_follows_the_proxy_settings(
    settings: Any, client: Client, proxies: int, forwarded: str | None, origin: str
) -> None:
    role_user("coordinator", COORDINATOR, password=PASSWORD)
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {"REMOTE_ADDR": "10.0.0.1", **({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {})}
    client.post("/inloggen/", {"login": "coordinator", "password": "fout"}, **headers)
    assert only(action="login_failed").ip_address == origin
    # django-axes counts the failure against the same address.
    assert AccessAttempt.objects.get().ip_address == origin


# Refusals, downloads, plan states ------------------------------------------------------------------


def test_a_refusal_is_one_record_with_the_path() -> None:
    coordinator = role_user("coordinator", COORDINATOR)
    response = logged_in(coordinator).get("/rechtenoverzicht/", REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 403
    refusal = only(action="permission_denied")
    assert (refusal.actor, refusal.result, refusal.ip_address) == (coordinator, "refused", "10.0.0.9")
    assert (refusal.object_repr, refusal.detail) == ("/rechtenoverzicht/", "GET /rechtenoverzicht/")


def test_a_pdf_download_is_one_record(plan_2024: AnnualPlan, monkeypatch: Any) -> None:
    # Rendered in the background (at once under the test settings); a stand-in keeps the test fast.
    monkeypatch.setattr(rendering, "render_pdf", lambda html, **kwargs: b"%PDF-test")
    reader = role_user("stuurgroep", STEERING_GROUP)
    response = logged_in(reader).get("/jaarplan/2024.pdf")
    assert response.status_code == 200
    download = only(action="pdf_download")
    assert (download.actor, download.result) == (reader, "success")
    assert download.object_repr == "jaarplan-2024-riec-oost-nederland.pdf"
    response = logged_in(reader).get("/voortgang/2024/Q1.pdf")
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="pdf_download").count() == 2


def test_adoption_and_reopening_are_one_record_each(editable_plan_2024: AnnualPlan) -> None:
    # The published plan loads adopted; the fixture reopened it (its own record, by its own account).
    bureau = role_user("bureau", BUREAU)
    plan = adopt_plan(
        plan=editable_plan_2024,
        user=bureau,
        adopted_on=datetime.date(2024, 1, 20),
        accept_failing_checks=True,
        reason="Akkoord",
    )
    adopted = only(action="plan_adopted", actor=bureau)
    assert (adopted.actor, adopted.object_type, adopted.object_id) == (bureau, "strategy.annualplan", str(plan.pk))
    assert adopted.detail.startswith("Vastgesteld op 20-01-2024")
    reopen_plan(plan=plan, user=bureau, reason="Begroting bijgesteld")
    reopened = only(action="plan_reopened", actor=bureau)
    assert (reopened.result, reopened.detail) == ("success", "Begroting bijgesteld")


def test_closing_and_reopening_a_quarter_are_one_record_each(plan_2024: AnnualPlan, monkeypatch: Any) -> None:
    monkeypatch.setattr(clock, "today", lambda: datetime.date(2024, 4, 2))
    bureau = role_user("bureau", BUREAU)
    close = close_quarter(plan=plan_2024, quarter=1, user=bureau)
    closed = only(action="quarter_closed")
    assert (closed.actor, closed.result, closed.object_type) == (bureau, "success", "strategy.quarterclose")
    reopen_quarter(close=close, user=bureau, reason="Update van Twente ontbrak")
    reopened = only(action="quarter_reopened")
    assert (reopened.actor, reopened.object_id) == (bureau, str(close.pk))


# Imports and exports -------------------------------------------------------------------------------


def test_an_export_and_an_import_are_one_record_each(bureau_client: Client, bureau_admin: Any, plan_2024: Any) -> None:
    exported = export(bureau_client, Action, ActionResource, "csv").content
    assert only(action="export").object_type == "strategy.action"
    preview = upload(bureau_client, Action, exported)
    assert not AuditEvent.objects.filter(action="import").exists()  # the preview writes nothing
    assert confirm(bureau_client, preview).status_code == 302
    imported = only(action="import")
    assert (imported.actor, imported.result, imported.object_type) == (bureau_admin, "success", "strategy.action")
    assert imported.detail == "0 nieuw, 0 gewijzigd, 41 ongewijzigd"


def test_a_refused_import_is_one_record(bureau_client: Client, plan_2024: Any) -> None:
    header = export(bureau_client, Action, ActionResource, "csv").content.decode().splitlines()[0].split(",")
    response = forged_confirm(bureau_client, Action, csv_file([header, ["2030", "x", "1", "Onbekend plan"]]))
    assert response.status_code in (200, 400)
    refused = only(action="import")
    assert refused.result == "failure"
    assert refused.detail.startswith("Niets geïmporteerd")


# Role changes --------------------------------------------------------------------------------------


def test_role_changes_are_one_record_per_account_and_change(bureau_client: Client) -> None:
    user = role_user("nieuw", None)
    twente = District.objects.create(name="Twente", slug="twente", order=1, province="overijssel")
    start = AuditEvent.objects.count()
    user.groups.add(Group.objects.get(name=COORDINATOR))
    twente.coordinators.add(user)
    user.coordinated_districts.remove(twente)
    user.groups.clear()
    user.is_superuser = True
    user.save()
    changes = AuditEvent.objects.filter(pk__gt=0).order_by("pk")[start:]
    assert [(e.action, e.object_repr, e.detail) for e in changes] == [
        ("role_changed", "nieuw", f"Toegekend: rol {COORDINATOR}"),
        ("role_changed", "nieuw", "Toegekend: coördinator van district Twente"),
        ("role_changed", "nieuw", "Ingetrokken: coördinator van district Twente"),
        ("role_changed", "nieuw", f"Ingetrokken: rol {COORDINATOR}"),
        ("role_changed", "nieuw", "alle rechten (superuser): ja"),
    ]
    # A login only updates last_login: no change of rights.
    logged_in(user)
    assert AuditEvent.objects.filter(action="role_changed").count() == 5


def test_a_role_granted_in_the_admin_names_who_granted_it(bureau_client: Client, bureau_admin: Any) -> None:
    user = role_user("nieuw", None)
    page = bureau_client.get(admin_url(user, "change", user.pk))
    data = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if key in ("username", "first_name", "last_name", "email")
    }
    data.update(
        groups=[Group.objects.get(name=STEERING_GROUP).pk],
        is_active="on",
        is_staff="on",
        date_joined_0="2024-01-01",
        date_joined_1="10:00:00",
    )
    response = bureau_client.post(admin_url(user, "change", user.pk), data, REMOTE_ADDR="10.0.0.3")
    assert response.status_code == 302, response.content.decode()[:2000]
    granted = only(action="role_changed")
    assert (granted.actor, granted.object_repr, granted.ip_address) == (bureau_admin, "nieuw", "10.0.0.3")
    assert granted.detail == f"Toegekend: rol {STEERING_GROUP}"


# Nobody changes or deletes a record ------------------------------------------------------------------


def test_records_cannot_be_changed_or_deleted_in_code() -> None:
    event = AuditEvent(action="login", result="success", actor_name="x")
    event.save()
    event.detail = "anders"
    attempts = [
        event.save,
        event.delete,
        lambda: AuditEvent.objects.filter(pk=event.pk).update(detail="anders"),
        lambda: AuditEvent.objects.all().delete(),
        lambda: AuditEvent.objects.bulk_update([event], ["detail"]),
    ]
    for attempt in attempts:
        with pytest.raises(AuditLogIsAppendOnly), transaction.atomic():
            attempt()
    assert AuditEvent.objects.get(pk=event.pk).detail == ""


@pytest.mark.parametrize("role", ["superuser", BUREAU, COORDINATOR, STEERING_GROUP])
def test_no_role_has_a_change_or_delete_path_in_the_admin(role: str, django_user_model: Any) -> None:
    if role == "superuser":
        user = django_user_model.objects.create_superuser(username="root", password="x")
    else:
        user = role_user("gebruiker", role)
    event = AuditEvent(action="login", result="success", actor_name="x")
    event.save()
    client = logged_in(user)
    reads = role in ("superuser", BUREAU)
    assert client.get(admin_url(AuditEvent, "changelist")).status_code == (200 if reads else 403)
    assert client.get(admin_url(AuditEvent, "change", event.pk)).status_code == (200 if reads else 403)
    assert client.get(admin_url(AuditEvent, "add")).status_code == 403
    assert client.post(admin_url(AuditEvent, "add"), {"action": "login", "result": "success"}).status_code == 403
    assert client.post(admin_url(AuditEvent, "change", event.pk), {"detail": "anders"}).status_code == 403
    assert client.post(admin_url(AuditEvent, "delete", event.pk), {"post": "yes"}).status_code == 403
    changelist = client.post(
        admin_url(AuditEvent, "changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert changelist.status_code in (200, 302, 403)
    assert AuditEvent.objects.filter(pk=event.pk, detail="").exists()
    if reads:
        page = client.get(admin_url(AuditEvent, "change", event.pk)).content.decode()
        assert 'name="_save"' not in page and "deletelink" not in page


def test_the_bureau_filters_and_exports_the_log_as_csv(bureau_client: Client, bureau_admin: Any) -> None:
    role_user("coordinator", COORDINATOR, password=PASSWORD)
    client = Client()
    log_in(client, "coordinator", "fout")
    log_in(client, "coordinator", "nog-fout")
    logged_in(bureau_admin)  # a login record too
    page = bureau_client.get(admin_url(AuditEvent, "changelist") + "?action__exact=login_failed")
    assert page.status_code == 200
    assert "CSV-export van deze selectie" in page.content.decode()
    response = bureau_client.get("/admin/audit/auditevent/csv/?action__exact=login_failed")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = b"".join(response.streaming_content).decode().lstrip("\ufeff").splitlines()
    assert (
        lines[0] == "Tijdstip;Gebruiker;Actie;Resultaat;Soort object;Object-id;Object;Herkomst (IP-adres);Toelichting"
    )
    assert len(lines) == 3
    assert all(";coordinator;Inloggen mislukt;mislukt;" in line for line in lines[1:])
    exported = only(action="export", object_type="audit.auditevent")
    assert exported.detail == "2 regel(s) als CSV; filter: action__exact=login_failed"
    coordinator = role_user("ander", COORDINATOR)
    assert logged_in(coordinator).get("/admin/audit/auditevent/csv/").status_code == 403


# The JSON log line --------------------------------------------------------------------------------


def test_the_json_log_line_carries_the_same_fields(caplog: Any) -> None:
    user = role_user("bureau", BUREAU)
    with caplog.at_level(logging.INFO, logger="riec_plan.audit"):
        event = audit.record(None, action=audit.Action.EXPORT, obj="rechtenoverzicht", result="success", actor=user)
    [log_record] = [r for r in caplog.records if r.name == "riec_plan.audit"]
    line = json.loads(JsonFormatter().format(log_record))
    assert line["audit"] == {
        "time": event.time.isoformat(),
        "actor": "bureau",
        "actor_id": user.pk,
        "action": "export",
        "object_type": "",
        "object_id": "",
        "object": "rechtenoverzicht",
        "result": "success",
        "ip_address": None,
        "detail": "",
    }
