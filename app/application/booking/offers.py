"""Which offered slots are busy for whom: a freed slot offered from the waitlist is kept
for the person offered it while the offer stands, and taken for everybody else."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from app.application.booking.read_models import StandingOffer
from app.domain.identity.tokens import token_hash
from app.domain.shared.time_range import TimeRange


def kept_for_others(
    offers: Iterable[StandingOffer], user_id: uuid.UUID | None, offer_token: str | None
) -> list[TimeRange]:
    """The offered slots that are busy for this person: every standing offer but their
    own (made to their account, or named by the token of the offer's link)."""
    digest = token_hash(offer_token) if offer_token else None
    return [
        TimeRange(o.blocked_start, o.blocked_end)
        for o in offers
        if not (user_id is not None and o.user_id == user_id)
        and not (digest is not None and o.offer_token_hash == digest)
    ]
