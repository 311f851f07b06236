"""Every page needs a login: walk every URL the project serves and ask for it without one.

New URLs are covered automatically; only the pages in PUBLIC may answer without a login.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern

from tests.support.pages import PATHS, PUBLIC

pytestmark = pytest.mark.django_db


def test_the_walk_finds_the_pages_of_every_app() -> None:
    paths = [path for path, _ in PATHS]
    for expected in (
        "/",
        "/jaarplan/1/",
        "/mijn-acties/",
        "/voortgang/2024/Q1.pdf",
        "/jaarplan/1/begroting/",
        "/admin/",
    ):
        assert expected in paths
    assert any(path.startswith("/admin/strategy/plansection/") for path in paths)
    assert len(paths) > 150  # the project's pages plus every admin page of every model


def test_only_the_public_pages_are_marked_as_public() -> None:
    public = {path for path, entry in PATHS if getattr(entry.callback, "login_required", True) is False}
    assert public == PUBLIC


@pytest.mark.parametrize(("path", "entry"), PATHS, ids=[path for path, _ in PATHS])
def test_page_needs_a_login(client: Client, path: str, entry: URLPattern) -> None:
    if path in PUBLIC:
        pytest.skip("public by design")
    response = client.get(path)
    # The admin sends you to its own login page, every other page to /inloggen/; a 404 for a sample
    # address that does not exist would be a leak too, so only a redirect to a login page passes.
    assert response.status_code == 302, f"{path} answered {response.status_code} without a login"
    assert response["Location"].startswith(("/inloggen/?next=", "/admin/login/?next=")), response["Location"]
