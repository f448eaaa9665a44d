"""HTTP endpoints of identity: auth, the profile, consents, data-subject requests and
the owner's staff management."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Response, get, patch, post, put
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from app.adapters.http.auth import requires
from app.adapters.http.fields import EmailAddress
from app.adapters.http.pagination import clamp_limit, decode_cursor, encode_cursor
from app.application.access import Principal
from app.application.identity.accounts import ConsentInput, LoginResult
from app.application.identity.guests import Guests
from app.application.identity.ports import StoredExport
from app.application.identity.profile import ProfileChanges
from app.application.identity.service import IdentityService
from app.domain.errors import ValidationFailed
from app.domain.identity.model import ConsentState, ConsentType, Role, User

NO_STORE = CacheControlHeader(no_store=True)

ConsentTypeName = Literal[
    "personal_data", "health_data", "communications", "telegram", "review_publication",
    "ai_processing",
]  # fmt: skip
StaffRole = Literal["owner", "assistant", "editor"]
DocumentVersion = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9._-]{1,32}$")]


class ConsentIn(msgspec.Struct, forbid_unknown_fields=True):
    consent_type: ConsentTypeName
    granted: bool
    document_version: DocumentVersion

    def to_input(self) -> ConsentInput:
        return ConsentInput(ConsentType(self.consent_type), self.granted, self.document_version)


class EmailStartIn(msgspec.Struct, forbid_unknown_fields=True):
    email: EmailAddress


class EmailVerifyIn(msgspec.Struct, forbid_unknown_fields=True):
    email: EmailAddress
    code: Annotated[str, msgspec.Meta(pattern=r"^\d{6}$")]
    consents: list[ConsentIn] = []


class TelegramAuthIn(msgspec.Struct, forbid_unknown_fields=True):
    """The Telegram Login Widget's fields, plus the consents of a first login."""

    id: int
    auth_date: int
    hash: Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}$")]
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    photo_url: str | None = None
    consents: list[ConsentIn] = []


class UserOut(msgspec.Struct):
    id: uuid.UUID
    email: str | None
    phone: str | None
    phone_verified: bool
    display_name: str | None
    telegram_linked: bool
    timezone: str
    locale: str
    roles: list[str]
    status: str
    version: int
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            email=user.email.value if user.email else None,
            phone=user.phone.value if user.phone else None,
            phone_verified=user.phone_verified_at is not None,
            display_name=user.display_name,
            telegram_linked=user.telegram_user_id is not None,
            timezone=user.timezone,
            locale=user.locale,
            roles=sorted(r.value for r in user.roles),
            status=user.status.value,
            version=user.version,
            created_at=user.created_at,
        )


class LoginOut(msgspec.Struct):
    token: str
    expires_at: datetime
    user: UserOut

    @classmethod
    def of(cls, result: LoginResult) -> LoginOut:
        return cls(token=result.token, expires_at=result.expires_at, user=UserOut.of(result.user))


class Accepted(msgspec.Struct):
    detail: str


class MePatchIn(msgspec.Struct, forbid_unknown_fields=True):
    display_name: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    timezone: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    locale: Literal["ru", "en"] | None = None
    phone: Annotated[str, msgspec.Meta(max_length=32)] | None = None


class ConsentOut(msgspec.Struct):
    consent_type: str
    granted: bool
    document_version: str | None
    source: str | None
    updated_at: datetime | None


class ConsentsOut(msgspec.Struct):
    items: list[ConsentOut]

    @classmethod
    def of(cls, state: ConsentState) -> ConsentsOut:
        items = []
        for consent_type in ConsentType:
            record = state.records.get(consent_type)
            items.append(
                ConsentOut(
                    consent_type=consent_type.value,
                    granted=bool(record and record.granted),
                    document_version=record.document_version if record else None,
                    source=record.source.value if record else None,
                    updated_at=record.created_at if record else None,
                )
            )
        return cls(items)


class ExportOut(msgspec.Struct):
    id: uuid.UUID
    status: str
    requested_at: datetime
    ready_at: datetime | None
    expires_at: datetime | None

    @classmethod
    def of(cls, export: StoredExport) -> ExportOut:
        return cls(
            id=export.id,
            status=export.status,
            requested_at=export.requested_at,
            ready_at=export.ready_at,
            expires_at=export.expires_at,
        )


