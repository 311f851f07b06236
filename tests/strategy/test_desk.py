"""The bureau's editing desk in the admin: labels that say which, the section editor with its preview,
the action list made for the work and the quarter pickers (issue 17)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from pytest_django.asserts import assertContains, assertNotContains

from budget.models import CostLine
from core import clock
from core.roles import BUREAU, COORDINATOR
from districts.models import BaselineNorm, District
from strategy.models import Action, AnnualPlan, PlanSection, ProgressUpdate, Status, label_actions, label_sections
from tests.conftest import admin_post_data, admin_url, logged_in, role_user
from tests.support.imports import csv_file, upload

pytestmark = pytest.mark.django_db

AUTUMN = datetime.date(2024, 10, 15)  # the fourth quarter: what was due in Q1-Q3 2024 is late


@pytest.fixture
def bureau(editable_plan_2024: AnnualPlan) -> Client:
    """The bureau at its desk, editing the 2024 plan as a concept (it loads as adopted)."""
    return logged_in(role_user("bureau-desk", BUREAU))


def section(plan: AnnualPlan, slug: str) -> PlanSection:
    return PlanSection.objects.get(plan=plan, slug=slug)


def autocomplete(client: Client, model: str, field: str, term: str) -> list[str]:
    app = {"action": "strategy", "progressupdate": "strategy"}[model]
    response = client.get(
        "/admin/autocomplete/", {"app_label": app, "model_name": model, "field_name": field, "term": term}
    )
    assert response.status_code == 200
    return [result["text"] for result in response.json()["results"]]


# Labels that say which ------------------------------------------------------------------------------


def test_labels_name_number_district_and_year(plan_2024: AnnualPlan) -> None:
    # The labels a screen asks for: number, district(s) and year, from the plan's outline.
    assert section(plan_2024, "twente-specifieke-ontwikkelingen").label == (
        "3.2.2 Specifieke ontwikkelingen – Twente (2024)"
    )
    # The two "Barrières opwerpen" are told apart by their numbers.
    assert section(plan_2024, "barrieres-opwerpen").label == "1.3 Barrières opwerpen (2024)"
    assert section(plan_2024, "versterking-barrieres").label == "2.2 Barrières opwerpen (2024)"
    action = Action.objects.get(section__slug="twente-focusthemas", order=1, section__plan=plan_2024)
    assert action.label == "3.2.1-1 Plan Twentse aanpak drugscriminaliteit (bijdrage RIEC) – Twente (2024)"
    # Cost lines and norms name their group, district and year when those are loaded with them.
    lines = CostLine.objects.select_related("plan", "group").filter(plan=plan_2024)
    assert str(lines.get(label="IT kosten")) == "IT kosten – Bedrijfsvoeringskosten (2024)"
    assert str(lines.get(label="Versterken OM")) == (
        "Versterken OM – Lijn 1: Casuïstiek sneller en effectiever maken (2024)"
    )
    norm = (
        BaselineNorm.objects.select_related("district_plan__district", "district_plan__plan")
        .filter(district_plan__district__slug="ijsselland")
        .order_by("order")
        .first()
    )
    assert str(norm) == f"{norm.title} – IJsselland (2024)"


def test_str_reads_only_the_objects_own_fields(plan_2024: AnnualPlan, django_assert_num_queries: Any) -> None:
    # Loaded without select_related: str() asks the database nothing, it names what the row itself holds.
    twente = section(plan_2024, "twente-specifieke-ontwikkelingen")
    action = Action.objects.get(section__slug="twente-focusthemas", order=1, section__plan=plan_2024)
    update = ProgressUpdate.objects.create(
        action=action, date=datetime.date(2024, 3, 1), status=Status.ON_TRACK, percentage=20
    )
    update = ProgressUpdate.objects.get(pk=update.pk)
    line = CostLine.objects.get(plan=plan_2024, label="IT kosten")
    norm = BaselineNorm.objects.filter(district_plan__district__slug="ijsselland").order_by("order").first()
    with django_assert_num_queries(0):
        assert str(twente) == "Specifieke ontwikkelingen"
        assert str(action) == "Plan Twentse aanpak drugscriminaliteit (bijdrage RIEC)"
        assert str(update) == f"actie {action.pk} – {update.get_status_display()} (01-03-2024)"
        assert str(line) == "IT kosten – Bedrijfsvoeringskosten"
        assert str(norm) == norm.title


def test_the_label_selector_labels_a_whole_plan_in_one_query(
    plan_2024: AnnualPlan, django_assert_num_queries: Any
) -> None:
    sections = list(PlanSection.objects.filter(plan=plan_2024))
    actions = list(Action.objects.select_related("section").filter(section__plan=plan_2024))
    with django_assert_num_queries(1):
        label_sections(sections)
    with django_assert_num_queries(1):
        label_actions(actions)
    with django_assert_num_queries(0):
        labels = {str(section) for section in sections} | {str(action) for action in actions}
    assert "3.2.2 Specifieke ontwikkelingen – Twente (2024)" in labels
    assert "3.2.1-1 Plan Twentse aanpak drugscriminaliteit (bijdrage RIEC) – Twente (2024)" in labels
    assert len(sections) > 20 and len(actions) > 20  # the whole plan, not one row


def test_a_section_is_picked_by_its_number(bureau: Client) -> None:
    assert autocomplete(bureau, "action", "section", "3.2.2") == ["3.2.2 Specifieke ontwikkelingen – Twente (2024)"]
    # A paragraph number finds the paragraph and what is under it, in the order of the plan.
    assert autocomplete(bureau, "action", "section", "3.2") == [
        "3.2 Twente (2024)",
        "3.2.1 Vastgestelde focusthema's – Twente (2024)",
        "3.2.2 Specifieke ontwikkelingen – Twente (2024)",
    ]
    # Words still search the titles.
    assert autocomplete(bureau, "action", "section", "Barrières") == [
        "1.3 Barrières opwerpen (2024)",
        "2.2 Barrières opwerpen (2024)",
    ]


def test_the_section_autocomplete_labels_a_page_in_a_fixed_number_of_queries(
    bureau: Client, django_assert_max_num_queries: Any
) -> None:
    # session, user, the user's groups; count, the page of sections; the outline of the plan (one query
    # for all twenty labels, where each label on its own would need its plan's sections and districts).
    with django_assert_max_num_queries(6):
        texts = autocomplete(bureau, "action", "section", "")
    assert len(texts) == 20
    assert texts[0] == "1 Voortgang Meerjarenstrategie (2024)"


def test_lists_and_history_name_the_section(bureau: Client, plan_2024: AnnualPlan) -> None:
    twente = section(plan_2024, "twente-specifieke-ontwikkelingen")
    response = bureau.get(admin_url(Action, "changelist"), {"q": "Enschede"})
    assertContains(response, "3.2.2-4")
    history = bureau.get(admin_url(PlanSection, "history", twente.pk))
    assertContains(history, "3.2.2 Specifieke ontwikkelingen – Twente (2024)")


def test_the_import_preview_says_which_action_each_row_becomes(bureau: Client, plan_2024: AnnualPlan) -> None:
    header = ["Jaar", "Paragraaf", "Volgorde", "Actie", "Gereed in jaar", "Gereed in kwartaal"]
    row = [2024, "twente-specifieke-ontwikkelingen", 9, "Nieuwe actie", 2024, 4]
    response = upload(bureau, Action, csv_file([header, row]))
    assertContains(response, '<td class="import-object">3.2.2-9 Nieuwe actie – Twente (2024)</td>', html=True)
    assert not Action.objects.filter(title="Nieuwe actie").exists()


def test_cost_lines_show_their_group_and_year_beside_the_amount(bureau: Client) -> None:
    response = bureau.get(admin_url(CostLine, "changelist"), {"q": "IT kosten"})
    assertContains(response, '<td class="field-amount_display">260.000</td>', html=True)
    assertContains(response, '<td class="field-plan_year">2024</td>', html=True)
    assertContains(response, '<span class="muted">Bedrijfsvoeringskosten</span>', html=True)


# The section editor ---------------------------------------------------------------------------------


def test_the_section_form_puts_the_text_first_and_large(bureau: Client, plan_2024: AnnualPlan) -> None:
    response = bureau.get(admin_url(PlanSection, "change", section(plan_2024, "versterking-barrieres").pk))
    form = response.context["adminform"]
    assert [field for fieldset in form.fieldsets for field in fieldset[1]["fields"]][:2] == ["title", "body"]
    assertContains(response, 'class="markdown-editor"')
    assertContains(response, 'name="_preview"', count=2)  # above and below the text


def test_preview_shows_the_text_as_the_report_does_and_saves_nothing(bureau: Client, plan_2024: AnnualPlan) -> None:
    barriers = section(plan_2024, "versterking-barrieres")
    url = admin_url(PlanSection, "change", barriers.pk)
    data = admin_post_data(bureau.get(url))
    data["body"] = "De **RIEC Academie** start.\n\n- training Bibob\n- training APV\n\n<script>alert(1)</script>"
    data["_preview"] = "Voorbeeld"

    response = bureau.post(url, data)

    assert response.status_code == 200  # the form again, not a redirect
    preview = response.context["markdown_preview"]
    assert "<strong>RIEC Academie</strong>" in preview
    assert preview.count("<li>") == 2
    assert "<script" not in preview
    assertContains(response, "nog niet opgeslagen")
    assertNotContains(response, "errornote")
    # The edit stays in the text box, and nothing reached the database or its history.
    assertContains(response, "De **RIEC Academie** start.")
    barriers.refresh_from_db()
    assert "RIEC Academie" not in barriers.body
    assert barriers.history.count() == PlanSection.history.filter(id=barriers.pk).count() == 1


def test_save_after_a_preview_saves_the_text(bureau: Client, plan_2024: AnnualPlan) -> None:
    barriers = section(plan_2024, "versterking-barrieres")
    url = admin_url(PlanSection, "change", barriers.pk)
    data = admin_post_data(bureau.get(url))
    data["body"] = "Nieuwe tekst."
    preview = bureau.post(url, {**data, "_preview": "Voorbeeld"})
    # What the browser posts next: the form as the preview rendered it, now with "Opslaan".
    again = admin_post_data(preview)
    assert again["body"] == "Nieuwe tekst."
    response = bureau.post(url, {**again, "_save": "Opslaan"})
    assert response.status_code == 302
    barriers.refresh_from_db()
    assert barriers.body == "Nieuwe tekst."


def test_an_adopted_section_shows_its_markdown_rendered(bureau: Client, plan_2024: AnnualPlan) -> None:
    barriers = section(plan_2024, "versterking-barrieres")
    barriers.body = "Dit is **vet**.\n\n- een\n- twee"
    barriers.save()
    AnnualPlan.objects.filter(pk=plan_2024.pk).update(status=AnnualPlan.Status.ADOPTED, adopted_on="2024-02-01")

    response = bureau.get(admin_url(PlanSection, "change", barriers.pk))

    assertContains(response, "Dit is <strong>vet</strong>.")
    assertContains(response, "<li>een</li>")
    assertNotContains(response, "**vet**")
    assertNotContains(response, 'name="_preview"')


def test_read_only_plan_text_and_district_items_show_their_markdown_rendered(plan_2024: AnnualPlan) -> None:
    AnnualPlan.objects.filter(pk=plan_2024.pk).update(foreword="Een **sterk** jaar.")
    norm = BaselineNorm.objects.filter(district_plan__district__slug="ijsselland").first()
    norm.description = "Met *nadruk*:\n\n1. een\n2. twee"
    norm.save()
    # A coordinator of Twente reads IJsselland's chapter but may not change it.
    reader = logged_in(role_user("coordinator-lezer", COORDINATOR, districts=["twente"]))

    chapter = reader.get(admin_url(norm.district_plan, "change", norm.district_plan_id))
    assertContains(chapter, "Met <em>nadruk</em>:")
    assertContains(chapter, "<li>twee</li>")
    AnnualPlan.objects.filter(pk=plan_2024.pk).update(status=AnnualPlan.Status.ADOPTED, adopted_on="2024-02-01")
    plan_page = reader.get(admin_url(AnnualPlan, "change", plan_2024.pk))
    assertContains(plan_page, "Een <strong>sterk</strong> jaar.")


# The action list ------------------------------------------------------------------------------------


@pytest.fixture
def autumn(monkeypatch: pytest.MonkeyPatch) -> datetime.date:
    monkeypatch.setattr(clock, "today", lambda: AUTUMN)
    return AUTUMN


def listed(client: Client, **params: Any) -> list[str]:
    response = client.get(admin_url(Action, "changelist"), params)
    assert response.status_code == 200
    return [action.title for action in response.context["cl"].result_list]


def test_the_overdue_actions_of_twente(bureau: Client, autumn: datetime.date) -> None:
    twente = Action.objects.filter(section__district_plan__district__slug="twente") | Action.objects.filter(
        section__parent__district_plan__district__slug="twente"
    )
    late = [action for action in twente.with_latest_update() if action.is_overdue(AUTUMN)]
    assert len(late) == 4  # Q1, Q2 and twice Q3 2024; "2024" without a quarter is due at the end of the year

    district = str(District.objects.get(slug="twente").pk)
    rows = listed(bureau, district=district, te_laat="ja")

    assert sorted(rows) == sorted(action.title for action in late)
    # Done is not late.
    first = late[0]
    ProgressUpdate.objects.create(action=first, date=AUTUMN, status=Status.DONE, percentage=100)
    assert first.title not in listed(bureau, district=district, te_laat="ja")
    assert first.title in listed(bureau, district=district, te_laat="nee")


def test_the_action_list_has_a_district_column_and_sorts_by_it(bureau: Client) -> None:
    response = bureau.get(admin_url(Action, "changelist"), {"o": "3"})  # third column: district
    rows = response.context["cl"].result_list
    districts = [response.context["cl"].model_admin.district(action) for action in rows]
    assert "Twente" in districts and "regionaal" in districts
    named = [name for name in districts if name != "regionaal"]
    assert named == sorted(named)


def test_the_action_list_filters_on_status_and_due_quarter(bureau: Client) -> None:
    action = Action.objects.get(title__startswith="Plan Twentse aanpak")
    ProgressUpdate.objects.create(action=action, date=AUTUMN, status=Status.AT_RISK, percentage=20)
    assert listed(bureau, status=Status.AT_RISK) == [action.title]
    due_q3 = listed(bureau, gereed="2024-3")
    assert action.title in due_q3
    assert all(a.due_quarter == 3 for a in Action.objects.filter(title__in=due_q3))
    assert sorted(listed(bureau, gereed="geen")) == sorted(
        Action.objects.filter(due_year__isnull=True).values_list("title", flat=True)
    )


def test_the_action_list_opens_in_the_order_of_the_plan(bureau: Client) -> None:
    response = bureau.get(admin_url(Action, "changelist"))
    numbers = [action.number for action in response.context["cl"].result_list]
    assert numbers[:3] == ["1.1.2-1", "1.1.3-1", "1.2.2-1"]


# Quarter and year pickers ---------------------------------------------------------------------------


def test_due_quarter_and_year_are_chosen_from_lists(bureau: Client) -> None:
    action = Action.objects.get(title__startswith="Plan Twentse aanpak")
    response = bureau.get(admin_url(Action, "change", action.pk))
    form = response.context["adminform"].form
    assert [label for _value, label in form.fields["due_quarter"].choices] == ["–", "Q1", "Q2", "Q3", "Q4"]
    # The Meerjarenstrategie 2022-2025, and the year after it that a plan may still prepare.
    assert [label for _value, label in form.fields["due_year"].choices] == ["–", "2022", "2023", "2024", "2025", "2026"]
    assertContains(response, '<option value="3" selected>Q3</option>', html=True)


@pytest.mark.parametrize(
    ("year", "quarter", "error"),
    [
        ("2031", "2", "Selecteer een geldige keuze. 2031 is geen beschikbare keuze."),
        ("2024", "5", "Selecteer een geldige keuze. 5 is geen beschikbare keuze."),
        ("", "2", "Geef bij een kwartaal ook het jaar."),
    ],
)
def test_a_due_moment_outside_the_lists_is_refused(bureau: Client, year: str, quarter: str, error: str) -> None:
    action = Action.objects.get(title__startswith="Plan Twentse aanpak")
    url = admin_url(Action, "change", action.pk)
    data = admin_post_data(bureau.get(url))
    response = bureau.post(url, {**data, "due_year": year, "due_quarter": quarter})
    assert response.status_code == 200
    assertContains(response, error)
    action.refresh_from_db()
    assert (action.due_year, action.due_quarter) == (2024, 3)


def test_a_due_year_is_saved_as_chosen(bureau: Client) -> None:
    action = Action.objects.get(title__startswith="Plan Twentse aanpak")
    url = admin_url(Action, "change", action.pk)
    data = admin_post_data(bureau.get(url))
    assert bureau.post(url, {**data, "due_year": "2025", "due_quarter": "1"}).status_code == 302
    action.refresh_from_db()
    assert action.due_label == "Q1 2025"


# Words and long actions -----------------------------------------------------------------------------


def test_the_admin_start_page_has_one_meaning_of_mijn_acties(bureau: Client) -> None:
    response = bureau.get("/admin/")
    assertNotContains(response, "Mijn acties")
    assertContains(response, "Laatst gewijzigd")


def test_a_coordinator_sees_no_second_mijn_acties_in_the_admin(plan_2024: AnnualPlan) -> None:
    coordinator = logged_in(role_user("coordinator-desk", COORDINATOR, districts=["twente"]))
    for url in ("/admin/", admin_url(Action, "changelist")):
        assertNotContains(coordinator.get(url), "Mijn acties")


def test_making_next_years_plan_says_that_it_is_busy(bureau: Client, plan_2024: AnnualPlan) -> None:
    response = bureau.post(
        admin_url(AnnualPlan, "changelist"), {"action": "create_next_year_plan", "_selected_action": [plan_2024.pk]}
    )
    assertContains(response, 'data-busy="Bezig: het jaarplan wordt gekopieerd…"')
    assertContains(response, 'class="busy-note" role="status" hidden')
    assertContains(response, "/static/js/busy-forms.js")


def test_an_action_is_found_by_its_number(bureau: Client) -> None:
    assert listed(bureau, q="3.2.2-4") == ["Internationaal ondermijningsbeeld Enschede, Losser en Gronau"]
    assert len(listed(bureau, q="3.2")) == 6  # the actions of Twente's chapter: 3.2.1 and 3.2.2
    assert autocomplete(bureau, "progressupdate", "action", "2.2-1") == [
        "2.2-1 Weerbaarheidsscan voor alle aangemelde gemeenten en de provincie Overijssel (2024)"
    ]
