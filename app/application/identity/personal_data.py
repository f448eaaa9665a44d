"""The registry through which every context exports and erases what it holds about a
person. A request is about a ``DataSubject``: the account and only what is bound to it
by a verified channel or an explicit, audited staff action — never records that merely
share an e-mail, a phone number or a Telegram id with it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class DataSubject:
    """Who a data-subject request is about, fixed before any section erases anything
    (a later step cannot change what an earlier one saw)."""

    user_id: uuid.UUID | None
    """The account; None for a guest (leads only), whose request came through a link
    e-mailed to the address the guest gave (``guests.py``)."""
    lead_ids: tuple[uuid.UUID, ...] = ()
    """Leads staff converted to the account, or attached to its linked Telegram account."""
    anonymous_ids: tuple[str, ...] = ()
    """Anonymous ids whose self-check runs the signed-in account claimed."""
    telegram_user_ids: tuple[int, ...] = ()
    """Telegram accounts linked to the account or to its leads."""

    def with_leads(self, lead_ids: list[uuid.UUID]) -> DataSubject:
        return replace(self, lead_ids=tuple(dict.fromkeys([*self.lead_ids, *lead_ids])))

    def with_anonymous_ids(self, anonymous_ids: list[str]) -> DataSubject:
        merged = dict.fromkeys([*self.anonymous_ids, *anonymous_ids])
        return replace(self, anonymous_ids=tuple(merged))

    def with_telegram_user_ids(self, telegram_user_ids: list[int]) -> DataSubject:
        merged = dict.fromkeys([*self.telegram_user_ids, *telegram_user_ids])
        return replace(self, telegram_user_ids=tuple(merged))


class PersonalDataSection(Protocol):
    """One context's part of a data-subject request, bound to the current transaction.
    Sections run in the order the composition root lists them: ``bind`` for all of them
    first, then ``export`` or ``erase``."""

    name: str

    async def bind(self, subject: DataSubject) -> DataSubject:
        """The subject with what this context binds to the account (CRM its leads,
        self-checks the claimed anonymous ids, Telegram the linked accounts); most
        sections return it unchanged."""
        ...

    async def export(self, subject: DataSubject) -> Any:
        """Everything this context holds about the subject, decrypted, as JSON-ready data."""
        ...

    async def erase(self, subject: DataSubject) -> dict[str, int]:
        """Anonymise P1, destroy P2, keep de-identified accounting rows; return counts."""
        ...


class UpcomingAppointments(Protocol):
    """Booking's step before an erasure: the subject's upcoming appointments cancelled
    (with the policy's refund and the cancellation message) in their own transaction,
    while the person's address is still there to tell them."""

    async def cancel_upcoming(
        self, user_id: uuid.UUID | None, lead_ids: tuple[uuid.UUID, ...]
    ) -> int: ...


async def bind_subject(
    sections: list[PersonalDataSection], user_id: uuid.UUID | None,
    lead_ids: list[uuid.UUID] | None = None,
) -> DataSubject:  # fmt: skip
    """The subject of a request about ``user_id`` (or a guest's ``lead_ids``), as every
    section knows it."""
    subject = DataSubject(user_id, tuple(lead_ids or ()))
    for section in sections:
        subject = await section.bind(subject)
    return subject
