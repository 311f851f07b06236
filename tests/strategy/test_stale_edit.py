"""Two people edit the same section, action or cost line: the stale save is refused, nothing is overwritten."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.db.models import F
from django.test import Client
from pytest_django.asserts import assertContains

from budget.models import CostLine
from core import history
from core.admin_versioning import VersionCheckForm
from strategy.models import Action, PlanSection
from tests.budget.factories import CostLineFactory
from tests.conftest import admin_post_data, admin_url
from tests.strategy.factories import ActionFactory, PlanSectionFactory

pytestmark = pytest.mark.django_db

CONFLICT = "Iemand anders heeft deze"


@pytest.fixture
def second_client(django_user_model: Any) -> Client:
    """A colleague of the bureau in another browser."""
    colleague = django_user_model.objects.create_superuser(username="collega", password="x")
    client = Client()
    client.force_login(colleague)
    return client


def open_form(client: Client, obj: Any) -> dict[str, Any]:
    return admin_post_data(client.get(admin_url(obj, "change", obj.pk)))


def errors_of(response: Any) -> list[str]:
    return list(response.context["adminform"].form.non_field_errors())


def test_second_save_of_a_stale_section_is_refused(bureau_client, second_client) -> None:
    section = PlanSectionFactory(title="Voortgang", body="Oude tekst.")
    url = admin_url(section, "change", section.pk)
    mine, theirs = open_form(bureau_client, section), open_form(second_client, section)
    assert mine["version"] == theirs["version"] == "1"

    assert bureau_client.post(url, {**mine, "title": "Voortgang 2024"}).status_code == 302
    response = second_client.post(url, {**theirs, "body": "Andere tekst."})

    assert response.status_code == 200
    assertContains(response, CONFLICT)
    errors = errors_of(response)
    assert "door bureau op" in errors[0]
    # Per field: the value of the refused form -> the value in the database now.
    assert "Titel: “Voortgang” → “Voortgang 2024”" in errors
    assert "Tekst: “Andere tekst.” → “Oude tekst.”" in errors
    section.refresh_from_db()
    assert (section.title, section.body, section.version) == ("Voortgang 2024", "Oude tekst.", 2)


def test_second_save_of_a_stale_cost_line_is_refused(bureau_client, second_client) -> None:
    line = CostLineFactory(amount=1000)
    url = admin_url(line, "change", line.pk)
    mine, theirs = open_form(bureau_client, line), open_form(second_client, line)

    assert bureau_client.post(url, {**mine, "amount": "2000"}).status_code == 302
    response = second_client.post(url, {**theirs, "amount": "3000"})

    assert response.status_code == 200
    assert "Bedrag (€): “3.000” → “2.000”" in errors_of(response)
    assert CostLine.objects.get(pk=line.pk).amount == 2000


def test_second_save_of_a_stale_action_is_refused(bureau_client, second_client) -> None:
    action = ActionFactory(owner="RIEC-bureau")
    url = admin_url(action, "change", action.pk)
    mine, theirs = open_form(bureau_client, action), open_form(second_client, action)

    assert bureau_client.post(url, {**mine, "owner": "Politie"}).status_code == 302
    response = second_client.post(url, {**theirs, "owner": "Gemeente"})

    assert response.status_code == 200
    assert "Trekker: “Gemeente” → “Politie”" in errors_of(response)
    assert Action.objects.get(pk=action.pk).owner == "Politie"


def test_saving_again_after_reloading_works(bureau_client, second_client) -> None:
    section = PlanSectionFactory(title="Voortgang")
    url = admin_url(section, "change", section.pk)
    theirs = open_form(second_client, section)
    assert bureau_client.post(url, {**open_form(bureau_client, section), "title": "Eerste"}).status_code == 302
    assert second_client.post(url, {**theirs, "title": "Tweede"}).status_code == 200

    assert second_client.post(url, {**open_form(second_client, section), "title": "Tweede"}).status_code == 302
    section.refresh_from_db()
    assert (section.title, section.version) == ("Tweede", 3)


def test_the_version_is_checked_in_the_update_itself() -> None:
    section = PlanSectionFactory()

    assert history.claim_version(PlanSection, section.pk, expected=0) == 0
    assert history.claim_version(PlanSection, section.pk, expected=1) == 1
    assert history.claim_version(PlanSection, section.pk, expected=1) == 0  # the same version cannot win twice
    assert PlanSection.objects.get(pk=section.pk).version == 2
    section.title = "Niet opslaan"
    with pytest.raises(history.StaleVersionError):
        history.save_if_current(section, expected=1)
    assert PlanSection.objects.get(pk=section.pk).title != "Niet opslaan"


def test_a_save_that_loses_the_race_after_validation_is_refused(bureau_client, monkeypatch) -> None:
    # Both saves passed validation at the same moment; the other one's UPDATE landed first.
    # This one's UPDATE then finds no row at the posted version, so nothing is written.
    section = PlanSectionFactory(title="Voortgang")
    url = admin_url(section, "change", section.pk)
    data = {**open_form(bureau_client, section), "title": "Mijn titel"}
    PlanSection.objects.filter(pk=section.pk).update(title="Tussendoor", version=F("version") + 1)
    checks, claims = [], []
    real_check, real_claim = VersionCheckForm._post_clean, history.claim_version

    def check_before_the_other_save(form: Any) -> None:
        checks.append(form)
        # The first validation ran before the other save: it saw the posted version as current.
        return forms.ModelForm._post_clean(form) if len(checks) == 1 else real_check(form)

    def claim(model: Any, pk: Any, expected: int) -> int:
        claims.append(real_claim(model, pk, expected))
        return claims[-1]

    monkeypatch.setattr(VersionCheckForm, "_post_clean", check_before_the_other_save)
    monkeypatch.setattr(history, "claim_version", claim)
    response = bureau_client.post(url, data)

    assert claims == [0]  # the UPDATE ... WHERE version = 1 matched no row
    assert response.status_code == 200
    assert "Titel: “Mijn titel” → “Tussendoor”" in errors_of(response)
    section.refresh_from_db()
    assert (section.title, section.version) == ("Tussendoor", 2)


# Inlines carry the version of each row too -----------------------------------------------------------


def test_stale_action_row_cannot_overwrite_from_the_section_page(bureau_client) -> None:
    # The row was not touched on this page, but its values are those of before the other save:
    # saving them would silently undo that save, so the row is refused as well.
    action = ActionFactory(title="Bibob-scan")
    section = action.section
    section_url = admin_url(section, "change", section.pk)
    data = admin_post_data(bureau_client.get(section_url))
    action_url = admin_url(action, "change", action.pk)
    assert bureau_client.post(action_url, {**open_form(bureau_client, action), "title": "Elders"}).status_code == 302

    response = bureau_client.post(section_url, {**data, "body": "Nieuwe tekst."})

    assert response.status_code == 200
    (inline,) = response.context["inline_admin_formsets"]
    assert "Actie: “Bibob-scan” → “Elders”" in inline.formset.forms[0].non_field_errors()
    assert Action.objects.get(pk=action.pk).title == "Elders"
    assert PlanSection.objects.get(pk=section.pk).body == section.body


def test_unchanged_rows_do_not_block_the_page(bureau_client) -> None:
    action = ActionFactory(title="Bibob-scan")
    section_url = admin_url(action.section, "change", action.section_id)
    data = admin_post_data(bureau_client.get(section_url))
    # Saved elsewhere without changing a value the row shows: the version moved on, the row did not.
    Action.objects.filter(pk=action.pk).update(version=F("version") + 1)

    assert bureau_client.post(section_url, {**data, "body": "Nieuwe tekst."}).status_code == 302
    assert PlanSection.objects.get(pk=action.section_id).body == "Nieuwe tekst."


def test_changed_inline_row_saves_with_its_version(bureau_client) -> None:
    action = ActionFactory(title="Bibob-scan")
    section_url = admin_url(action.section, "change", action.section_id)
    data = admin_post_data(bureau_client.get(section_url))

    assert bureau_client.post(section_url, {**data, "actions-0-title": "Bibob-scan 2.0"}).status_code == 302

    action.refresh_from_db()
    assert (action.title, action.version) == ("Bibob-scan 2.0", 2)
