"""A calendar invitation sent with an e-mail, so the client's own calendar follows the
appointment: one event per reschedule chain, updated by a higher sequence number.

What iCalendar (RFC 5545/5546) needs is described here in plain values; the file itself
is written by the e-mail adapter. The values are P1 at most (a time, the service title,
where it happens), never P2.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

import msgspec

from app.domain.errors import ValidationFailed

InvitationMethod = Literal["REQUEST", "CANCEL"]


class CalendarInvitation(msgspec.Struct, frozen=True, kw_only=True):
    """One version of the client's calendar event.

    ``uid`` names the event for its whole life; ``sequence`` grows with every change, so
    a calendar replaces an older version and never shows two events. ``method`` is
    ``REQUEST`` (add or update) or ``CANCEL`` (remove). Times are aware (UTC when
    written). ``stamp`` is when this version was made. ``organizer`` is an e-mail
    address; None means the mailbox the message is sent from.
    """

    uid: str
    sequence: int
    method: InvitationMethod
    start: datetime
    end: datetime
    summary: str
    stamp: datetime
    location: str | None = None
    url: str | None = None
    organizer: str | None = None

    def __post_init__(self) -> None:
        if self.sequence < 0:
            raise ValidationFailed("The sequence of an invitation is never negative.")
        if self.start.tzinfo is None or self.end.tzinfo is None or self.stamp.tzinfo is None:
            raise ValidationFailed("The times of an invitation carry their zone.")
        if self.end <= self.start:
            raise ValidationFailed("An invitation ends after it starts.")


def invitation_uid(root_id: uuid.UUID, host: str) -> str:
    """The event's UID: the first appointment of the chain at the site's host, so every
    reschedule updates the same event (RFC 5545 suggests ``<unique>@<host>``)."""
    return f"{root_id}@{host or 'localhost'}"


def invitation_sequence(moves: int, method: InvitationMethod) -> int:
    """The first booking is version 0, each move one more, and the cancellation one more
    than the last time it was moved to."""
    return moves + (1 if method == "CANCEL" else 0)