class RequestAccepted(msgspec.Struct):
    id: uuid.UUID
    status: str


class UsersPage(msgspec.Struct):
    items: list[UserOut]
    next_cursor: str | None


class StaffIn(msgspec.Struct, forbid_unknown_fields=True):
    email: EmailAddress
    roles: Annotated[list[StaffRole], msgspec.Meta(min_length=1)]


class RolesIn(msgspec.Struct, forbid_unknown_fields=True):
    roles: Annotated[
        list[Literal["owner", "assistant", "editor", "client"]], msgspec.Meta(min_length=1)
    ]


def _if_match(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip().strip('"').removeprefix("W/").strip('"'))
    except ValueError:
        raise ValidationFailed("If-Match must carry the resource's version number") from None


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]  # noqa: RUF012
    cache_control = NO_STORE

    @post(
        "/email/start",
        status_code=HTTP_202_ACCEPTED,
        summary="Send a 6-digit login code (same answer for known and unknown addresses)",
    )
    async def email_start(
        self, data: JSONBody[EmailStartIn], identity: NamedDependency[IdentityService]
    ) -> Accepted:
        await identity.email_login.start(data.email)
        return Accepted("If this address can receive e-mail, a login code is on its way.")

    @post("/email/verify", status_code=HTTP_200_OK, summary="Exchange the code for a bearer token")
    async def email_verify(
        self, data: JSONBody[EmailVerifyIn], identity: NamedDependency[IdentityService],
        guests: NamedDependency[Guests],
    ) -> LoginOut:  # fmt: skip
        result = await identity.email_login.verify(
            data.email, data.code, [c.to_input() for c in data.consents]
        )
        await guests.offer_proof(result.user.id)  # bookings made as a guest, still unproven
        return LoginOut.of(result)

    @post("/telegram", status_code=HTTP_200_OK, summary="Log in with the Telegram Login Widget")
    async def telegram(
        self, data: JSONBody[TelegramAuthIn], identity: NamedDependency[IdentityService]
    ) -> LoginOut:
        fields = msgspec.to_builtins(data)
        consents = fields.pop("consents")
        result = await identity.telegram_login.login(
            fields, [ConsentIn(**c).to_input() for c in consents]
        )
        return LoginOut.of(result)

    @post("/logout", status_code=HTTP_204_NO_CONTENT, summary="Revoke this session's token")
    async def logout(
        self, principal: NamedDependency[Principal], identity: NamedDependency[IdentityService]
    ) -> None:
        await identity.sessions.logout(principal)


class MeController(Controller):
    path = "/api/v1/me"
    tags = ["me"]  # noqa: RUF012
    cache_control = NO_STORE

    @get("/", summary="The signed-in user's profile")
    async def me(
        self, principal: NamedDependency[Principal], identity: NamedDependency[IdentityService]
    ) -> UserOut:
        return UserOut.of(await identity.profile.me(principal))

    @patch("/", summary="Change the profile; send If-Match: <version> to avoid lost updates")
    async def update_me(
        self,
        data: JSONBody[MePatchIn],
        principal: NamedDependency[Principal],
        identity: NamedDependency[IdentityService],
        if_match: Annotated[str | None, HeaderParameter(name="If-Match")] = None,
    ) -> UserOut:
        changes = ProfileChanges(
            display_name=data.display_name,
            timezone=data.timezone,
            locale=data.locale,
            phone=data.phone,
        )
        return UserOut.of(await identity.profile.update_me(principal, changes, _if_match(if_match)))

    @get("/consents", summary="The current state of each consent")
    async def consents(
        self, principal: NamedDependency[Principal], identity: NamedDependency[IdentityService]
    ) -> ConsentsOut:
        return ConsentsOut.of(await identity.profile.consents(principal))

    @post("/consents", summary="Give or withdraw a consent (appended to the history)")
    async def give_consent(
        self,
        data: JSONBody[ConsentIn],
        principal: NamedDependency[Principal],
        identity: NamedDependency[IdentityService],
    ) -> ConsentsOut:
        return ConsentsOut.of(await identity.profile.give_consent(principal, data.to_input()))

    @post("/data-exports", status_code=HTTP_202_ACCEPTED, summary="Ask for a copy of your data")
    async def request_export(
        self, principal: NamedDependency[Principal], identity: NamedDependency[IdentityService]
    ) -> RequestAccepted:
        return RequestAccepted(
            id=await identity.data_requests.request_export(principal), status="pending"
        )

    @get("/data-exports/{export_id:uuid}", summary="The status of a data export")
    async def export_status(
        self,
        export_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        identity: NamedDependency[IdentityService],
    ) -> ExportOut:
        return ExportOut.of(await identity.data_requests.export_status(principal, export_id))

    @get(
        "/data-exports/{export_id:uuid}/download",
        summary="Download the archive once, with the token from the e-mail",
    )
    async def download_export(
        self,
        export_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        identity: NamedDependency[IdentityService],
        token: Annotated[str, QueryParameter(name="token", max_length=128)],
    ) -> Response[dict[str, Any]]:
        archive = await identity.data_requests.download_export(principal, export_id, token)
        return Response(
            archive,
            headers={"Content-Disposition": f'attachment; filename="data-export-{export_id}.json"'},
        )

    @post(
        "/erasure",
        status_code=HTTP_202_ACCEPTED,
        summary="Erase your account: contact data anonymised, health data destroyed",
    )
    async def request_erasure(
        self, principal: NamedDependency[Principal], identity: NamedDependency[IdentityService]
    ) -> RequestAccepted:
        return RequestAccepted(
            id=await identity.data_requests.request_erasure(principal), status="pending"
        )


