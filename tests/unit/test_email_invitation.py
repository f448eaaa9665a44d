"""The calendar invitation as a file and inside the e-mail: what a mail client acts on
(``text/calendar; method=...``) and what a person can open (the .ics attachment), read
back with ``icalendar``; the sender hands it to the channel; the console shows it."""

from __future__ import annotations

import email
import email.policy
import io
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import msgspec
from icalendar import Calendar, Event

from app.adapters.email.calendar import build_ics
from app.adapters.email.console import ConsoleChannel
from app.adapters.email.message import build_email
from app.application.notifications import (
    NotificationSender,
    OutgoingMessage,
    QueuedMessage,
    Template,
)
from app.domain.notifications.calendar_invitation import CalendarInvitation
from app.domain.notifications.templates import RenderedMessage

SENDER = "Эмоциональный баланс <hello@example.org>"
MOSCOW = ZoneInfo("Europe/Moscow")
INVITATION = CalendarInvitation(
    uid="0b6c1f0e-8d2a-4c55-9a39-2f1f6f1d7c10@praktika.example", sequence=2, method="REQUEST",
    start=datetime(2030, 6, 4, 10, 0, tzinfo=MOSCOW), end=datetime(2030, 6, 4, 11, 0, tzinfo=MOSCOW),
    summary="Консультация, онлайн", stamp=datetime(2030, 6, 3, 6, 0, tzinfo=UTC),
    location="https://meet.example.org/abc-defg-hij", url="https://meet.example.org/abc-defg-hij",
)  # fmt: skip
CONTENT = RenderedMessage(
    "Запись подтверждена", "Запись подтверждена.", "<p>Запись подтверждена.</p>"
)


def read_event(ics: bytes) -> tuple[Calendar, Event]:
    calendar = Calendar.from_ical(ics)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_the_file_names_the_event_its_version_and_utc_times() -> None:
    ics = build_ics(INVITATION, organizer=SENDER, attendee="guest@example.org")
    assert b"\r\n" in ics  # RFC 5545 lines end with CRLF
    calendar, event = read_event(ics)
    assert calendar["METHOD"] == "REQUEST"
    assert calendar["VERSION"] == "2.0"
    assert str(event["UID"]) == INVITATION.uid
    assert event["SEQUENCE"] == 2
    assert b"DTSTART:20300604T070000Z" in ics  # Moscow 10:00 written in UTC
    assert event.decoded("DTEND") == datetime(2030, 6, 4, 8, 0, tzinfo=UTC)
    assert event.decoded("DTSTAMP") == datetime(2030, 6, 3, 6, 0, tzinfo=UTC)
    assert str(event["SUMMARY"]) == "Консультация, онлайн"
    assert str(event["LOCATION"]) == str(event["URL"]) == "https://meet.example.org/abc-defg-hij"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["ORGANIZER"]) == "mailto:hello@example.org"
    assert event["ORGANIZER"].params["CN"] == "Эмоциональный баланс"
    assert str(event["ATTENDEE"]) == "mailto:guest@example.org"
    assert event["ATTENDEE"].params["RSVP"] == "FALSE"


def test_a_cancellation_and_an_organizer_of_its_own() -> None:
    canceled = msgspec.structs.replace(
        INVITATION, method="CANCEL", sequence=3, location=None, url=None,
        organizer="practice@example.org",
    )  # fmt: skip
    calendar, event = read_event(
        build_ics(canceled, organizer=SENDER, attendee="guest@example.org")
    )
    assert calendar["METHOD"] == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 3
    assert str(event["UID"]) == INVITATION.uid
    assert str(event["ORGANIZER"]) == "mailto:practice@example.org"
    assert "LOCATION" not in event
    assert "URL" not in event


def parsed(message: EmailMessage) -> EmailMessage:
    """What the recipient's mail client reads: the bytes on the wire, parsed again."""
    back = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert isinstance(back, EmailMessage)
    return back


