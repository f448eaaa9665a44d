"""HTTP endpoints for where a session happens and a guest's way back to it: staff set
the link or address of one appointment; a guest opens their appointment with the
manage token alone, or asks for a fresh manage link by e-mail."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED

from app.adapters.http.booking import AppointmentOut, ManageToken
from app.adapters.http.fields import EmailAddress
from app.adapters.http.identity import NO_STORE, _if_match
from app.application.access import Principal
from app.application.booking.use_cases import Booking
from app.domain.errors import NotFound


class PlaceIn(msgspec.Struct, forbid_unknown_fields=True):
    meeting_url: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    """An online session's video link (https)."""
    location_text: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    """An in-person session's address or room."""


class ManageLinkIn(msgspec.Struct, forbid_unknown_fields=True):
    email: EmailAddress


class ManageLinkOut(msgspec.Struct):
    status: str = "accepted"
    detail: str = "If this e-mail was given with an upcoming booking, a fresh link is on its way."


class GuestAppointmentController(Controller):
    path = "/api/v1/appointments"
    tags = ["booking"]  # noqa: RUF012
    cache_control = NO_STORE

    @get("/managed", summary="The appointment a guest's X-Manage-Token opens")
    async def managed(
        self, booking: NamedDependency[Booking], manage_token: ManageToken = None
    ) -> AppointmentOut:
        if not manage_token:
            raise NotFound()
        return AppointmentOut.of(await booking.guest_links.managed(manage_token))

    @post("/manage-link", status_code=HTTP_202_ACCEPTED,
          summary="E-mail a fresh manage link (one answer, known address or not)")  # fmt: skip
    async def manage_link(
        self, data: JSONBody[ManageLinkIn], booking: NamedDependency[Booking]
    ) -> ManageLinkOut:
        await booking.guest_links.resend(data.email)
        return ManageLinkOut()


class AppointmentPlaceController(Controller):
    """Owner and assistant (checked in the use case); audited."""

    path = "/api/v1/admin/appointments"
    tags = ["admin: booking"]  # noqa: RUF012
    cache_control = NO_STORE

    @put("/{appointment_id:uuid}/location",
         summary="Set where one session happens (link or address); the client is told")  # fmt: skip
    async def set_location(
        self, appointment_id: FromPath[uuid.UUID], data: JSONBody[PlaceIn],
        principal: NamedDependency[Principal], booking: NamedDependency[Booking],
        if_match: Annotated[str | None, HeaderParameter(name="If-Match")] = None,
    ) -> AppointmentOut:  # fmt: skip
        changed = await booking.places.change(
            principal, appointment_id, data.meeting_url, data.location_text, _if_match(if_match)
        )
        return AppointmentOut.of(changed)


PLACE_CONTROLLERS = [GuestAppointmentController, AppointmentPlaceController]
