"""A person becomes a lead: one rule for every entry point.

A contact given in a public request (the contact form, a guest booking, a self-check) is
a claim, so each request makes a lead of its own and never joins, extends or reveals an
existing one; staff merge leads. A Telegram account, verified by Telegram, has one lead:
made at its first ``/start``, or the one its single-use link was made for."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from app.application.crm.ports import Consent, LeadDirectory
from app.domain.crm.contact import LeadContact, NewLead


async def lead_for_booking(
    leads: LeadDirectory, contact: LeadContact, consents: Sequence[Consent],
    first_touch: dict[str, object],
) -> NewLead:  # fmt: skip
    """A guest's booking: a lead of its own, with a ``booking.held`` event."""
    lead = await leads.create("booking", contact, consents, dict(first_touch))
    await leads.add_event(lead.lead_id, "booking.held", {})
    return lead


async def lead_for_self_check(
    leads: LeadDirectory, contact: LeadContact, consents: Sequence[Consent], slug: str
) -> uuid.UUID:
    """Someone left their contact after a self-check: the timeline names the self-check,
    never its result (a band beside the lead's contacts is a health fact)."""
    lead = await leads.create(
        "interactive", contact, consents, {"entry_point": "interactive", "page": slug}
    )
    await leads.add_event(lead.lead_id, "interactive.completed", {"interactive": slug})
    return lead.lead_id


async def lead_for_telegram(
    leads: LeadDirectory, telegram_user_id: int, purpose: str | None
) -> uuid.UUID:
    """The lead of a Telegram account that has none, known by its Telegram id."""
    lead = await leads.create(
        "telegram", LeadContact(telegram=str(telegram_user_id)), (),
        {"entry_point": "telegram", "purpose": purpose},
    )  # fmt: skip
    return lead.lead_id


async def join_telegram(leads: LeadDirectory, lead_id: uuid.UUID, telegram_user_id: int) -> None:
    """The Telegram account opened a link made for this lead: its id joins the lead."""
    await leads.add_identities(lead_id, LeadContact(telegram=str(telegram_user_id)))
