"""HTTP endpoints of the CRM: the public contact form and the staff's leads."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED

from app.adapters.http.fields import EmailAddress
from app.adapters.http.identity import NO_STORE, ConsentIn
from app.adapters.http.pagination import MAX_LIMIT, AwareDatetime, decode_position, page_of
from app.application.access import Principal
from app.application.crm.service import ContactForm, CrmService, ManualLead

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Code = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
MetaKey = Annotated[str, msgspec.Meta(max_length=64)]
LeadStatus = Literal["new", "contacted", "qualified", "lost"]


class LeadIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    consents: list[ConsentIn]
    email: EmailAddress | None = None
    phone: Annotated[str, msgspec.Meta(max_length=32)] | None = None
    telegram: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    message: Annotated[str, msgspec.Meta(max_length=5000)] | None = None
    topic: Code | None = None
    metadata: dict[MetaKey, str | int | bool | None] = {}


class ReceivedOut(msgspec.Struct):
    status: str = "received"


class PublicLeadsController(Controller):
    path = "/api/v1"
    tags = ["engagement"]  # noqa: RUF012

    @post("/leads", status_code=HTTP_202_ACCEPTED, cache_control=NO_STORE,
          summary="The contact form; always a new lead (contacts are claims)")  # fmt: skip
    async def submit(self, data: JSONBody[LeadIn], crm: NamedDependency[CrmService]) -> ReceivedOut:
        await crm.submit(
            ContactForm(
                name=data.name,
                email=data.email,
                phone=data.phone,
                telegram=data.telegram,
                message=data.message,
                topic=data.topic,
                consents=tuple(
                    (c.consent_type, c.granted, c.document_version) for c in data.consents
                ),
                metadata=dict(data.metadata),
            )
        )
        return ReceivedOut()


class LeadSummaryOut(msgspec.Struct):
    id: uuid.UUID
    status: str
    source: str
    display_name: str | None
    assigned_to: uuid.UUID | None
    converted_user_id: uuid.UUID | None
    first_touch: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    version: int


class LeadsOut(msgspec.Struct):
    items: list[LeadSummaryOut]
    next_cursor: str | None = None


class ManualLeadIn(msgspec.Struct, forbid_unknown_fields=True):
    """Someone staff met outside the site; ``source`` is always ``manual`` here."""

    name: Name
    email: EmailAddress | None = None
    phone: Annotated[str, msgspec.Meta(max_length=32)] | None = None
    telegram: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    note: Annotated[str, msgspec.Meta(min_length=1, max_length=5000)] | None = None
    source: Literal["manual"] = "manual"


class LookupIn(msgspec.Struct, forbid_unknown_fields=True):
    """Exactly one of the two."""

    email: EmailAddress | None = None
    phone: Annotated[str, msgspec.Meta(min_length=5, max_length=32)] | None = None


class ClientMatchOut(msgspec.Struct):
    kind: Literal["user", "lead"]
    id: uuid.UUID
    display_name: str | None
    status: str
    verified: bool


class LookupOut(msgspec.Struct):
    items: list[ClientMatchOut]


class IdentityOut(msgspec.Struct):
    kind: str
    value: str
    created_at: datetime


class TimelineEventOut(msgspec.Struct):
    event_type: str
    occurred_at: datetime
    props: dict[str, Any]


class NoteOut(msgspec.Struct):
    author_id: uuid.UUID | None
    body: str
    created_at: datetime


class MergeSuggestionOut(msgspec.Struct):
    """Another lead that gave the same contact of this kind: perhaps the same person,
    perhaps someone who typed another's contact. Staff decide; nothing merges by itself."""

    id: uuid.UUID
    kind: str


class LeadOut(LeadSummaryOut):
    identities: list[IdentityOut]
    timeline: list[TimelineEventOut]
    notes: list[NoteOut]
    merge_suggestions: list[MergeSuggestionOut]


class LeadPatch(msgspec.Struct, forbid_unknown_fields=True):
    version: int
    status: LeadStatus | None = None
    assigned_to: uuid.UUID | None = None


class NoteIn(msgspec.Struct, forbid_unknown_fields=True):
    body: Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]


class ConvertIn(msgspec.Struct, forbid_unknown_fields=True):
    user_id: uuid.UUID


class MergeIn(msgspec.Struct, forbid_unknown_fields=True):
    source_lead_id: uuid.UUID