def test_the_e_mail_carries_the_invitation_as_an_alternative_and_an_attachment() -> None:
    message = parsed(
        build_email(OutgoingMessage("guest@example.org", "booking.confirmed", CONTENT, INVITATION),
                    SENDER)
    )  # fmt: skip
    assert message.get_content_type() == "multipart/mixed"
    body, attachment = message.iter_parts()
    assert [p.get_content_type() for p in body.iter_parts()] == [
        "text/plain", "text/html", "text/calendar",
    ]  # fmt: skip
    calendar_part = list(body.iter_parts())[2]
    assert calendar_part.get_param("method") == "REQUEST"
    assert calendar_part.get_content_charset() == "utf-8"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == "invite.ics"
    ics = calendar_part.get_payload(decode=True)
    assert attachment.get_payload(decode=True) == ics
    _, event = read_event(ics)
    assert str(event["UID"]) == INVITATION.uid
    assert str(event["ATTENDEE"]) == "mailto:guest@example.org"

    canceled = msgspec.structs.replace(INVITATION, method="CANCEL", sequence=3)
    message = parsed(
        build_email(OutgoingMessage("guest@example.org", "booking.canceled", CONTENT, canceled),
                    SENDER)
    )  # fmt: skip
    parts = {p.get_content_type(): p for p in message.walk()}
    assert parts["text/calendar"].get_param("method") == "CANCEL"
    assert parts["application/ics"].get_filename() == "cancel.ics"


def test_an_e_mail_without_an_invitation_stays_text_and_html() -> None:
    message = parsed(
        build_email(OutgoingMessage("guest@example.org", "auth.login_code", CONTENT), SENDER)
    )
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]


async def test_the_console_says_an_invitation_is_attached() -> None:
    stream = io.StringIO()
    await ConsoleChannel(stream).send(
        OutgoingMessage("a@example.org", "booking.confirmed", CONTENT, INVITATION)
    )
    assert f"Attached: calendar REQUEST {INVITATION.uid} #2" in stream.getvalue()


class OneMessageQueue:
    def __init__(self, message: QueuedMessage) -> None:
        self.message: QueuedMessage | None = message
        self.sent: list[uuid.UUID] = []

    async def claim_due(self, now: datetime, lease: timedelta, limit: int) -> list[QueuedMessage]:
        claimed, self.message = self.message, None
        return [claimed] if claimed else []

    async def mark_sent(self, message: QueuedMessage, now: datetime) -> None:
        self.sent.append(message.id)

    async def reschedule(self, message: QueuedMessage, at: datetime, error: str) -> None:
        raise AssertionError(error)

    async def mark_failed(self, message: QueuedMessage, error: str) -> None:
        raise AssertionError(error)


class Templates:
    async def find(self, code: str, channel: str, locale: str) -> Template | None:
        return Template("Запись подтверждена", "Здравствуйте, {display_name}!")


class RecordingChannel:
    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []

    async def send(self, message: OutgoingMessage) -> None:
        self.sent.append(message)


class FixedClock:
    def now(self) -> datetime:
        return datetime(2030, 6, 3, 6, 0, tzinfo=UTC)


async def test_the_sender_hands_the_queued_invitation_to_the_channel() -> None:
    queued = QueuedMessage(
        id=uuid.uuid4(), channel="email", template_code="booking.confirmed", locale="ru",
        to="guest@example.org", variables={"display_name": "Анна"}, attempts=1,
        invitation=INVITATION,
    )  # fmt: skip
    queue, channel = OneMessageQueue(queued), RecordingChannel()
    sender = NotificationSender(queue, Templates(), {"email": channel}, FixedClock())
    assert await sender.run_once() == 1
    (sent,) = channel.sent
    assert sent.invitation == INVITATION
    assert sent.content.text == "Здравствуйте, Анна!"
    assert queue.sent == [queued.id]
