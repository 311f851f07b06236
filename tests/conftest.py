"""Shared fixtures: the Jaarplan 2024, users in a role, a logged-in bureau superuser, and helpers to
post through the real admin forms."""

from __future__ import annotations

import datetime
import functools
import inspect
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Model
from django.db.models.signals import post_save
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from districts.models import District
from reports.views import recent_bodies
from strategy import services
from strategy.models import AnnualPlan
from strategy.services import load_published_plan

# The Jaarplan 2024 ---------------------------------------------------------------------------------
#
# Loading the published plan takes seconds, so a module loads it once (`plan_2024`): inside a
# transaction that stays open for the module and is rolled back at its end. Each test's own
# transaction (pytest-django's `db`) is then a savepoint in it, so whatever a test changes is gone
# for the next test, and no test sees the plan without asking for it: within a module, the tests
# that do not ask for it run first (see `pytest_collection_modifyitems`).
#
# Transactional tests (`transaction=True`, the live server) commit and flush the database, and
# PDFs are never rendered inside a transaction: those tests load their own copy with
# `fresh_plan_2024`.


def load_plan_2024() -> None:
    """Load the Jaarplan 2024 as published (fixtures/jaarplan_2024.json) and adopted, as `make run` does
    (`manage.py load_plan`, strategy.services.load_published_plan): the one loader of the tests."""
    assert load_published_plan() is not None, "the Jaarplan 2024 was already in the database"


def reopened(plan: Any, *, reason: str = "Test bewerkt de inhoud van het jaarplan") -> Any:
    """The plan reopened by the RIEC-bureau (strategy.services.reopen_plan), so its content can be edited.

    The published plan loads as adopted, and an adopted plan is read-only; a test that edits the
    plan's content (sections, actions, budget lines...) works on it reopened, as the bureau would.
    """
    bureau, _ = get_user_model().objects.get_or_create(
        username="bureau-heropent", defaults={"is_staff": True, "is_superuser": True}
    )
    return services.reopen_plan(plan=plan, user=bureau, reason=reason)


MODULE_PLAN = "_plan_2024_for_the_module"


class _ModulePlan:
    """Whether a module's plan transaction is open, so a test that did not ask for the plan can be stopped."""

    open_in: str | None = None


@pytest.fixture(scope="module")
def _plan_2024_for_the_module(
    request: pytest.FixtureRequest, django_db_setup: None, django_db_blocker: Any
) -> Iterator[None]:
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            load_plan_2024()
        except BaseException as error:
            outer.__exit__(type(error), error, error.__traceback__)
            raise
    _ModulePlan.open_in = request.node.nodeid
    yield
    _ModulePlan.open_in = None
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def plan_2024(_plan_2024_for_the_module: None, db: None) -> Any:
    """The Jaarplan 2024, loaded once for the module; what a test changes is rolled back after it."""
    return AnnualPlan.objects.get(year=2024)


@pytest.fixture
def editable_plan_2024(plan_2024: Any) -> Any:
    """The Jaarplan 2024 reopened (a concept again), for tests that edit its content; rolled back after."""
    return reopened(plan_2024)


@pytest.fixture
def fresh_plan_2024() -> Any:
    """The Jaarplan 2024 loaded for this test alone, in the test's own database mode.

    For transactional tests, whose data must be committed: the live server reads it over its own
    connection, and PDFs are rendered outside any transaction.
    """
    load_plan_2024()
    return AnnualPlan.objects.get(year=2024)


def _is_transactional(item: pytest.Item) -> bool:
    """As pytest-django decides it: a `transaction=True` marker, or a transactional fixture."""
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return bool(marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))) or (
        "transactional_db" in fixtures or "live_server" in fixtures
    )


