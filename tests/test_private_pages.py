"""Confidential pages stay out of caches, and history pages answer 404 for ids that are not there."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from budget.models import CostLine
from budget.resources import CostLineResource
from strategy.models import Action, AnnualPlan
from tests.conftest import reopened
from tests.support.imports import export

pytestmark = pytest.mark.django_db


def directives(response: Any) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/jaarplannen/",
        "/jaarplan/2024/",
        "/jaarplan/2024/begroting/",
        "/admin/",
        "/admin/budget/costline/",
        "/admin/budget/costline/import/",
        "/admin/budget/costline/export/",
    ],
)
def test_every_logged_in_page_is_private_and_not_stored(bureau_client: Client, plan_2024: AnnualPlan, url: str) -> None:
    response = bureau_client.get(url)
    assert response.status_code == 200
    assert {"private", "no-store"} <= directives(response)
    assert "public" not in directives(response)


def test_a_page_without_cache_headers_gets_exactly_private_no_store(
    bureau_client: Client, plan_2024: AnnualPlan
) -> None:
    assert bureau_client.get("/jaarplannen/")["Cache-Control"] == "private, no-store"


def test_an_export_download_is_private_too(bureau_client: Client, plan_2024: AnnualPlan) -> None:
    response = export(bureau_client, CostLine, CostLineResource, "xlsx")
    assert response["Content-Disposition"].startswith("attachment;")
    assert {"private", "no-store"} <= directives(response)


@pytest.mark.django_db(transaction=True)
def test_every_pdf_is_private_and_not_stored(
    client: Client, django_user_model: Any, fresh_plan_2024: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr("reports.rendering.render_pdf", lambda html: b"%PDF-fake")
    client.force_login(django_user_model.objects.create_user(username="lezer"))
    for url in ("/jaarplan/2024.pdf", "/voortgang/2024/Q1.pdf"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/pdf"
        assert {"private", "no-store"} <= directives(response), url


@pytest.mark.parametrize(
    "tail",
    [
        "{action}/history/abc/",
        "{action}/history/1.5/",
        "{action}/history/999999999/",
        "abc/history/",
        "abc/history/1/",
        "999999999/history/1/",
    ],
)
def test_history_pages_answer_404_for_ids_that_are_not_there(
    bureau_client: Client, plan_2024: AnnualPlan, tail: str
) -> None:
    reopened(plan_2024)  # an adopted plan's old versions are refused (403) before they are looked up
    action = Action.objects.order_by("pk").first()
    response = bureau_client.get("/admin/strategy/action/" + tail.format(action=action.pk))
    assert response.status_code == 404


def test_the_history_of_an_action_still_opens(bureau_client: Client, plan_2024: AnnualPlan) -> None:
    reopened(plan_2024)  # an old version opens for the bureau while the plan may be changed
    action = Action.objects.order_by("pk").first()
    assert bureau_client.get(f"/admin/strategy/action/{action.pk}/history/").status_code == 200
    record = action.history.order_by("history_id").first()
    assert bureau_client.get(f"/admin/strategy/action/{action.pk}/history/{record.history_id}/").status_code == 200
