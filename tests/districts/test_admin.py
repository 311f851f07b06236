"""The admin of the districts app: every page opens, lists stay cheap, bad input is refused in Dutch."""

from __future__ import annotations

from typing import Any

import factory
import pytest
from pytest_django.asserts import assertContains

from districts.models import (
    BaselineAssessment,
    BaselineNorm,
    CommonThreadsReport,
    Development,
    District,
    DistrictFocusTheme,
    DistrictPlan,
    FocusTheme,
    Municipality,
    Province,
    ResilienceScan,
)
from tests.conftest import add_inline_row, admin_post_data, admin_url
from tests.districts.factories import (
    BaselineAssessmentFactory,
    BaselineNormFactory,
    CommonThreadsReportFactory,
    DevelopmentFactory,
    DistrictFactory,
    DistrictFocusThemeFactory,
    DistrictPlanFactory,
    FocusThemeFactory,
    MunicipalityFactory,
    ResilienceScanFactory,
)

pytestmark = pytest.mark.django_db

FACTORIES: dict[type[Any], type[factory.django.DjangoModelFactory]] = {
    District: DistrictFactory,
    Municipality: MunicipalityFactory,
    FocusTheme: FocusThemeFactory,
    DistrictPlan: DistrictPlanFactory,
    DistrictFocusTheme: DistrictFocusThemeFactory,
    Development: DevelopmentFactory,
    BaselineNorm: BaselineNormFactory,
    BaselineAssessment: BaselineAssessmentFactory,
    ResilienceScan: ResilienceScanFactory,
    CommonThreadsReport: CommonThreadsReportFactory,
}
NO_DISTRICT_ERROR = "Kies het district waar de gemeente bij hoort."


# Municipalities ---------------------------------------------------------------------------------------


def test_municipality_changelist_query_count_does_not_grow(
    bureau_client, count_queries, django_assert_max_num_queries
) -> None:
    districts = DistrictFactory.create_batch(3)
    for district in districts:
        MunicipalityFactory(district=district)
    url = admin_url(Municipality, "changelist")
    # session, user; filter choices: districts; count, unfiltered count; the page with the district joined;
    # session save (savepoint, update, release).
    with django_assert_max_num_queries(9):
        bureau_client.get(url)
    _, few = count_queries(bureau_client, url)
    for district in districts:
        MunicipalityFactory.create_batch(9, district=district)
    response, many = count_queries(bureau_client, url)
    assert response.context["cl"].result_count == 30
    assert many == few


def _municipality_data(bureau_client, **values: Any) -> dict[str, Any]:
    data = admin_post_data(bureau_client.get(admin_url(Municipality, "add")))
    data.update(values)
    return data


def test_municipality_added_through_admin(bureau_client) -> None:
    district = DistrictFactory()
    data = _municipality_data(bureau_client, name="Deventer", district=district.pk, province=Province.OVERIJSSEL)

    assert bureau_client.post(admin_url(Municipality, "add"), data).status_code == 302
    assert Municipality.objects.get(name="Deventer").district == district


def test_municipality_in_no_district_is_refused(bureau_client) -> None:
    DistrictFactory()
    data = _municipality_data(bureau_client, name="Deventer", district="", province=Province.OVERIJSSEL)

    response = bureau_client.post(admin_url(Municipality, "add"), data)

    assert response.status_code == 200
    assertContains(response, NO_DISTRICT_ERROR)
    assert response.context["adminform"].form.errors == {"district": [NO_DISTRICT_ERROR]}
    assert not Municipality.objects.exists()


def test_district_page_lists_its_municipalities(bureau_client) -> None:
    district = DistrictFactory()
    MunicipalityFactory(district=district, name="Zwolle")
    MunicipalityFactory(district=district, name="Deventer")
    response = bureau_client.get(admin_url(District, "change", district.pk))
    (municipalities,) = response.context["inline_admin_formsets"]
    assert [form.instance.name for form in municipalities.formset.initial_forms] == ["Deventer", "Zwolle"]


# Basis op orde ----------------------------------------------------------------------------------------


def _make_assessments(count: int) -> None:
    norm = BaselineNormFactory()
    for _ in range(count):
        BaselineAssessmentFactory(norm=norm, municipality=MunicipalityFactory(district=norm.district_plan.district))


def test_assessment_changelist_query_count_does_not_grow(
    bureau_client, count_queries, django_assert_max_num_queries
) -> None:
    _make_assessments(3)
    url = admin_url(BaselineAssessment, "changelist")
    # session, user; filter choices: districts, plans; count, unfiltered count;
    # the page with municipality and norm -> district plan -> district joined; session save (3).
    with django_assert_max_num_queries(10):
        response = bureau_client.get(url)
    assert response.context["cl"].result_count == 3
    _, few = count_queries(bureau_client, url)
    _make_assessments(27)
    response, many = count_queries(bureau_client, url)
    assert response.context["cl"].result_count == 30
    assert many == few


# District plan with its inlines ---------------------------------------------------------------------


def test_district_plan_edits_themes_developments_and_norms_together(bureau_client) -> None:
    district_plan = DistrictPlanFactory()
    DevelopmentFactory(district_plan=district_plan, order=1, title="Bestaand")
    theme = FocusThemeFactory(name="Drugscriminaliteit")
    url = admin_url(DistrictPlan, "change", district_plan.pk)
    response = bureau_client.get(url)
    prefixes = [inline.formset.prefix for inline in response.context["inline_admin_formsets"]]
    assert prefixes == ["focus_entries", "developments", "norms"]
    data = admin_post_data(response)
    add_inline_row(data, "focus_entries", order=1, theme=theme.pk, label="Drugs", text="")
    add_inline_row(data, "developments", order=2, title="Nieuw", body="")
    add_inline_row(data, "norms", order=1, title="Intern meldpunt", description="")

    response = bureau_client.post(url, data)

    assert response.status_code == 302
    assert [d.title for d in district_plan.developments.all()] == ["Bestaand", "Nieuw"]
    assert district_plan.focus_entries.get().display_name == "Drugs"
    assert district_plan.norms.get().title == "Intern meldpunt"


def test_district_plan_refuses_the_same_theme_twice(bureau_client) -> None:
    district_plan = DistrictPlanFactory()
    theme = FocusThemeFactory()
    url = admin_url(DistrictPlan, "change", district_plan.pk)
    data = admin_post_data(bureau_client.get(url))
    add_inline_row(data, "focus_entries", order=1, theme=theme.pk)
    add_inline_row(data, "focus_entries", order=2, theme=theme.pk)

    response = bureau_client.post(url, data)

    assert response.status_code == 200
    assert not DistrictFocusTheme.objects.exists()
