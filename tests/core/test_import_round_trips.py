"""Export -> import of every kind of data changes nothing: every row "ongewijzigd", nothing written.

Progress updates are named by action, date and author, so reading an export back neither duplicates
them nor makes the importing user their author; a changed update keeps its author.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db.models import Model

from budget.models import CostLine, FundingSource, Spending
from budget.resources import CostLineResource, FundingSourceResource, SpendingResource
from core import clock
from districts.models import BaselineAssessment, BaselineNorm, Municipality
from districts.resources import BaselineAssessmentResource, MunicipalityResource
from strategy.models import Action, ProgressUpdate, Status
from strategy.resources import ActionResource, ProgressUpdateResource
from tests.conftest import reopened
from tests.support.imports import confirm, csv_file, export, read_csv, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan_2024(plan_2024: Any) -> Any:
    """The 2024 plan reopened, a concept again (it loads as adopted): these imports change its content."""
    return reopened(plan_2024)


TODAY = datetime.date(2024, 5, 14)
KINDS = [
    (Action, ActionResource),
    (ProgressUpdate, ProgressUpdateResource),
    (CostLine, CostLineResource),
    (FundingSource, FundingSourceResource),
    (Spending, SpendingResource),
    (Municipality, MunicipalityResource),
    (BaselineAssessment, BaselineAssessmentResource),
]


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def data(plan_2024: Any, django_user_model: Any) -> Any:
    """Progress (two authors and one without), spending and assessments besides the plan's own rows."""
    author = django_user_model.objects.create_user(username="coordinator-twente")
    for n, action in enumerate(Action.objects.filter(section__plan=plan_2024).order_by("pk")[:5]):
        ProgressUpdate.objects.create(
            action=action,
            date=datetime.date(2024, 4, 1 + n),
            status=Status.DONE if n == 0 else Status.ON_TRACK,
            percentage=100 if n == 0 else 40 + n,
            narrative=f"Voortgang {n}: gesprekken gevoerd.",
            author=author if n % 2 == 0 else None,
        )
    norm = BaselineNorm.objects.filter(district_plan__plan=plan_2024).select_related("district_plan__district").first()
    assert norm is not None
    for day, municipality in enumerate(norm.district_plan.district.municipalities.order_by("name")[:3], start=1):
        BaselineAssessment.objects.create(
            municipality=municipality,
            norm=norm,
            assessed_on=datetime.date(2024, 3, day),
            status=BaselineAssessment.Status.PARTLY,
            note="Deels op orde.",
        )
    for quarter in (1, 2):
        Spending.objects.create(
            cost_line=CostLine.objects.filter(plan=plan_2024).order_by("pk").first(),
            year=2024,
            quarter=quarter,
            amount=12_345 * quarter,
        )
    return author


def stored(model: type[Model]) -> list[dict[str, Any]]:
    return list(model._default_manager.order_by("pk").values())


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("model", "resource"), KINDS, ids=[model.__name__ for model, _ in KINDS])
def test_every_models_round_trip_is_unchanged(bureau_client, data, model, resource, fmt) -> None:
    before, records = stored(model), model.history.count()  # type: ignore[attr-defined]
    assert before  # something to round-trip
    exported = export(bureau_client, model, resource, fmt).content
    preview = upload(bureau_client, model, exported, fmt)
    assert preview.context["result"].errors == []
    totals = preview.context["result"].totals
    assert (totals["new"], totals["update"], totals["skip"]) == (0, 0, len(before))
    response = confirm(bureau_client, preview)
    assert response.status_code == 302
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "er is niets veranderd" in message
    assert stored(model) == before  # no duplicates, authors kept, no new versions
    assert model.history.count() == records  # type: ignore[attr-defined]


def test_a_changed_progress_update_keeps_its_author_and_a_new_one_is_the_importers(
    bureau_client, bureau_admin, data
) -> None:
    rows = read_csv(export(bureau_client, ProgressUpdate, ProgressUpdateResource).content)
    header, first = rows[0], rows[1]
    narrative, author = header.index("Toelichting"), header.index("Auteur")
    assert first[author] == "coordinator-twente"
    changed = [*first]
    changed[narrative] = "Bijgewerkt door het bureau."
    added = [*first]
    added[header.index("Datum")] = "2024-05-02"
    added[author] = "coordinator-twente"  # a file cannot make someone else the author of a new update
    count = ProgressUpdate.objects.count()

    preview = upload(bureau_client, ProgressUpdate, csv_file([header, changed, added]))
    totals = preview.context["result"].totals
    assert (totals["new"], totals["update"]) == (1, 1)
    assert confirm(bureau_client, preview).status_code == 302

    assert ProgressUpdate.objects.count() == count + 1
    updated = ProgressUpdate.objects.get(narrative="Bijgewerkt door het bureau.")
    assert updated.author == data  # the coordinator still wrote it
    assert updated.history.first().history_user == bureau_admin  # the bureau changed it
    new = ProgressUpdate.objects.get(date=datetime.date(2024, 5, 2))
    assert new.author == bureau_admin
