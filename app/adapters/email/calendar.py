"""Writing a calendar invitation as an iCalendar file (RFC 5545, iTIP methods of RFC 5546)
with the ``icalendar`` library, for the e-mail that carries it."""

from __future__ import annotations

from datetime import UTC
from email.utils import parseaddr

from icalendar import Calendar, Event, vCalAddress, vText

from app.domain.notifications.calendar_invitation import CalendarInvitation

PRODID = "-//Emotional Balance//Appointments//RU"
CONTENT_TYPE = "text/calendar"


def invitation_filename(invitation: CalendarInvitation) -> str:
    return "cancel.ics" if invitation.method == "CANCEL" else "invite.ics"


def _address(mailbox: str, **params: str) -> vCalAddress:
    """``mailto:`` of a mailbox written as ``Name <addr>`` or a bare address."""
    name, addr = parseaddr(mailbox)
    address = vCalAddress(f"mailto:{addr or mailbox}")
    if name:
        address.params["CN"] = vText(name)
    for key, value in params.items():
        address.params[key] = vText(value)
    return address


def build_ics(invitation: CalendarInvitation, *, organizer: str, attendee: str) -> bytes:
    """One VEVENT in a VCALENDAR whose METHOD is the invitation's. ``organizer`` is used
    when the invitation names none (the mailbox the e-mail comes from); ``attendee`` is
    the recipient. Times are written in UTC, so no time-zone block is needed."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", invitation.method)

    event = Event()
    event.add("uid", invitation.uid)
    event.add("sequence", invitation.sequence)
    event.add("dtstamp", invitation.stamp.astimezone(UTC))
    event.add("dtstart", invitation.start.astimezone(UTC))
    event.add("dtend", invitation.end.astimezone(UTC))
    event.add("summary", invitation.summary)
    if invitation.location:
        event.add("location", invitation.location)
    if invitation.url:
        event.add("url", invitation.url)
    cancel = invitation.method == "CANCEL"
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("organizer", _address(invitation.organizer or organizer))
    # The booking itself was the answer: no RSVP buttons for the client to press.
    event.add(
        "attendee",
        _address(attendee, ROLE="REQ-PARTICIPANT", PARTSTAT="ACCEPTED", RSVP="FALSE"),
    )
    calendar.add_component(event)
    ics: bytes = calendar.to_ical()
    return ics