def _kind(item: pytest.Item) -> int:
    """Where a test runs within its module: transactional tests first (they commit and flush), then the
    tests without a database or with an empty one, then those with the module's plan."""
    fixtures = getattr(item, "fixturenames", ())
    if _is_transactional(item):
        return 0
    if MODULE_PLAN in fixtures:
        return 2
    return 1


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each module's tests run together, in the order of `_kind`: the module's plan transaction opens at
    its first test that asks for it and stays open until the module ends, so the tests after it must want
    it. Together, because pytest-xdist (`make test`) sends a worker all tests of a module at once.

    Transactional tests go first: they leave an emptied database behind, with what `flush` makes again
    (permissions, the role groups of core.roles), which is what the next tests start from anyway.
    """
    for item in items:
        if MODULE_PLAN in getattr(item, "fixturenames", ()) and _is_transactional(item):
            raise pytest.UsageError(
                f"{item.nodeid}: a transactional test cannot use the module's plan_2024; use fresh_plan_2024"
            )
    modules: dict[Any, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(item.path, []).append(item)
    items[:] = [item for run in modules.values() for item in sorted(run, key=_kind)]


@pytest.fixture(autouse=True)
def _no_cache_after_a_flush(request: pytest.FixtureRequest, django_db_blocker: Any) -> Iterator[None]:
    """A transactional test ends with a flush of the tables; the cache lives in a table of its own
    (core migration 0002), which a flush leaves alone: empty it too, so no later test meets what this
    one cached (a throttle, a rate limit, a page body)."""
    yield
    if _is_transactional(request.node):
        with django_db_blocker.unblock():
            cache.clear()


@pytest.fixture(autouse=True)
def _no_plan_without_asking(request: pytest.FixtureRequest) -> None:
    if _ModulePlan.open_in and MODULE_PLAN not in request.fixturenames:
        pytest.fail(f"the plan of {_ModulePlan.open_in} is still loaded in a test that did not ask for it")


# Users -------------------------------------------------------------------------------------------
#
# Every account that logs in with a password needs a second factor (accounts.login), so every
# account a test makes gets one: an authenticator app (TOTP) with TEST_TOTP_SECRET, as if the user
# had set it up. A test about an account without one removes it with `without_second_factor`.

TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret: str = TEST_TOTP_SECRET) -> str:
    """The code an authenticator app shows now for `secret`."""
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def _give_second_factor(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        TOTP.activate(instance, TEST_TOTP_SECRET)


@pytest.fixture(scope="session", autouse=True)
def _test_accounts_have_a_second_factor() -> Iterator[None]:
    user_model = get_user_model()
    post_save.connect(_give_second_factor, sender=user_model, dispatch_uid="tests.second_factor")
    yield
    post_save.disconnect(sender=user_model, dispatch_uid="tests.second_factor")


def without_second_factor(user: Any) -> Any:
    """The account as it is before its user set up a second factor."""
    Authenticator.objects.filter(user=user).delete()
    return user


def role_user(username: str, role: str | None = None, *, districts: Iterable[Any] = (), **fields: Any) -> Any:
    """A user in one role (core.roles BUREAU, STEERING_GROUP, COORDINATOR, or none), coordinator of
    `districts` (District objects or slugs).

    Staff unless `is_staff=False` is given; other `fields` (password, first_name...) go to create_user.
    """
    fields.setdefault("is_staff", True)
    user = get_user_model().objects.create_user(username=username, **fields)
    if role:
        user.groups.add(Group.objects.get(name=role))
    for district in districts:
        (district if isinstance(district, District) else District.objects.get(slug=district)).coordinators.add(user)
    return user


def logged_in(user: Any) -> Client:
    """A browser session of `user`."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def no_bodies_from_earlier_tests() -> None:
    """Each test rolls its database back, so ids and with them data versions recur: start without the
    page bodies the previous test left in this process's memory (reports.views.recent_bodies)."""
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


# --- Markers: which tests need what (`make test-fast` leaves out browser, pdf and subprocess) ---------
#
# Registered in pyproject.toml (--strict-markers). Given here by rule, so a new test gets them without
# anyone remembering:
#   browser     every test under tests/e2e/, and any test that uses playwright's `page` fixture;
#   subprocess  every test in a module that imports `subprocess` or tests.core.processes (it starts
#               run_worker, gunicorn, manage.py or another process);
#   pdf         every test in a module whose name says "pdf", and any test whose own source asks for a
#               PDF (a `.pdf` address, render_pdf, frozen_pdf or pdf_problems), or whose parameters
#               hold a `.pdf` address (a walk over pages): in the tests the
#               queue runs at once, so asking for a PDF renders it with WeasyPrint;
#   postgres    not by rule: the modules that need PostgreSQL mark themselves (`pytest.mark.postgres`).
# Where a rule cannot see it (a PDF rendered inside a fixture or a helper), the test is marked by hand.

_PDF_IN_SOURCE = re.compile(r"\.pdf\b|render_pdf|frozen_pdf|pdf_problems")
_PROCESS_IMPORT = re.compile(
    r"^\s*(?:import subprocess|from subprocess |from tests\.core\.processes |from tests\.core import processes)", re.M
)


@functools.cache
def _module_starts_processes(path: Path) -> bool:
    return bool(_PROCESS_IMPORT.search(path.read_text(encoding="utf-8")))


def _asks_for_a_pdf(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    if callspec is not None and any(".pdf" in str(value) for value in callspec.params.values()):
        return True  # a parametrized walk over pages, a PDF among them
    function = getattr(item, "function", None)
    if function is None:
        return False
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return False
    return bool(_PDF_IN_SOURCE.search(source))


class _MarkerRules:
    @pytest.hookimpl(tryfirst=True)  # before `-m` deselects (the mark plugin's own hook)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            path = Path(item.path)
            fixtures = getattr(item, "fixturenames", ())
            if "e2e" in path.parts or "page" in fixtures:
                item.add_marker(pytest.mark.browser)
            if _module_starts_processes(path):
                item.add_marker(pytest.mark.subprocess)
            if "pdf" in path.stem or _asks_for_a_pdf(item):
                item.add_marker(pytest.mark.pdf)


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(_MarkerRules(), "riec-plan-marker-rules")


@pytest.fixture
def reader(django_user_model: Any, client: Client) -> Client:
    """`client`, logged in as a user without any role or staff status ("lezer", first name Lea): reading
    the plan, the budget and the dashboard needs only a login."""
    client.force_login(django_user_model.objects.create_user(username="lezer", password="x", first_name="Lea"))
    return client
