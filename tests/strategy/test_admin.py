"""The admin of the strategy app: every page opens, lists stay cheap, bad input is refused in Dutch."""

from __future__ import annotations

from typing import Any

import factory
import pytest
from django.contrib.auth.models import Group
from pytest_django.asserts import assertContains

from core.roles import STEERING_GROUP
from strategy.models import (
    Action,
    AnnualPlan,
    Goal,
    Phenomenon,
    PlanSection,
    ProgrammeLine,
    ProgressUpdate,
    QuarterClose,
    SectionBlock,
    SentReminder,
    Status,
    Strategy,
)
from tests.conftest import add_inline_row, admin_post_data, admin_url
from tests.strategy.factories import (
    ActionFactory,
    AnnualPlanFactory,
    GoalFactory,
    PhenomenonFactory,
    PlanSectionFactory,
    ProgrammeLineFactory,
    ProgressUpdateFactory,
    QuarterCloseFactory,
    SectionBlockFactory,
    SentReminderFactory,
    StrategyFactory,
)

pytestmark = pytest.mark.django_db

FACTORIES: dict[type[Any], type[factory.django.DjangoModelFactory]] = {
    Strategy: StrategyFactory,
    Goal: GoalFactory,
    ProgrammeLine: ProgrammeLineFactory,
    AnnualPlan: AnnualPlanFactory,
    PlanSection: PlanSectionFactory,
    Action: ActionFactory,
    ProgressUpdate: ProgressUpdateFactory,
    Phenomenon: PhenomenonFactory,
    QuarterClose: QuarterCloseFactory,
    SentReminder: SentReminderFactory,
    SectionBlock: SectionBlockFactory,
}
PERCENTAGE_ERROR = "Een percentage ligt tussen 0 en 100."
# A progress update says it the way the update forms on the pages do: one form for admin and pages.
UPDATE_PERCENTAGE_ERROR = "Vul een percentage tussen 0 en 100 in."


# Sections: derived numbers, document order, query count -------------------------------------------


def _make_plan_outline(plan: AnnualPlan) -> None:
    """Chapters 1 and 2, paragraphs 1.1 and 1.2, subparagraph 1.2.1; created out of order."""
    second = PlanSectionFactory(plan=plan, order=20, title="Versterkingsprogramma")
    first = PlanSectionFactory(plan=plan, order=10, title="Voortgang")
    one_two = PlanSectionFactory(plan=plan, parent=first, order=2, title="Gemeenten")
    PlanSectionFactory(plan=plan, parent=one_two, order=1, title="Bibob")
    PlanSectionFactory(plan=plan, parent=first, order=1, title="Casuïstiek")
    PlanSectionFactory(plan=plan, parent=second, order=1, title="Lijn 1")


def test_section_changelist_shows_numbers_in_document_order(bureau_client) -> None:
    plan = AnnualPlanFactory()
    _make_plan_outline(plan)
    PlanSectionFactory(order=1, title="Ander jaarplan")

    response = bureau_client.get(admin_url(PlanSection, "changelist"), {"plan__id__exact": plan.pk})

    rows = [(section.number, section.title) for section in response.context["cl"].result_list]
    assert rows == [
        ("1", "Voortgang"),
        ("1.1", "Casuïstiek"),
        ("1.2", "Gemeenten"),
        ("1.2.1", "Bibob"),
        ("2", "Versterkingsprogramma"),
        ("2.1", "Lijn 1"),
    ]
    assertContains(response, ">1.2.1</a>")
    assertContains(response, ">Bibob</a>")


def _make_sections(plan: AnnualPlan, chapters: int) -> None:
    for _ in range(chapters):
        chapter = PlanSectionFactory(plan=plan, goal=GoalFactory(strategy=plan.strategy))
        PlanSectionFactory(plan=plan, parent=chapter, programme_line=ProgrammeLineFactory(strategy=plan.strategy))


def test_section_changelist_query_count_does_not_grow(bureau_client, count_queries, django_assert_max_num_queries):
    plan = AnnualPlanFactory()
    _make_sections(plan, 3)
    url = admin_url(PlanSection, "changelist")
    # session, user; filter choices: plans, goals; count, unfiltered count; the page (plan, goal, line joined);
    # the skeleton of all shown plans for the numbers; session save (savepoint, update, release).
    with django_assert_max_num_queries(11):
        bureau_client.get(url)
    _, few = count_queries(bureau_client, url)
    _make_sections(plan, 27)
    response, many = count_queries(bureau_client, url)
    assert response.context["cl"].result_count == 60
    assert many == few