class AdminLeadsController(Controller):
    """Owner and assistant; reading a lead (its notes are P2) is audited."""

    path = "/api/v1/admin/leads"
    tags = ["admin: crm"]  # noqa: RUF012
    cache_control = NO_STORE

    @get("/", summary="Leads, newest first; q matches the name or a contact")
    async def list_leads(
        self, principal: NamedDependency[Principal], crm: NamedDependency[CrmService],
        status: Annotated[LeadStatus | Literal["converted"] | None,
                          QueryParameter(name="status")] = None,
        q: Annotated[str | None, QueryParameter(name="q", min_length=2, max_length=100)] = None,
        limit: Annotated[int, QueryParameter(name="limit", ge=1, le=MAX_LIMIT)] = 50,
        cursor: Annotated[str | None, QueryParameter(name="cursor", max_length=200)] = None,
    ) -> LeadsOut:  # fmt: skip
        after = decode_position(cursor, tuple[AwareDatetime, uuid.UUID])
        rows = await crm.leads(principal, status, q, limit + 1, after)
        page, next_cursor = page_of(rows, limit, lambda lead: (lead.created_at, lead.id))
        return LeadsOut(
            msgspec.convert(page, list[LeadSummaryOut], from_attributes=True), next_cursor
        )

    @post("/", status_code=HTTP_201_CREATED,
          summary="Add a lead staff met outside the site (source manual; audited)")  # fmt: skip
    async def create_manual(
        self, data: JSONBody[ManualLeadIn], principal: NamedDependency[Principal],
        crm: NamedDependency[CrmService],
    ) -> LeadOut:  # fmt: skip
        person = ManualLead(data.name, data.email, data.phone, data.telegram, data.note)
        lead = await crm.create_manual(principal, person)
        return msgspec.convert(lead, LeadOut, from_attributes=True)

    @get("/{lead_id:uuid}", summary="A lead with identities, timeline and notes (audited)")
    async def get_lead(
        self, lead_id: FromPath[uuid.UUID], principal: NamedDependency[Principal],
        crm: NamedDependency[CrmService],
    ) -> LeadOut:  # fmt: skip
        return msgspec.convert(await crm.lead(principal, lead_id), LeadOut, from_attributes=True)

    @patch("/{lead_id:uuid}", summary="Status and assignment; send version")
    async def edit(
        self, lead_id: FromPath[uuid.UUID], data: JSONBody[LeadPatch],
        principal: NamedDependency[Principal], crm: NamedDependency[CrmService],
    ) -> LeadOut:  # fmt: skip
        row = await crm.update(principal, lead_id, data.version, data.status, data.assigned_to)
        return msgspec.convert(row, LeadOut, from_attributes=True)

    @post("/{lead_id:uuid}/notes", summary="A staff note (encrypted)")
    async def add_note(
        self, lead_id: FromPath[uuid.UUID], data: JSONBody[NoteIn],
        principal: NamedDependency[Principal], crm: NamedDependency[CrmService],
    ) -> LeadOut:  # fmt: skip
        lead = await crm.add_note(principal, lead_id, data.body)
        return msgspec.convert(lead, LeadOut, from_attributes=True)

    @post("/{lead_id:uuid}/convert", status_code=200, summary="Link the lead to a client")
    async def convert(
        self, lead_id: FromPath[uuid.UUID], data: JSONBody[ConvertIn],
        principal: NamedDependency[Principal], crm: NamedDependency[CrmService],
    ) -> LeadOut:  # fmt: skip
        lead = await crm.convert(principal, lead_id, data.user_id)
        return msgspec.convert(lead, LeadOut, from_attributes=True)

    @post("/{lead_id:uuid}/merge", status_code=200,
          summary="Merge another lead into this one (staff decide; audited)")  # fmt: skip
    async def merge(
        self, lead_id: FromPath[uuid.UUID], data: JSONBody[MergeIn],
        principal: NamedDependency[Principal], crm: NamedDependency[CrmService],
    ) -> LeadOut:  # fmt: skip
        row = await crm.merge(principal, lead_id, data.source_lead_id)
        return msgspec.convert(row, LeadOut, from_attributes=True)


class ClientLookupController(Controller):
    """Owner and assistant: who is this e-mail or phone? (POST keeps the contact out of
    URLs and access logs; the lookup is audited without it.)"""

    path = "/api/v1/admin/clients"
    tags = ["admin: crm"]  # noqa: RUF012
    cache_control = NO_STORE

    @post("/lookup", status_code=200,
          summary="Accounts and leads with exactly this e-mail or phone (audited)")  # fmt: skip
    async def lookup(
        self, data: JSONBody[LookupIn], principal: NamedDependency[Principal],
        crm: NamedDependency[CrmService],
    ) -> LookupOut:  # fmt: skip
        found = await crm.lookup(principal, data.email, data.phone)
        return LookupOut(msgspec.convert(found, list[ClientMatchOut], from_attributes=True))


CRM_CONTROLLERS = [PublicLeadsController, AdminLeadsController, ClientLookupController]
