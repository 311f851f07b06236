"""What people do in the browser, end to end, in headless Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from strategy.models import PlanSection

# Browser tests need the live server's own database transactions (and rendering outside them).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize("username", ["bureau", "stuurgroep", "coordinator-twente", "coordinator-ijsselland"])
def test_every_role_logs_in_and_reads_the_plan(accounts: Any, log_in: Any, live_server: Any, username: str) -> None:
    page = log_in(username)
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()
    page.goto(f"{live_server.url}/jaarplan/2024/")
    expect(page.get_by_role("heading", name="4.1 Wat kost het?")).to_be_visible()
    expect(page.locator("table.costs tr.total")).to_contain_text("7.843.124")


def test_anonymous_visitor_is_sent_to_the_login(live_server: Any, page: Any, plan_2024: None) -> None:
    page.goto(f"{live_server.url}/jaarplan/2024/")
    expect(page).to_have_url(f"{live_server.url}/inloggen/?next=/jaarplan/2024/")
    expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()


def test_bureau_edits_a_section_in_the_admin_and_sees_it_in_the_report(
    accounts: Any, log_in: Any, live_server: Any
) -> None:
    page = log_in("bureau")
    section = PlanSection.objects.get(plan__year=2024, slug="kennis-en-kunde")
    page.goto(f"{live_server.url}/admin/strategy/plansection/{section.pk}/change/")
    page.locator("#id_title").fill("Investeren in kennis, kunde en netwerken")
    page.locator("#id_body").fill("De **RIEC Academie** start in 2024.\n\n- training Bibob\n- training APV")
    page.get_by_role("button", name="Opslaan", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("gewijzigd")

    page.goto(f"{live_server.url}/jaarplan/2024/")
    heading = page.get_by_role("heading", name="1.2.2 Investeren in kennis, kunde en netwerken")
    expect(heading).to_be_visible()
    body = page.locator("section.depth-3", has=heading)
    expect(body.locator("strong")).to_have_text("RIEC Academie")
    expect(body.locator("li")).to_have_count(2)


def test_stuurgroep_downloads_the_pdf(accounts: Any, log_in: Any, live_server: Any) -> None:
    page = log_in("stuurgroep")
    page.goto(f"{live_server.url}/jaarplannen/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDF").first.click()
    download = download_info.value
    assert download.suggested_filename == "jaarplan-2024-riec-oost-nederland.pdf"
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
