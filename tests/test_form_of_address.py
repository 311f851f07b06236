"""One form of address on every screen: "u", never "je" (issue 25), and no English words, also on the
screens of django-allauth (login, second factor, single sign-on) and django-simple-history (the admin's
history), whose Dutch comes from our own translations in locale/nl."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from core.roles import BUREAU
from strategy.models import Action
from tests.conftest import logged_in, reopened, role_user, totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "Sterk-wachtwoord-2024"
INFORMAL = re.compile(r"\b(je|jij|jou|jouw|jezelf|jullie)\b", re.I)
# English that the screens showed ("View history: …", "Revert", the second factor's sentences ...).
ENGLISH = re.compile(
    r"\b(the|your|you|please|history|view|revert|changed by|sign in|sign out|are you sure|"
    r"authenticator code|recovery codes?|security keys?|skip to|toggle|close|search|model name|add link)\b",
    re.I,
)


class _Words(HTMLParser):
    """What a user reads or hears: the text, and the attributes a screen reader reads out."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        typed = dict(attrs).get("type") in ("hidden", "text", "password")  # a field's value, not a label
        for name, value in attrs:
            read_out = name in ("aria-label", "title", "alt", "placeholder") or (name == "value" and not typed)
            if value and read_out and not (name == "value" and tag != "input"):
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def words(html: str) -> str:
    parser = _Words()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def problems(client: Client, url: str, **post: Any) -> list[str]:
    # A page that asks to confirm the password first shows that page.
    response = client.post(url, post) if post else client.get(url, follow=True)
    assert response.status_code in (200, 401), (url, response.status_code)
    text = words(response.content.decode())
    found = [f"{url}: {m[0]!r} in …{text[max(0, m.start() - 40) : m.end() + 40]}…" for m in INFORMAL.finditer(text)]
    found += [
        f"{url}: English {m[0]!r} in …{text[max(0, m.start() - 40) : m.end() + 40]}…" for m in ENGLISH.finditer(text)
    ]
    return found


def test_login_logout_and_the_second_factor_say_u() -> None:
    role_user("bureau", BUREAU, password=PASSWORD)
    client = Client()
    found = problems(client, "/inloggen/")
    found += problems(client, "/inloggen/", login="bureau", password="fout")  # the error it shows
    client.post("/inloggen/", {"login": "bureau", "password": PASSWORD})
    found += problems(client, "/account/tweede-factor/authenticate/")
    found += problems(client, "/account/tweede-factor/authenticate/", code="000000")
    client.post("/account/tweede-factor/authenticate/", {"code": totp_code()})
    for url in (
        "/uitloggen/",
        "/account/wachtwoord/",
        "/account/bevestigen/",
        "/account/tweede-factor/",
        "/account/tweede-factor/totp/deactivate/",
        "/account/tweede-factor/recovery-codes/generate/",
        "/account/tweede-factor/webauthn/",
        "/account/tweede-factor/webauthn/add/",
        "/account/sso/login/cancelled/",
        "/account/sso/login/error/",
    ):
        found += problems(client, url)
    assert found == []


def test_setting_up_a_second_factor_says_u() -> None:
    newcomer = role_user("nieuw", BUREAU, password=PASSWORD)
    Authenticator.objects.filter(user=newcomer).delete()
    client = logged_in(newcomer)
    assert problems(client, "/account/tweede-factor/totp/activate/") == []


def test_the_admins_history_pages_are_dutch(plan_2024: Any) -> None:
    reopened(plan_2024)  # the old version's page is the bureau's while the plan may be changed
    client = logged_in(role_user("bureau", BUREAU))
    action = Action.objects.filter(section__plan=plan_2024).order_by("pk").first()
    assert action is not None
    action.title += " (bijgewerkt)"
    action.save()
    record = action.history.order_by("history_id").first()
    base = f"/admin/strategy/action/{action.pk}/history/"
    found = problems(client, base) + problems(client, f"{base}{record.history_id}/")
    assert found == []


def test_the_admins_start_page_and_lists_read_out_dutch(plan_2024: Any) -> None:
    # The start page's hidden table headers and the search box's magnifier are read out by screen readers.
    client = logged_in(role_user("bureau", BUREAU))
    assert problems(client, "/admin/") + problems(client, "/admin/strategy/action/") == []
