"""A bookable service: its price, its calendar needs and its cancellation policy, with
the invariants every service keeps whoever creates or edits it."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import msgspec

from app.domain.booking.availability import SlotRules
from app.domain.booking.refunds import CancellationPolicy
from app.domain.errors import ValidationFailed
from app.domain.shared.money import Money


class Service(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    slug: str
    title: str
    description_markdown: str
    format: str
    duration_minutes: int
    price_amount: Decimal
    deposit_amount: Decimal | None
    currency: str
    buffer_before_minutes: int
    buffer_after_minutes: int
    min_notice_minutes: int
    horizon_days: int
    cancel_free_hours: int
    cancel_partial_hours: int
    cancel_partial_refund_percent: int
    reschedule_min_hours: int
    status: str
    meeting_url: str | None = None
    """The standing video link of an online service (P0)."""
    address: str | None = None
    """Where an in-person service takes place (P0)."""
    version: int = 1

    def __post_init__(self) -> None:
        # The partial-refund window lies inside the free one, and a deposit never asks
        # for more than the session costs.
        if self.cancel_partial_hours > self.cancel_free_hours:
            raise ValidationFailed(
                "must not exceed cancel_free_hours", field="cancel_partial_hours"
            )
        if self.deposit_amount is not None and self.deposit_amount > self.price_amount:
            raise ValidationFailed("must not exceed the price", field="deposit")

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    @property
    def charge(self) -> Money:
        """What a booking takes now: the deposit when there is one, else the price."""
        return Money(self.deposit_amount or self.price_amount, self.currency)

    @property
    def slot_rules(self) -> SlotRules:
        return SlotRules(
            duration=timedelta(minutes=self.duration_minutes),
            buffer_before=timedelta(minutes=self.buffer_before_minutes),
            buffer_after=timedelta(minutes=self.buffer_after_minutes),
            min_notice=timedelta(minutes=self.min_notice_minutes),
            horizon=timedelta(days=self.horizon_days),
        )

    @property
    def cancellation_policy(self) -> CancellationPolicy:
        return CancellationPolicy(
            free_hours=self.cancel_free_hours,
            partial_hours=self.cancel_partial_hours,
            partial_percent=self.cancel_partial_refund_percent,
        )