class AdminUsersController(Controller):
    path = "/api/v1/admin/users"
    tags = ["admin: users"]  # noqa: RUF012
    cache_control = NO_STORE
    dependencies = {"owner": requires(Role.OWNER)}  # noqa: RUF012

    @get("/", summary="Users, owner only")
    async def list_users(
        self,
        owner: NamedDependency[Principal],
        identity: NamedDependency[IdentityService],
        limit: Annotated[int, QueryParameter(name="limit", ge=1, le=100)] = 50,
        cursor: Annotated[str | None, QueryParameter(name="cursor", max_length=64)] = None,
    ) -> UsersPage:
        users = await identity.staff.list_users(
            owner, clamp_limit(limit) + 1, decode_cursor(cursor)
        )
        page = users[:limit]
        next_cursor = encode_cursor(page[-1].id) if len(users) > limit else None
        return UsersPage(items=[UserOut.of(u) for u in page], next_cursor=next_cursor)

    @post("/", summary="Add a staff member with roles")
    async def add_staff(
        self,
        data: JSONBody[StaffIn],
        owner: NamedDependency[Principal],
        identity: NamedDependency[IdentityService],
    ) -> UserOut:
        roles = frozenset(Role(r) for r in data.roles)
        return UserOut.of(await identity.staff.add_staff(owner, data.email, roles))

    @put("/{user_id:uuid}/roles", summary="Replace a user's roles")
    async def set_roles(
        self,
        user_id: FromPath[uuid.UUID],
        data: JSONBody[RolesIn],
        owner: NamedDependency[Principal],
        identity: NamedDependency[IdentityService],
    ) -> UserOut:
        roles = frozenset(Role(r) for r in data.roles)
        return UserOut.of(await identity.staff.set_roles(owner, user_id, roles))

    @post(
        "/{user_id:uuid}/block",
        status_code=HTTP_204_NO_CONTENT,
        summary="Block a user; their sessions end at once",
    )
    async def block(
        self,
        user_id: FromPath[uuid.UUID],
        owner: NamedDependency[Principal],
        identity: NamedDependency[IdentityService],
    ) -> None:
        await identity.staff.block(owner, user_id)

    @post(
        "/{user_id:uuid}/unblock",
        status_code=HTTP_204_NO_CONTENT,
        summary="Unblock a user: they can sign in again (audited)",
    )
    async def unblock(
        self,
        user_id: FromPath[uuid.UUID],
        owner: NamedDependency[Principal],
        identity: NamedDependency[IdentityService],
    ) -> None:
        await identity.staff.unblock(owner, user_id)


IDENTITY_CONTROLLERS = [AuthController, MeController, AdminUsersController]