def test_plan_page_lists_its_sections_in_document_order_each_linking_to_its_page(bureau_client) -> None:
    plan = AnnualPlanFactory()
    _make_plan_outline(plan)
    PlanSectionFactory(order=1, title="Ander jaarplan")

    response = bureau_client.get(admin_url(AnnualPlan, "change", plan.pk))

    assert [(s.number, s.title) for s in response.context["sections"]] == [
        ("1", "Voortgang"),
        ("1.1", "Casuïstiek"),
        ("1.2", "Gemeenten"),
        ("1.2.1", "Bibob"),
        ("2", "Versterkingsprogramma"),
        ("2.1", "Lijn 1"),
    ]
    # A table of contents, not 45 rows of form fields: each section is edited on its own page.
    assert response.context["inline_admin_formsets"] == []
    bibob = PlanSection.objects.get(plan=plan, title="Bibob")
    assertContains(response, f'<a href="{admin_url(bibob, "change", bibob.pk)}">Bibob</a>', html=True)
    assertContains(response, "Inhoudsopgave (6 paragrafen)")
    assert "Ander jaarplan" not in response.content.decode()


def test_the_bureau_adds_a_section_from_the_plan_page(bureau_client) -> None:
    plan = AnnualPlanFactory()
    chapter = PlanSectionFactory(plan=plan, order=1)
    page = bureau_client.get(admin_url(AnnualPlan, "change", plan.pk)).content.decode()
    add_url = f"{admin_url(PlanSection, 'add')}?plan={plan.pk}"
    assert f'href="{add_url}"' in page.replace("&amp;", "&")

    form = bureau_client.get(add_url).context["adminform"].form
    assert str(form["plan"].value()) == str(plan.pk)  # the plan is filled in
    data = {"plan": plan.pk, "parent": chapter.pk, "order": 1, "title": "Nieuwe paragraaf", "slug": "nieuw"}
    data.update({"table": "", "body": "", "actions-TOTAL_FORMS": 0, "actions-INITIAL_FORMS": 0})
    assert bureau_client.post(admin_url(PlanSection, "add"), data).status_code == 302
    assert plan.sections.get(slug="nieuw").number == "1.1"


def test_the_stuurgroep_reads_the_outline_without_an_add_link(client, django_user_model) -> None:
    plan = AnnualPlanFactory()
    PlanSectionFactory(plan=plan, order=1, title="Voortgang")
    reader = django_user_model.objects.create_user(username="stuurgroep", is_staff=True)
    reader.groups.add(Group.objects.get(name=STEERING_GROUP))
    client.force_login(reader)
    response = client.get(admin_url(AnnualPlan, "change", plan.pk))
    assert response.status_code == 200
    assertContains(response, ">Voortgang</a>")
    assert "Paragraaf toevoegen" not in response.content.decode()


def test_plan_page_query_count_does_not_grow_with_the_sections(
    bureau_client, count_queries, django_assert_max_num_queries
) -> None:
    plan = AnnualPlanFactory()
    _make_sections(plan, 2)
    url = admin_url(AnnualPlan, "change", plan.pk)
    # session, user; the plan (for adopt and reopen) and once more for the form; the outline of the
    # sections (one query, numbered in Python); the strategy shown in its autocomplete field; the
    # content type of the plan (cached after the first request). Before: a query per section row.
    with django_assert_max_num_queries(7):
        bureau_client.get(url)
    _, few = count_queries(bureau_client, url)
    _make_sections(plan, 28)
    response, many = count_queries(bureau_client, url)
    assert len(response.context["sections"]) == 60
    assert many == few


# Actions --------------------------------------------------------------------------------------------


def _make_actions(plan: AnnualPlan, count: int) -> None:
    section = PlanSectionFactory(plan=plan)
    for _ in range(count):
        action = ActionFactory(section=section, goal=GoalFactory(strategy=plan.strategy))
        ProgressUpdateFactory(action=action, status=Status.AT_RISK)


def test_action_changelist_query_count_does_not_grow(bureau_client, count_queries, django_assert_max_num_queries):
    plan = AnnualPlanFactory()
    _make_actions(plan, 3)
    url = admin_url(Action, "changelist")
    # session, user; filter choices: plans, goals, lines, due years, due quarters; count, unfiltered count;
    # the page (section and plan joined); the progress updates of the page (one prefetch);
    # session save (savepoint, update, release).
    with django_assert_max_num_queries(14):
        response = bureau_client.get(url)
    assertContains(response, '<td class="field-current_status">risico</td>', count=3, html=True)
    _, few = count_queries(bureau_client, url)
    _make_actions(plan, 27)
    response, many = count_queries(bureau_client, url)
    assert response.context["cl"].result_count == 30
    assert many == few


