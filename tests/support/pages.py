"""Every address of the app (a walk over the URL configuration, with sample values) and the public ones."""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import LocalePrefixPattern, RegexPattern, RoutePattern

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
