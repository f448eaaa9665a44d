"""The messages about one appointment (confirmed, canceled, moved, reminders, where),
queued once per channel in the caller's transaction. Each says when in the client's own
time zone (named) and where; its link leads to the appointment's page (a guest's manage
page while the manage token is known, i.e. in the hold's message and a re-sent link)."""

from __future__ import annotations

from app.application.booking.transactions import BookingUoW
from app.application.ports import NotificationRequest
from app.domain.booking.appointment import Appointment
from app.domain.booking.place import describe_place, local_time_label
from app.domain.notifications.calendar_invitation import CalendarInvitation
from app.domain.notifications.consent import may_send
from app.domain.shared.links import SiteLinks


def appointment_link(links: SiteLinks, appointment: Appointment, manage_token: str | None) -> str:
    """The page of this appointment: the client's own page, or a guest's manage page
    when the token is at hand (only its hash is stored, so later messages to a guest
    carry the appointment's page, which offers the e-mail sign-in and a fresh link)."""
    if appointment.client_user_id is None and manage_token is not None:
        return links.manage(manage_token)
    return links.appointment(appointment.id)


async def queue_appointment_message(
    uow: BookingUoW, appointment: Appointment, template: str, key: str, links: SiteLinks,
    extra: dict[str, str] | None = None, *, manage_token: str | None = None,
    channels: tuple[str, ...] = ("email", "telegram"),
    invitation: CalendarInvitation | None = None,  # the calendar event, e-mail only
) -> set[str]:  # fmt: skip
    """Queue the message about ``appointment`` once per channel (the dedupe key says
    which one): by e-mail, and by Telegram when the person linked the bot and agreed;
    a reminder only by the channels the person consented to (``consent.may_send``).
    Returns the channels it was queued on now (not before, not unreachable)."""
    if appointment.client_user_id is not None:
        name, email = await uow.repos.contacts.user_contact(appointment.client_user_id)
        kind, recipient = "user", str(appointment.client_user_id)
    elif appointment.lead_id is not None:
        name, email = await uow.repos.leads.contact(
            appointment.lead_id, appointment.contact_identity_id
        )
        kind, recipient = "lead", str(appointment.lead_id)
    else:  # pragma: no cover (the database requires one of them)
        return set()
    chat = await uow.repos.contacts.telegram_chat(appointment.client_user_id, appointment.lead_id)
    service = await uow.repos.services.get(appointment.service_id)
    variables = {
        # A guest's name is whatever was typed with somebody's address: never sent.
        "display_name": (name or "") if kind == "user" else "",
        "service_title": service.title if service else "",
        "start_local": local_time_label(appointment.session.start, appointment.timezone),
        "location": describe_place(appointment.format, appointment.place),
        "manage_url": appointment_link(links, appointment, manage_token),
        **(extra or {}),
    }
    addresses = {"email": email, "telegram": str(chat) if chat is not None else None}
    granted = await uow.repos.contacts.granted_consents(
        appointment.client_user_id, appointment.lead_id
    )
    queued: set[str] = set()
    for channel, to in addresses.items():
        if to is None or channel not in channels or not may_send(template, channel, granted):
            continue  # a reminder goes only through a channel the person agreed to
        if await uow.notifications.enqueue(
            NotificationRequest(
                channel=channel,
                template_code=template,
                recipient_kind=kind,
                recipient_id=recipient,
                dedupe_key=f"appointment:{appointment.id}:{key}:{channel}",
                to=to,
                variables=variables,
                invitation=invitation if channel == "email" else None,
            )
        ):
            queued.add(channel)
    return queued
