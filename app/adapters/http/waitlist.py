"""HTTP endpoints of a client's own waitlist: the requests they are waiting on (with the
offer that stands), leaving one (or declining its offer, which frees the slot), and the
offer a link's token names."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from app.adapters.http.identity import NO_STORE
from app.application.access import Principal
from app.application.booking.use_cases import Booking
from app.domain.errors import NotFound

MAX_TOKEN = 256


class WaitlistEntryOut(msgspec.Struct):
    id: uuid.UUID
    service_slug: str
    service_title: str
    status: str
    preferences: dict[str, Any]
    created_at: datetime
    offer_start_at: datetime | None
    offer_expires_at: datetime | None


class MyWaitlistOut(msgspec.Struct):
    items: list[WaitlistEntryOut]


class OfferTokenIn(msgspec.Struct, forbid_unknown_fields=True):
    token: str


class OfferOut(msgspec.Struct):
    id: uuid.UUID
    service_slug: str
    service_title: str
    start_at: datetime
    expires_at: datetime


class MyWaitlistController(Controller):
    path = "/api/v1/me/waitlist"
    tags = ["booking"]  # noqa: RUF012
    cache_control = NO_STORE

    @get("/", summary="My waitlist requests, newest first, with the offer that stands")
    async def mine(
        self, principal: NamedDependency[Principal], booking: NamedDependency[Booking]
    ) -> MyWaitlistOut:
        entries = await booking.waitlist.mine(principal.user_id)
        return MyWaitlistOut(msgspec.convert(entries, list[WaitlistEntryOut], from_attributes=True))

    @delete("/{request_id:uuid}", status_code=HTTP_204_NO_CONTENT,
            summary="Leave the waitlist, or decline its offer (frees the slot)")  # fmt: skip
    async def leave(
        self, request_id: FromPath[uuid.UUID], principal: NamedDependency[Principal],
        booking: NamedDependency[Booking],
    ) -> None:  # fmt: skip
        await booking.waitlist.leave(principal.user_id, request_id)


class WaitlistOfferController(Controller):
    """The page an offer's link opens reads the offer here (the token in the body, never
    in a logged URL), then holds the slot with ``waitlist_offer_token``."""

    path = "/api/v1/waitlist/offer"
    tags = ["booking"]  # noqa: RUF012
    cache_control = NO_STORE

    @post("/", status_code=200, summary="The waitlist offer a link's token names")
    async def offer(
        self, data: JSONBody[OfferTokenIn], booking: NamedDependency[Booking]
    ) -> OfferOut:
        if not data.token or len(data.token) > MAX_TOKEN:
            raise NotFound()
        found = await booking.waitlist.offer(data.token)
        return OfferOut(found.id, found.service_slug, found.service_title,
                        found.offer_start_at, found.offer_expires_at)  # fmt: skip


MY_WAITLIST_CONTROLLERS = [MyWaitlistController, WaitlistOfferController]
