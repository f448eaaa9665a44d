"""The messages about one appointment (confirmed, canceled, moved, reminders), queued
once per channel in the caller's transaction."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from app.application.booking.transactions import BookingUoW
from app.application.ports import NotificationRequest
from app.domain.booking.appointment import Appointment
from app.domain.notifications.consent import may_send


async def queue_appointment_message(
    uow: BookingUoW, appointment: Appointment, template: str, key: str, public_base_url: str,
    extra: dict[str, str] | None = None,
) -> None:  # fmt: skip
    """Queue the message about ``appointment`` once per channel (the dedupe key says
    which one): by e-mail, and by Telegram when the person linked the bot and agreed;
    a reminder only by the channels the person consented to (``consent.may_send``)."""
    if appointment.client_user_id is not None:
        name, email = await uow.repos.contacts.user_contact(appointment.client_user_id)
        kind, recipient = "user", str(appointment.client_user_id)
    elif appointment.lead_id is not None:
        name, email = await uow.repos.leads.contact(
            appointment.lead_id, appointment.contact_identity_id
        )
        kind, recipient = "lead", str(appointment.lead_id)
    else:  # pragma: no cover (the database requires one of them)
        return
    chat = await uow.repos.contacts.telegram_chat(appointment.client_user_id, appointment.lead_id)
    service = await uow.repos.services.get(appointment.service_id)
    local = appointment.session.start.astimezone(ZoneInfo(appointment.timezone))
    variables = {
        # A guest's name is whatever was typed with somebody's address: never sent.
        "display_name": (name or "") if kind == "user" else "",
        "service_title": service.title if service else "",
        "start_local": local.strftime("%d.%m.%Y %H:%M"),
        "location": "",
        "manage_url": f"{public_base_url}/",
        **(extra or {}),
    }
    addresses = {"email": email, "telegram": str(chat) if chat is not None else None}
    granted = await uow.repos.contacts.granted_consents(
        appointment.client_user_id, appointment.lead_id
    )
    for channel, to in addresses.items():
        if to is None or not may_send(template, channel, granted):
            continue  # a reminder goes only through a channel the person agreed to
        await uow.notifications.enqueue(
            NotificationRequest(
                channel=channel,
                template_code=template,
                recipient_kind=kind,
                recipient_id=recipient,
                dedupe_key=f"appointment:{appointment.id}:{key}:{channel}",
                to=to,
                variables=variables,
            )
        )
