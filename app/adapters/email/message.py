"""Building the MIME message: plain text plus an HTML alternative, for one recipient;
with a calendar invitation, also a ``text/calendar; method=...`` alternative (what mail
clients act on) and the same file as an ``.ics`` attachment (what people can open)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from app.application.notifications import OutgoingMessage, PermanentDeliveryError
from app.domain.errors import ValidationFailed
from app.domain.shared.contact import Email
from app.mail_sender import sender_address

__all__ = ["build_email", "recipient_address", "sender_address"]


def recipient_address(message: OutgoingMessage) -> str:
    """The one mailbox ``message`` goes to, as a bare addr-spec. Anything else (a list,
    a display name, a comment: text a mail library would read as other mailboxes) can
    never be delivered."""
    try:
        return Email(message.to).value
    except ValidationFailed:
        raise PermanentDeliveryError("the recipient is not a single e-mail address") from None


def build_email(message: OutgoingMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = recipient_address(message)
    email["Subject"] = message.content.subject or ""
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain=sender_address(sender).rpartition("@")[2])
    email.set_content(message.content.text)
    email.add_alternative(message.content.html, subtype="html")
    if message.invitation is not None:
        # icalendar is loaded on the first invitation, not by every process that can mail.
        from app.adapters.email.calendar import build_ics, invitation_filename  # noqa: PLC0415

        ics = build_ics(message.invitation, organizer=sender, attendee=email["To"])
        email.add_alternative(
            ics, maintype="text", subtype="calendar",
            params={"charset": "utf-8", "method": message.invitation.method},
        )  # fmt: skip
        email.add_attachment(
            ics, maintype="application", subtype="ics",
            filename=invitation_filename(message.invitation),
        )  # fmt: skip
    return email
