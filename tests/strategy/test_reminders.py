"""send_reminders: one digest per coordinator with the own district's actions lacking an update,
14 and 7 days before a quarter ends and 1 and 7 days after; a second run the same day sends nothing.
Checked with Django's locmem backend and with a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import datetime
import email
import email.policy
import socket
from collections.abc import Iterator
from io import StringIO
from typing import Any

import environ
import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import override_settings

from core import clock
from core.roles import BUREAU, COORDINATOR
from districts.models import District
from strategy import services
from strategy.models import Action, AnnualPlan, SentReminder, Status
from tests.conftest import role_user
from tests.strategy.factories import ProgressUpdateFactory

pytestmark = pytest.mark.django_db


def district_actions(slug: str) -> list[Action]:
    return list(District.objects.get(slug=slug).plans.get(plan__year=2024).actions())


@pytest.fixture
def people(plan_2024: AnnualPlan) -> dict[str, Any]:
    return {
        "twente": role_user(
            "coord-twente", COORDINATOR, districts=["twente"], email="twente@riec.test", first_name="Tess"
        ),
        "ijsselland": role_user("coord-ijsselland", COORDINATOR, districts=["ijsselland"], email="ijs@riec.test"),
        # A coordinator without an e-mail address: listed in the output, not skipped silently.
        "zuid": role_user("coord-zuid", COORDINATOR, districts=["gelderland-zuid"]),
        # The bureau gets no digest.
        "bureau": role_user("bureau", BUREAU, email="bureau@riec.test"),
    }


def run(day: str) -> str:
    out = StringIO()
    call_command("send_reminders", "--date", day, stdout=out)
    return out.getvalue()


def test_one_digest_per_coordinator_and_a_second_run_sends_nothing(people: dict[str, Any]) -> None:
    twente = district_actions("twente")
    # Twente: the first action updated this quarter, the second finished last quarter: neither is listed.
    ProgressUpdateFactory(action=twente[0], date=datetime.date(2024, 5, 2))
    ProgressUpdateFactory(action=twente[1], date=datetime.date(2024, 3, 2), status=Status.DONE, percentage=100)
    lacking = twente[2:]

    output = run("2024-06-17")
    assert len(mail.outbox) == 2
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"twente@riec.test", "ijs@riec.test"}
    digest = by_recipient["twente@riec.test"]
    assert digest.subject == f"Voortgang Q2 2024: {len(lacking)} acties van Twente zonder update"
    assert "Kwartaal 2 2024 eindigt over 14 dagen, op 30 juni 2024." in digest.body
    for action in lacking:
        assert f"- {action.title} (" in digest.body
        assert f"/acties/{action.pk}/" in digest.body
    for action in [*twente[:2], *district_actions("ijsselland")]:
        assert action.title not in digest.body
    assert "/mijn-acties/" in digest.body
    missing = "Niet verstuurd, geen e-mailadres (vul het in op het accountsloket, /accounts/)"
    assert f"{missing}: coord-zuid (Gelderland-Zuid)" in output
    assert "2 verstuurd, 0 al eerder verstuurd, 1 zonder e-mailadres, 0 mislukt." in output

    again = run("2024-06-17")
    assert len(mail.outbox) == 2
    assert "0 verstuurd, 2 al eerder verstuurd" in again

    run("2024-06-24")
    assert len(mail.outbox) == 4
    assert "eindigt over 7 dagen" in mail.outbox[-1].body
    assert "0 verstuurd, 2 al eerder verstuurd" in run("2024-06-24")
    assert len(mail.outbox) == 4
    assert SentReminder.objects.count() == 4


def test_after_the_quarter_the_digest_asks_for_the_quarter_just_ended(people: dict[str, Any]) -> None:
    run("2024-07-02")
    digest = next(message for message in mail.outbox if message.to == ["twente@riec.test"])
    assert digest.subject.startswith("Voortgang Q2 2024:")
    assert "Kwartaal 2 2024 is op 30 juni 2024 geëindigd." in digest.body
    # Straight to the cards of the quarter just ended on Mijn acties.
    assert "/mijn-acties/#afgelopen-kwartaal" in digest.body
    assert "gaat over Q2 2024, krijgt de datum 30 juni 2024" in digest.body
    assert len(mail.outbox) == 2
    run("2024-07-08")
    assert len(mail.outbox) == 4


def test_no_reminders_on_other_days_or_for_a_closed_quarter(people: dict[str, Any], monkeypatch: Any) -> None:
    assert "geen herinneringsdag (voor dit kwartaal: 17-06-2024, 24-06-2024, 02-07-2024, 08-07-2024)" in run(
        "2024-06-18"
    )
    monkeypatch.setattr(clock, "today", lambda: datetime.date(2024, 7, 5))
    services.close_quarter(plan=AnnualPlan.objects.get(year=2024), quarter=2, user=people["bureau"])
    assert "het kwartaal is al afgesloten" in run("2024-07-08")
    assert mail.outbox == []


def test_a_coordinator_with_everything_updated_gets_nothing(people: dict[str, Any]) -> None:
    for action in district_actions("ijsselland"):
        ProgressUpdateFactory(action=action, date=datetime.date(2024, 6, 3))
    output = run("2024-06-17")
    assert [message.to for message in mail.outbox] == [["twente@riec.test"]]
    assert "Alles bijgewerkt, geen herinnering nodig: coord-ijsselland (IJsselland)" in output


def test_a_bad_date_is_refused_in_dutch(people: dict[str, Any]) -> None:
    with pytest.raises(CommandError, match="geen datum"):
        run("17-06-2024")


# A real SMTP server ----------------------------------------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_digests_through_a_real_smtp_server(people: dict[str, Any], smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    # The settings as EMAIL_URL makes them (riec_plan/settings/base.py reads it with django-environ).
    config = environ.Env.email_url_config(f"smtp://127.0.0.1:{port}")
    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    with override_settings(**config):
        run("2024-06-17")
        assert sorted(recipients[0] for recipients, _ in inbox.messages) == ["ijs@riec.test", "twente@riec.test"]
        twente = next(message for recipients, message in inbox.messages if recipients == ["twente@riec.test"])
        assert twente["Subject"].startswith("Voortgang Q2 2024:") and "van Twente zonder update" in twente["Subject"]
        assert "Beste Tess," in twente.get_content()
        assert "0 verstuurd, 2 al eerder verstuurd" in run("2024-06-17")
        assert len(inbox.messages) == 2
        run("2024-06-24")
        assert len(inbox.messages) == 4
        run("2024-06-24")
        assert len(inbox.messages) == 4


def test_a_mail_server_that_refuses_leaves_no_record(people: dict[str, Any]) -> None:
    nobody_listens = environ.Env.email_url_config(f"smtp://127.0.0.1:{free_port()}")
    with override_settings(**nobody_listens), pytest.raises(CommandError, match="konden niet worden verstuurd"):
        run("2024-06-17")
    assert not SentReminder.objects.exists()
    run("2024-06-17")  # the mail server is back (locmem): now they go
    assert len(mail.outbox) == 2


def test_the_history_page_of_a_sent_reminder_opens(bureau_client: Any) -> None:
    """A write-once model without simple-history still has a working history page in the admin."""
    user = role_user("herinnerd", COORDINATOR, email="h@riec.test")
    occasion = SentReminder.Occasion.values[0]
    reminder = SentReminder.objects.create(
        user=user, year=2024, quarter=2, occasion=occasion, email="h@riec.test", actions=3
    )
    response = bureau_client.get(f"/admin/strategy/sentreminder/{reminder.pk}/history/")
    assert response.status_code == 200


def test_a_district_name_with_a_line_break_still_gets_its_reminder(people: dict[str, Any]) -> None:
    # Saved before names were checked (a bulk update asks no validator): the subject stays one line.
    District.objects.filter(slug="twente").update(name="Twente\nNoord")
    run("2024-06-17")
    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert subjects["twente@riec.test"].endswith("acties van Twente Noord zonder update")


def test_a_district_name_is_one_line() -> None:
    district = District(name="Twente\r\nNoord", slug="twente-noord", order=99, province="Overijssel")
    with pytest.raises(ValidationError) as refused:
        district.full_clean()
    assert refused.value.message_dict["name"] == [
        "Een naam past op één regel: zonder regeleinde, tab of ander stuurteken."
    ]