def test_progress_update_added_in_action_inline_gets_author(bureau_client, bureau_admin) -> None:
    action = ActionFactory()
    url = admin_url(Action, "change", action.pk)
    data = admin_post_data(bureau_client.get(url))
    add_inline_row(
        data,
        "updates",
        date=f"{action.section.plan.year}-04-01",
        status=Status.ON_TRACK,
        percentage=40,
        narrative="Gestart.",
    )

    response = bureau_client.post(url, data)

    assert response.status_code == 302
    update = action.updates.get()
    assert (update.percentage, update.author) == (40, bureau_admin)


def test_negative_percentage_in_action_inline_is_refused(bureau_client) -> None:
    action = ActionFactory()
    ProgressUpdateFactory(action=action)
    url = admin_url(Action, "change", action.pk)
    data = admin_post_data(bureau_client.get(url))
    add_inline_row(
        data, "updates", date=f"{action.section.plan.year}-04-01", status=Status.ON_TRACK, percentage=-5, narrative=""
    )

    response = bureau_client.post(url, data)

    assert response.status_code == 200
    assertContains(response, UPDATE_PERCENTAGE_ERROR)
    assert ProgressUpdate.objects.count() == 1


def test_negative_percentage_in_progress_update_form_is_refused(bureau_client) -> None:
    action = ActionFactory(section__plan__year=2024)
    url = admin_url(ProgressUpdate, "add")
    data = admin_post_data(bureau_client.get(url))
    data.update(action=action.pk, date="2024-04-01", status=Status.ON_TRACK, percentage="-5")

    response = bureau_client.post(url, data)

    assert response.status_code == 200
    assertContains(response, UPDATE_PERCENTAGE_ERROR)
    assert response.context["adminform"].form.errors == {"percentage": [UPDATE_PERCENTAGE_ERROR]}
    assert not ProgressUpdate.objects.exists()


# Annual plans ---------------------------------------------------------------------------------------


def _plan_add_data(bureau_client, **values: Any) -> dict[str, Any]:
    data = admin_post_data(bureau_client.get(admin_url(AnnualPlan, "add")))
    data.update(values)
    return data


def test_plan_added_through_admin(bureau_client) -> None:
    strategy = StrategyFactory(start_year=2022, end_year=2025)
    data = _plan_add_data(bureau_client, strategy=strategy.pk, year="2025", title="Jaarplan 2025")

    response = bureau_client.post(admin_url(AnnualPlan, "add"), data)

    assert response.status_code == 302
    plan = AnnualPlan.objects.get(year=2025)
    assert (plan.status, plan.price_compensation) == (AnnualPlan.Status.CONCEPT, 0)


def test_negative_price_compensation_is_refused(bureau_client) -> None:
    strategy = StrategyFactory(start_year=2022, end_year=2025)
    data = _plan_add_data(
        bureau_client, strategy=strategy.pk, year="2025", title="Jaarplan 2025", price_compensation="-1"
    )

    response = bureau_client.post(admin_url(AnnualPlan, "add"), data)

    assert response.status_code == 200
    assertContains(response, PERCENTAGE_ERROR)
    assert not AnnualPlan.objects.exists()


def test_second_plan_for_the_same_year_is_refused(bureau_client) -> None:
    existing = AnnualPlanFactory(year=2024)
    data = _plan_add_data(bureau_client, strategy=existing.strategy_id, year="2024", title="Nog een jaarplan")

    response = bureau_client.post(admin_url(AnnualPlan, "add"), data)

    assert response.status_code == 200
    assertContains(response, "Er bestaat al een jaarplan voor dit jaar.")
    assert AnnualPlan.objects.count() == 1


def test_adopted_plan_is_read_only_even_for_the_bureau(bureau_client) -> None:
    plan = AnnualPlanFactory(status=AnnualPlan.Status.ADOPTED, adopted_on="2024-01-20")
    year, title = plan.year, plan.title
    url = admin_url(AnnualPlan, "change", plan.pk)
    response = bureau_client.get(url)
    assert response.status_code == 200
    assert not response.context["has_change_permission"]

    assert bureau_client.post(url, {"year": year + 1, "title": "Gewijzigd"}).status_code == 403
    plan.refresh_from_db()
    assert (plan.year, plan.title) == (year, title)


def test_status_is_not_a_form_field(bureau_client) -> None:
    # Adopting and reopening go through their own screens, so each change is recorded.
    plan = AnnualPlanFactory()
    response = bureau_client.get(admin_url(AnnualPlan, "change", plan.pk))
    form = response.context["adminform"].form
    assert "status" not in form.fields and "adopted_on" not in form.fields
