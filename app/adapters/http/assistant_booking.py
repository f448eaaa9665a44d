"""HTTP endpoint of the booking concierge: guided steps, free text, and the client's
confirmation of a proposal (the only thing that holds a slot)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from app.adapters.http.booking import ConsentIn, IdempotencyKey, Slug, _aware, _zone
from app.adapters.http.identity import NO_STORE
from app.application.access import Principal
from app.application.assistants.concierge import (
    Concierge,
    ConciergeAnswer,
    GuidedStep,
    HoldTerms,
)
from app.application.booking.callers import Caller
from app.domain.errors import ValidationFailed

ThreadId = Annotated[
    str,
    msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{8,64}$", description="A conversation's id"),
]


class ConfirmIn(msgspec.Struct, forbid_unknown_fields=True):
    thread_id: Annotated[
        ThreadId | None,
        msgspec.Meta(description="The conversation whose proposal this answers (assistant mode)"),
    ] = None
    service: Annotated[Slug | None, msgspec.Meta(description="The guided proposal's service")] = (
        None
    )
    start: Annotated[
        datetime | None, msgspec.Meta(description="The guided proposal's start (with offset)")
    ] = None
    confirm: Annotated[
        bool, msgspec.Meta(description="true holds the slot; false declines the proposal")
    ] = True
    format: Literal["online", "offline"] | None = None
    timezone: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    consents: list[ConsentIn] = []


class ConciergeIn(msgspec.Struct, forbid_unknown_fields=True):
    """One of: the guided fields (service, date, start), ``message`` (free text, with
    ``thread_id`` to continue a conversation), or ``confirm``."""

    service: Slug | None = None
    date: date | None = None
    start: datetime | None = None
    message: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)] | None = None
    thread_id: ThreadId | None = None
    confirm: ConfirmIn | None = None


class ServiceChoiceOut(msgspec.Struct):
    slug: str
    title: str
    format: str
    duration_minutes: int
    price: str
    currency: str


class DayChoiceOut(msgspec.Struct):
    date: date
    free_slots: int


class SlotChoiceOut(msgspec.Struct):
    slot_id: str
    service: str
    start: datetime
    end: datetime


class ProposalOut(msgspec.Struct):
    service: str
    service_title: str
    start: datetime
    end: datetime
    price: str
    pay_now: Annotated[str, msgspec.Meta(description="The deposit, or the price")]
    currency: str
    formats: list[str]


class HeldOut(msgspec.Struct):
    appointment_id: uuid.UUID
    service: str
    service_title: str
    status: str
    start: datetime
    end: datetime
    hold_expires_at: datetime | None
    payment_url: Annotated[str, msgspec.Meta(description="Pay here before the hold lapses")]
    next_step: Literal["pay"]


class ConciergeOut(msgspec.Struct):
    mode: Annotated[
        Literal["guided", "assistant", "crisis"],
        msgspec.Meta(description="guided: the step-by-step flow (no model); assistant: the "
                     "model answered; crisis: the crisis resources, nothing else"),
    ]  # fmt: skip
    step: Literal["service", "day", "time", "confirm", "held", "answer", "crisis"]
    text: str
    guided_reason: Annotated[
        Literal["no_model", "no_consent", "not_admitted", "model_error"] | None,
        msgspec.Meta(description="Why free text got the guided flow"),
    ] = None
    timezone: str | None = None
    services: list[ServiceChoiceOut] = []
    days: list[DayChoiceOut] = []
    slots: list[SlotChoiceOut] = []
    proposal: ProposalOut | None = None
    thread_id: str | None = None
    held: HeldOut | None = None
    crisis_resources: dict[str, Any] | None = None


def _out(answer: ConciergeAnswer) -> ConciergeOut:
    return msgspec.convert(msgspec.to_builtins(answer), ConciergeOut)


class ConciergeController(Controller):
    path = "/api/v1/assistant"
    tags = ["assistant"]  # noqa: RUF012

    @post("/booking", status_code=200, cache_control=NO_STORE,
          summary="The booking concierge: choose a service and a free time, then confirm",
          description="Guided fields walk service → day → time → a proposal; `message` is "
          "free text (to a model only with the client's ai_processing consent, otherwise "
          "the guided flow answers with `guided_reason`); `confirm` answers a proposal and "
          "only `confirm: true` holds the slot, through the ordinary hold (its consents and "
          "rules; a time no longer free is 409 `slot_unavailable`). Nothing is paid here: "
          "the answer carries the payment link.")  # fmt: skip
    async def booking(
        self, data: JSONBody[ConciergeIn], principal: NamedDependency[Principal],
        concierge: NamedDependency[Concierge], idempotency_key: IdempotencyKey = None,
    ) -> ConciergeOut:  # fmt: skip
        caller = Caller(principal)
        guided = data.service is not None or data.date is not None or data.start is not None
        if sum((guided, data.message is not None, data.confirm is not None)) > 1:
            raise ValidationFailed("send guided fields, a message or a confirmation", field="")
        if data.confirm is not None:
            c = data.confirm
            if (c.thread_id is None) == (c.service is None or c.start is None):
                raise ValidationFailed(
                    "give either thread_id or the proposal's service and start", field="confirm"
                )
            terms = HoldTerms(
                format=c.format, timezone=_zone(c.timezone) if c.timezone else None,
                consents=tuple((x.consent_type, x.granted, x.document_version)
                               for x in c.consents),
            )  # fmt: skip
            answer = await concierge.confirm(
                caller, thread_id=c.thread_id, service=c.service,
                start=_aware(c.start, "start") if c.start else None, confirm=c.confirm,
                terms=terms, idempotency_key=idempotency_key,
            )  # fmt: skip
        elif data.message is not None:
            answer = await concierge.message(caller, data.message, data.thread_id)
        else:
            start = _aware(data.start, "start") if data.start else None
            answer = await concierge.step(caller, GuidedStep(data.service, data.date, start))
        return _out(answer)


CONCIERGE_CONTROLLERS = (ConciergeController,)
