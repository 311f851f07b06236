"""Shared fixtures: a logged-in bureau superuser, and helpers to post through the real admin forms."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django import forms
from django.db import connection
from django.db.models import Model
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse


@pytest.fixture(autouse=True)
def no_bodies_from_earlier_tests() -> None:
    """Each test rolls its database back, so ids and with them data versions recur: start without the
    page bodies the previous test left in this process's memory (reports.views.recent_bodies)."""
    from reports.views import recent_bodies

    recent_bodies.clear()


@pytest.fixture
def bureau_admin(django_user_model: Any) -> Any:
    return django_user_model.objects.create_superuser(username="bureau", email="bureau@riec.test", password="geheim")


@pytest.fixture
def bureau_client(client: Client, bureau_admin: Any) -> Client:
    """A browser session of RIEC-bureau staff with every right in the admin."""
    client.force_login(bureau_admin)
    return client


def admin_url(model: type[Model] | Model, view: str, *args: Any) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def _form_values(form: forms.BaseForm) -> dict[str, Any]:
    """What the browser would post for a form as rendered: initial or bound values, by prefixed name."""
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        key = form.add_prefix(name)
        if isinstance(field, forms.BooleanField):
            if value:
                data[key] = "on"
        elif value is None:
            data[key] = ""
        elif isinstance(value, list | tuple):
            data[key] = [str(item) for item in value]
        elif isinstance(value, datetime.date):
            data[key] = value.isoformat()
        else:
            data[key] = str(value)
    return data


def admin_post_data(response: HttpResponse) -> dict[str, Any]:
    """The POST data of an admin add or change page: the main form and every inline's existing rows.

    Management forms come from the page itself; the extra (empty) rows are left out, add rows
    with `add_inline_row`.
    """
    context = response.context  # type: ignore[attr-defined]
    data = _form_values(context["adminform"].form)
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_values(formset.management_form))
        data[f"{formset.prefix}-TOTAL_FORMS"] = str(formset.initial_form_count())
        for form in formset.initial_forms:
            data.update(_form_values(form))
    return data


def add_inline_row(data: dict[str, Any], prefix: str, **values: Any) -> None:
    """Add one new row to the inline with `prefix`, as the "add another" link does."""
    key = f"{prefix}-TOTAL_FORMS"
    assert key in data, f"the page has no inline {prefix!r}"
    index = int(data[key])
    for name, value in values.items():
        data[f"{prefix}-{index}-{name}"] = str(value)
    data[key] = str(index + 1)


@pytest.fixture
def count_queries() -> Callable[[Client, str], tuple[HttpResponse, int]]:
    def get(client: Client, url: str) -> tuple[HttpResponse, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return response, len(queries)

    return get
