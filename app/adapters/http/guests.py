"""HTTP endpoints for guests (no account): proving the address earlier guest bookings
gave (the link e-mailed at sign-in), and a guest's export and erasure requests confirmed
from the mailbox. Tokens travel in
the body, never in the path or query string (which access logs keep)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Response, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED

from app.adapters.http.fields import EmailAddress
from app.adapters.http.identity import NO_STORE
from app.application.identity.guests import Guests

Token = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{16,128}$")]


class GuestRequestIn(msgspec.Struct, forbid_unknown_fields=True):
    email: EmailAddress
    kind: Literal["export", "erasure"]


class TokenIn(msgspec.Struct, forbid_unknown_fields=True):
    token: Token


class GuestRequestAccepted(msgspec.Struct):
    detail: str


class GuestRequestDone(msgspec.Struct):
    kind: Literal["export", "erasure"]
    status: Literal["export_sent", "erased"]


class ContactConfirmed(msgspec.Struct):
    status: Literal["confirmed"]
    guests_attached: int
    """Guests' leads (with their bookings) that joined the account."""


class GuestDataController(Controller):
    path = "/api/v1"
    tags = ["guests"]  # noqa: RUF012
    cache_control = NO_STORE

    @post("/data-requests", status_code=HTTP_202_ACCEPTED,
          summary="A guest asks for an export or erasure (one answer for any address)")  # fmt: skip
    async def request(
        self, data: JSONBody[GuestRequestIn], guests: NamedDependency[Guests]
    ) -> GuestRequestAccepted:
        await guests.request(data.email, data.kind)
        return GuestRequestAccepted(
            "If bookings were made with this address, a confirmation link is on its way."
        )

    @post("/data-requests/confirm", status_code=HTTP_200_OK,
          summary="Confirm a request with the token from the e-mail (single use)")  # fmt: skip
    async def confirm(
        self, data: JSONBody[TokenIn], guests: NamedDependency[Guests]
    ) -> GuestRequestDone:
        kind = await guests.confirm_request(data.token)
        return GuestRequestDone(kind, "export_sent" if kind == "export" else "erased")

    @post("/data-requests/download", status_code=HTTP_200_OK,
          summary="Download a guest's export once, with the token from the e-mail")  # fmt: skip
    async def download(
        self, data: JSONBody[TokenIn], guests: NamedDependency[Guests]
    ) -> Response[dict[str, Any]]:
        archive = await guests.download(data.token)
        return Response(
            archive, headers={"Content-Disposition": 'attachment; filename="data-export.json"'}
        )

    @post("/guest-contacts/confirm", status_code=HTTP_200_OK,
          summary="Prove the address of earlier guest bookings; they join the account")  # fmt: skip
    async def confirm_contact(
        self, data: JSONBody[TokenIn], guests: NamedDependency[Guests]
    ) -> ContactConfirmed:
        return ContactConfirmed("confirmed", await guests.confirm_contact(data.token))


GUEST_CONTROLLERS = [GuestDataController]
