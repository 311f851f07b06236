"""The rights review: every account with role, district, last login and second factor, and every change
of rights in the past year; for the bureau only, as a page and as CSV."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

import audit
from audit.models import AuditEvent
from core.roles import BUREAU, COORDINATOR, STEERING_GROUP
from districts.models import District
from tests.conftest import logged_in, role_user, without_second_factor

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(bureau_admin: Any) -> dict[str, Any]:
    twente = District.objects.create(name="Twente", slug="twente", order=1, province="overijssel")
    coordinator = role_user("coordinator-twente", COORDINATOR, districts=[twente], first_name="Anna")
    steering = role_user("stuurgroep", STEERING_GROUP)
    newcomer = without_second_factor(role_user("nieuw", None, is_staff=False))
    # A change of a year and a half ago is outside the review; its record is written with that time.
    old = AuditEvent(
        time=timezone.now() - datetime.timedelta(days=550),
        action="role_changed",
        object_type="auth.user",
        object_id=str(steering.pk),
        object_repr="stuurgroep",
        result="success",
        detail="Toegekend: rol Oud",
    )
    old.save()
    steering.last_login = timezone.make_aware(datetime.datetime(2024, 3, 1, 9, 30))
    steering.save(update_fields=["last_login"])
    return {"coordinator": coordinator, "steering": steering, "newcomer": newcomer, "bureau": bureau_admin}


def test_the_bureau_sees_every_account_with_its_rights(
    bureau_client: Client, accounts: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    # Queries: session and user, the bureau's groups, the accounts with their groups, districts,
    # authenticators, single sign-on accounts and permissions, and the changes of rights.
    with django_assert_max_num_queries(12):
        response = bureau_client.get("/rechtenoverzicht/")
    assert response.status_code == 200
    rows = {row.user.username: row for row in response.context["accounts"]}
    assert set(rows) == {"bureau", "coordinator-twente", "stuurgroep", "nieuw"}
    assert rows["coordinator-twente"].roles == [COORDINATOR]
    assert rows["coordinator-twente"].districts == ["Twente"]
    assert rows["coordinator-twente"].second_factor == ["authenticator-app"]
    assert rows["nieuw"].roles == [] and rows["nieuw"].second_factor_text == "geen"
    assert rows["bureau"].roles == ["alle rechten (superuser)"]
    page = response.content.decode()
    assert "1-3-2024 09:30" in page  # the last login of the stuurgroep
    # The role changes of the past year, with who made them; the old one is left out.
    changes = [change.detail for change in response.context["changes"]]
    assert f"Toegekend: rol {COORDINATOR}" in changes
    assert "Toegekend: coördinator van district Twente" in changes
    assert "Toegekend: rol Oud" not in changes
    assert rows["coordinator-twente"].changes


def test_the_csv_has_a_row_per_account_and_is_recorded(bureau_client: Client, accounts: dict[str, Any]) -> None:
    accounts["steering"].groups.add(Group.objects.get(name=BUREAU))
    response = bureau_client.get("/rechtenoverzicht.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:5] == ["Gebruikersnaam", "Naam", "E-mailadres", "Actief", "Rol"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["coordinator-twente"][4:6] == [COORDINATOR, "Twente"]
    assert by_name["stuurgroep"][4] == f"{BUREAU}, {STEERING_GROUP}"
    assert by_name["nieuw"][7] == "geen"
    assert f"Toegekend: rol {BUREAU}" in by_name["stuurgroep"][8]
    exported = AuditEvent.objects.get(action=audit.Action.EXPORT)
    assert exported.object_repr == "rechtenoverzicht"


@pytest.mark.parametrize("role", [COORDINATOR, STEERING_GROUP, None])
def test_only_the_bureau_reviews_rights(role: str | None) -> None:
    client = logged_in(role_user("iemand", role))
    assert client.get("/rechtenoverzicht/").status_code == 403
    assert client.get("/rechtenoverzicht.csv").status_code == 403
    assert "Rechten</a>" not in client.get("/").content.decode()


def test_the_menu_offers_the_review_to_the_bureau(bureau_client: Client) -> None:
    assert 'href="/rechtenoverzicht/">Rechten</a>' in bureau_client.get("/").content.decode()
