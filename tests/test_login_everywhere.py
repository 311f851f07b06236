"""Every page needs a login: walk every URL the project serves and ask for it without one.

New URLs are covered automatically; only the pages in PUBLIC may answer without a login.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import LocalePrefixPattern, RegexPattern, RoutePattern

pytestmark = pytest.mark.django_db

# The only views that answer without a login (marked login_not_required): the load balancer's health
# check and the worker's (core.worker, ages only), security.txt (RFC 9116), and logging in: the login
# page (the admin's sends there), its second-factor step, logging out, the page for an inactive
# account, and single sign-on (the provider's login and callback, a cancelled login, and the sign-up
# step, which stays closed unless OIDC_CREATE_ACCOUNTS is on).
PUBLIC = {
    "/health/",
    "/health/worker/",
    "/.well-known/security.txt",
    "/inloggen/",
    "/uitloggen/",
    "/admin/login/",
    "/account/tweede-factor/authenticate/",
    "/account/inactief/",
    "/account/oidc/1/login/",
    "/account/oidc/1/login/callback/",
    "/account/sso/login/cancelled/",
    "/account/sso/signup/",
}

# Sample values by converter (routes) or group name (regexes); anything else becomes "1".
SAMPLES = {"slug": "twente", "year": "2024", "quarter": "1", "digest": "0123456789abcdef", "extension": "png"}


def sample_path(pattern: RoutePattern | RegexPattern | LocalePrefixPattern) -> str:
    """An address matching `pattern` (a route like 'acties/<int:pk>/' or a regex), with sample values."""
    if isinstance(pattern, RegexPattern):
        # Every group, named or not, becomes a sample value for its name; then drop the anchors.
        path = re.sub(r"\((?:\?P<(\w+)>)?[^()]*\)", lambda m: SAMPLES.get(m.group(1) or "", "1"), pattern.regex.pattern)
        return path.removeprefix("^").removesuffix("$").removesuffix("\\Z").replace("\\", "")
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES.get(m.group(1) or "str", "1"), str(pattern))


def all_paths(resolver: URLResolver | None = None, prefix: str = "/") -> Iterator[tuple[str, URLPattern]]:
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        path = prefix + sample_path(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from all_paths(entry, path)
        else:
            yield path, entry


PATHS = sorted({path: entry for path, entry in all_paths()}.items())


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
