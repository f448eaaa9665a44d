"""Booking repositories over PostgreSQL (queries in sql/booking/ and sql/crm/; payments
come from the payments adapter)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import msgspec
from psycopg.types.json import Jsonb

from app.adapters.postgres.session import Session
from app.application.booking.cancellation import cancel_under_policy
from app.application.booking.ports import GuestContact, OfferHold, PaymentPort
from app.application.booking.read_models import (
    ClientAppointment,
    IntakeForm,
    LeftRequest,
    OfferView,
    ReleasedOffer,
    RememberedHold,
    ScheduleExceptionView,
    ScheduleRuleView,
    StaffAppointment,
    StandingOffer,
    WaitlistEntry,
    WaitlistOffer,
)
from app.application.crm.ports import LeadDirectory as CrmLeadDirectory
from app.application.identity.personal_data import DataSubject
from app.domain.booking.appointment import Appointment, AppointmentStatus
from app.domain.booking.availability import ScheduleException, WeeklyRule
from app.domain.booking.service import Service
from app.domain.crm.contact import LeadContact, NewLead
from app.domain.errors import VersionConflict
from app.domain.shared.ids import new_id
from app.domain.shared.time_range import TimeRange

# A row as psycopg hands it over; it never leaves this module.
Row = dict[str, Any]
HOLD_SCOPE = "appointments:create"


def _service(row: Row) -> Service:
    return Service(**{k: row[k] for k in Service.__struct_fields__})


class PostgresServiceRepository:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.booking

    async def list(self, include_unpublished: bool) -> list[Service]:
        rows = self._q.list_services(self._s.conn, include_unpublished=include_unpublished)
        return [_service(r) async for r in rows]

    async def by_slug(self, slug: str) -> Service | None:
        row = await self._q.get_service_by_slug(self._s.conn, slug=slug)
        return _service(row) if row else None

    async def get(self, service_id: uuid.UUID) -> Service | None:
        row = await self._q.get_service(self._s.conn, id=service_id)
        return _service(row) if row else None

    async def add(self, service: Service) -> None:
        fields = msgspec.structs.asdict(service)
        fields.pop("version")
        await self._q.insert_service(self._s.conn, now=self._s.clock.now(), **fields)

    async def update(self, service: Service, expected_version: int) -> Service:
        fields = msgspec.structs.asdict(service)
        fields["version"] = expected_version
        row = await self._q.update_service(self._s.conn, now=self._s.clock.now(), **fields)
        if row is None:
            raise VersionConflict()
        return msgspec.structs.replace(service, version=row["version"])


class PostgresScheduleRepository:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.booking

    async def rules_for(self, service_id: uuid.UUID) -> list[WeeklyRule]:
        return [
            WeeklyRule(
                weekday=r["weekday"],
                start=r["start_time"],
                end=r["end_time"],
                timezone=r["timezone"],
                valid_from=r["valid_from"],
                valid_to=r["valid_to"],
                service_id=r["service_id"],
            )
            async for r in self._q.rules_for_service(self._s.conn, service_id=service_id)
        ]

    async def list_rules(self) -> list[ScheduleRuleView]:
        return [ScheduleRuleView(**r) async for r in self._q.list_rules(self._s.conn)]

    async def add_rule(self, rule: WeeklyRule) -> uuid.UUID:
        rule_id = new_id()
        await self._q.insert_rule(
            self._s.conn, id=rule_id, weekday=rule.weekday, start_time=rule.start,
            end_time=rule.end, timezone=rule.timezone, valid_from=rule.valid_from,
            valid_to=rule.valid_to, service_id=rule.service_id, now=self._s.clock.now(),
        )  # fmt: skip
        return rule_id

    async def delete_rule(self, rule_id: uuid.UUID) -> bool:
        return int(await self._q.delete_rule(self._s.conn, id=rule_id)) == 1

    async def exceptions_in(self, window: TimeRange) -> list[ScheduleException]:
        rows = self._q.exceptions_between(self._s.conn, start_at=window.start, end_at=window.end)
        return [
            ScheduleException(TimeRange(r["start_at"], r["end_at"]), r["kind"]) async for r in rows
        ]

    async def add_exception(self, exception: ScheduleException, reason: str | None) -> uuid.UUID:
        exception_id = new_id()
        await self._q.insert_exception(
            self._s.conn, id=exception_id, start_at=exception.period.start,
            end_at=exception.period.end, kind=exception.kind, reason=reason,
            now=self._s.clock.now(),
        )  # fmt: skip
        return exception_id

    async def delete_exception(self, exception_id: uuid.UUID) -> bool:
        return int(await self._q.delete_exception(self._s.conn, id=exception_id)) == 1

    async def get_rule(self, rule_id: uuid.UUID) -> ScheduleRuleView | None:
        row = await self._q.get_rule(self._s.conn, id=rule_id)
        return ScheduleRuleView(**row) if row else None

    async def update_rule(
        self, rule_id: uuid.UUID, rule: WeeklyRule, expected_version: int
    ) -> ScheduleRuleView | None:
        row = await self._q.update_rule(
            self._s.conn, id=rule_id, version=expected_version, weekday=rule.weekday,
            start_time=rule.start, end_time=rule.end, timezone=rule.timezone,
            valid_from=rule.valid_from, valid_to=rule.valid_to, service_id=rule.service_id,
            now=self._s.clock.now(),
        )  # fmt: skip
        return ScheduleRuleView(**row) if row else None

    async def list_exceptions(self, window: TimeRange) -> list[ScheduleExceptionView]:
        rows = self._q.list_exceptions(self._s.conn, start_at=window.start, end_at=window.end)
        return [ScheduleExceptionView(**r) async for r in rows]

    async def get_exception(self, exception_id: uuid.UUID) -> ScheduleExceptionView | None:
        row = await self._q.get_exception(self._s.conn, id=exception_id)
        return ScheduleExceptionView(**row) if row else None

    async def update_exception(
        self, exception_id: uuid.UUID, exception: ScheduleException, reason: str | None,
        expected_version: int,
    ) -> ScheduleExceptionView | None:  # fmt: skip
        row = await self._q.update_exception(
            self._s.conn, id=exception_id, version=expected_version,
            start_at=exception.period.start, end_at=exception.period.end, kind=exception.kind,
            reason=reason, now=self._s.clock.now(),
        )  # fmt: skip
        return ScheduleExceptionView(**row) if row else None


def _appointment(row: Row) -> Appointment:
    return Appointment(
        id=row["id"], service_id=row["service_id"], client_user_id=row["client_user_id"],
        lead_id=row["lead_id"], session=TimeRange(row["start_at"], row["end_at"]),
        blocked=TimeRange(row["blocked_start"], row["blocked_end"]), timezone=row["timezone"],
        format=row["format"], status=AppointmentStatus(row["status"]),
        created_at=row["created_at"], hold_expires_at=row["hold_expires_at"],
        metadata=row["metadata"],
        manage_token_hash=bytes(row["manage_token_hash"]) if row["manage_token_hash"] else None,
        cancel_reason=row["cancel_reason"], canceled_at=row["canceled_at"],
        canceled_by=row["canceled_by"], rescheduled_from_id=row["rescheduled_from_id"],
        reminders_sent=tuple(row["reminders_sent"]),
        external_calendar_event_id=row["external_calendar_event_id"],
        meeting_url=row["meeting_url"], location_text=row["location_text"],
        contact_identity_id=row["contact_identity_id"],
        version=row["version"],
    )  # fmt: skip


class PostgresAppointmentRepository:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.booking

    async def lock_calendar(self) -> None:
        await self._q.lock_calendar(self._s.conn)

    async def busy_in(self, window: TimeRange) -> list[TimeRange]:
        rows = self._q.busy_between(self._s.conn, start_at=window.start, end_at=window.end)
        return [TimeRange(r["start_at"], r["end_at"]) async for r in rows]

    async def add(self, appointment: Appointment) -> None:
        a = appointment
        await self._q.insert_appointment(
            self._s.conn, id=a.id, service_id=a.service_id, client_user_id=a.client_user_id,
            lead_id=a.lead_id, contact_identity_id=a.contact_identity_id,
            start_at=a.session.start, end_at=a.session.end,
            blocked_start=a.blocked.start, blocked_end=a.blocked.end, timezone=a.timezone,
            status=a.status.value, format=a.format, metadata=Jsonb(a.metadata),
            hold_expires_at=a.hold_expires_at, manage_token_hash=a.manage_token_hash,
            rescheduled_from_id=a.rescheduled_from_id, meeting_url=a.meeting_url,
            location_text=a.location_text, now=self._s.clock.now(),
        )  # fmt: skip
        self._s.track(appointment)

    async def get(self, appointment_id: uuid.UUID) -> Appointment | None:
        row = await self._q.get_appointment(self._s.conn, id=appointment_id)
        return _appointment(row) if row else None

    async def save(self, appointment: Appointment) -> None:
        a = appointment
        row = await self._q.update_appointment(
            self._s.conn, id=a.id, version=a.version, status=a.status.value,
            hold_expires_at=a.hold_expires_at, cancel_reason=a.cancel_reason,
            canceled_at=a.canceled_at, canceled_by=a.canceled_by,
            reminders_sent=list(a.reminders_sent), manage_token_hash=a.manage_token_hash,
            external_calendar_event_id=a.external_calendar_event_id, meeting_url=a.meeting_url,
            location_text=a.location_text, now=self._s.clock.now(),
        )  # fmt: skip
        if row is None:
            raise VersionConflict()
        a.version = row["version"]
        self._s.track(appointment)

    async def expired_holds(self, now: datetime, limit: int) -> list[uuid.UUID]:
        return [r["id"] async for r in self._q.expired_holds(self._s.conn, now=now, limit=limit)]

    async def guest_appointments_for_email(
        self, email_normalized: str, now: datetime, limit: int
    ) -> list[uuid.UUID]:
        rows = self._q.guest_appointments_for_email(
            self._s.conn, email_normalized=email_normalized, now=now, limit=limit
        )
        return [r["id"] async for r in rows]

    async def by_manage_token(self, manage_token_hash: bytes) -> uuid.UUID | None:
        row = await self._q.appointment_by_manage_token(
            self._s.conn, manage_token_hash=manage_token_hash
        )
        return row["id"] if row else None

    async def due_for_reminder(
        self, now: datetime, label: str, lead_hours: int, limit: int
    ) -> list[uuid.UUID]:
        rows = self._q.due_for_reminder(
            self._s.conn, now=now, offset_label=label, lead_time=timedelta(hours=lead_hours),
            limit=limit,
        )  # fmt: skip
        return [r["id"] async for r in rows]

    async def due_for_remainder_reminder(
        self, now: datetime, lead_hours: int, limit: int
    ) -> list[uuid.UUID]:
        rows = self._q.due_for_remainder_reminder(
            self._s.conn, now=now, lead_time=timedelta(hours=lead_hours), limit=limit
        )
        return [r["id"] async for r in rows]

    async def upcoming_of(
        self, user_id: uuid.UUID | None, lead_ids: tuple[uuid.UUID, ...], now: datetime
    ) -> list[uuid.UUID]:
        rows = self._q.upcoming_appointments(
            self._s.conn, user_id=user_id, lead_ids=list(lead_ids), now=now
        )
        return [r["id"] async for r in rows]

    async def list_for_client(
        self, user_id: uuid.UUID, upcoming: bool, now: datetime
    ) -> list[ClientAppointment]:
        rows = self._q.list_for_client(
            self._s.conn, client_user_id=user_id, upcoming=upcoming, now=now
        )
        return [ClientAppointment(**r) async for r in rows]

    async def list_between(self, window: TimeRange, status: str | None) -> list[StaffAppointment]:
        rows = self._q.list_between(
            self._s.conn, start_at=window.start, end_at=window.end, status=status
        )
        return [StaffAppointment(**r) async for r in rows]


class PostgresLeadDirectory:
    """Guests' leads through the CRM's lead directory (given by the composition root)."""

    def __init__(self, session: Session, leads: CrmLeadDirectory | None = None) -> None:
        self._s = session
        self._q = session.queries.crm
        self._leads = leads

    def _directory(self) -> CrmLeadDirectory:
        if self._leads is None:  # pragma: no cover (a wiring error)
            raise RuntimeError("guest bookings need the CRM lead directory")
        return self._leads

    async def create(
        self,
        contact: GuestContact,
        consents: list[tuple[str, bool, str]],
        first_touch: str,
        source: str = "booking",
    ) -> NewLead:
        """A lead of the guest's own for this request (the CRM's rule for every entry
        point: contacts are claims, a lead that already has them is never joined)."""
        contact_given = LeadContact(contact.name, contact.email, contact.phone)
        return await self._directory().create(
            source, contact_given, consents, {"entry_point": first_touch}
        )

    async def add_event(self, lead_id: uuid.UUID, event_type: str) -> None:
        await self._directory().add_event(lead_id, event_type, {})

    async def contact(
        self, lead_id: uuid.UUID, identity_id: uuid.UUID | None
    ) -> tuple[str | None, str | None]:
        """The lead's name and the e-mail given with the booking (None without one)."""
        row = await self._q.lead_contact(self._s.conn, lead_id=lead_id, identity_id=identity_id)
        return (row["display_name"], row["email"]) if row else (None, None)


class PostgresWaitlistRepository:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.booking

    async def add(
        self, service_id: uuid.UUID, user_id: uuid.UUID | None, lead_id: uuid.UUID | None,
        contact_identity_id: uuid.UUID | None, preferences: dict[str, Any],
    ) -> uuid.UUID:  # fmt: skip
        request_id = new_id()
        await self._q.insert_waitlist(
            self._s.conn, id=request_id, service_id=service_id, user_id=user_id, lead_id=lead_id,
            contact_identity_id=contact_identity_id, preferences=Jsonb(preferences),
            now=self._s.clock.now(),
        )  # fmt: skip
        return request_id

    async def offer_first_matching(
        self, service_id: uuid.UUID, weekday: int, part_of_day: str,
        hold: OfferHold | None = None,
    ) -> WaitlistOffer | None:  # fmt: skip
        row = await self._q.first_matching_waitlist(
            self._s.conn, service_id=service_id, weekday=weekday, part_of_day=part_of_day
        )
        if row is None:
            return None
        await self._q.mark_waitlist_offered(
            self._s.conn, id=row["id"], now=self._s.clock.now(),
            offer_start_at=hold.start_at if hold else None,
            blocked_start=hold.blocked.start if hold else None,
            blocked_end=hold.blocked.end if hold else None,
            offer_expires_at=hold.expires_at if hold else None,
            offer_token_hash=hold.token_hash if hold else None,
        )  # fmt: skip
        return WaitlistOffer(**row)

    async def fulfil(
        self, service_id: uuid.UUID, user_id: uuid.UUID | None, lead_id: uuid.UUID | None,
        offer_id: uuid.UUID | None = None,
    ) -> None:  # fmt: skip
        await self._q.fulfil_waitlist(
            self._s.conn, service_id=service_id, user_id=user_id, lead_id=lead_id,
            offer_id=offer_id, now=self._s.clock.now(),
        )  # fmt: skip

    async def standing_offers(self, window: TimeRange, now: datetime) -> list[StandingOffer]:
        rows = self._q.standing_offers(
            self._s.conn, start_at=window.start, end_at=window.end, now=now
        )
        return [StandingOffer(**r) async for r in rows]

    async def offer_by_token(self, token_hash: bytes, now: datetime) -> OfferView | None:
        row = await self._q.offer_by_token(self._s.conn, offer_token_hash=token_hash, now=now)
        return OfferView(**row) if row else None

    async def of_user(self, user_id: uuid.UUID) -> list[WaitlistEntry]:
        rows = self._q.waitlist_of_user(self._s.conn, user_id=user_id)
        return [WaitlistEntry(**r) async for r in rows]

    async def leave(self, request_id: uuid.UUID, user_id: uuid.UUID) -> LeftRequest | None:
        row = await self._q.leave_waitlist(
            self._s.conn, id=request_id, user_id=user_id, now=self._s.clock.now()
        )
        if row is None:
            return None
        released = ReleasedOffer(
            service_id=row["service_id"], offer_start_at=row["offer_start_at"],
            blocked_start=row["blocked_start"], blocked_end=row["blocked_end"],
        ) if row["released"] else None  # fmt: skip
        return LeftRequest(id=row["id"], released=released)

    async def expire_offers(self, before: datetime) -> list[ReleasedOffer]:
        rows = self._q.expire_waitlist_offers(self._s.conn, before=before, now=self._s.clock.now())
        return [ReleasedOffer(**r) async for r in rows if r["blocked_start"] is not None]


class PostgresIntakeRepository:
    TABLE, COLUMN = "intake_forms", "payload_encrypted"

    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.booking

    def _out(self, row: Row) -> IntakeForm:
        answers = json.loads(
            self._s.decrypt(row["payload_encrypted"], self.TABLE, self.COLUMN, row["id"])
        )
        return IntakeForm(
            id=row["id"], status=row["status"], answers=answers,
            submitted_at=row["submitted_at"], updated_at=row["updated_at"],
            version=row["version"],
        )  # fmt: skip

    async def get(self, appointment_id: uuid.UUID) -> IntakeForm | None:
        row = await self._q.get_intake(self._s.conn, appointment_id=appointment_id)
        return self._out(row) if row else None

    async def save(
        self, appointment_id: uuid.UUID, current: IntakeForm | None, answers: dict[str, Any],
        submit: bool,
    ) -> IntakeForm:  # fmt: skip
        now = self._s.clock.now()
        status = "submitted" if submit else "draft"
        submitted_at = now if submit else None
        payload = json.dumps(answers, ensure_ascii=False)
        if current is None:
            form_id = new_id()
            await self._q.insert_intake(
                self._s.conn, id=form_id, appointment_id=appointment_id,
                payload_encrypted=self._s.encrypt(payload, self.TABLE, self.COLUMN, form_id),
                status=status, submitted_at=submitted_at, now=now,
            )  # fmt: skip
        else:
            # The update matches drafts only: a form submitted meanwhile is a conflict.
            row = await self._q.update_intake(
                self._s.conn, id=current.id, version=current.version,
                payload_encrypted=self._s.encrypt(payload, self.TABLE, self.COLUMN, current.id),
                status=status, submitted_at=submitted_at, now=now,
            )  # fmt: skip
            if row is None:
                raise VersionConflict()
        saved = await self.get(appointment_id)
        assert saved is not None  # noqa: S101 (just written in this transaction)
        return saved


class PostgresIdempotencyStore:
    TABLE, COLUMN = "idempotency_records", "response_encrypted"

    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.events

    async def find_hold(self, key: str) -> RememberedHold | None:
        row = await self._q.find_idempotency_record(self._s.conn, scope=HOLD_SCOPE, key=key)
        if row is None:
            return None
        body = json.loads(
            self._s.decrypt(row["response_encrypted"], self.TABLE, self.COLUMN, row["id"])
        )
        return RememberedHold(
            request_hash=bytes(row["request_hash"]),
            appointment_id=uuid.UUID(body["appointment_id"]),
            payment_id=uuid.UUID(body["payment_id"]),
            confirmation_url=body["confirmation_url"] or "",
            manage_token=body["manage_token"],
        )

    async def remember_hold(self, key: str, hold: RememberedHold) -> None:
        """Stored as the first answer was given: its ids, link and manage token (encrypted)."""
        record_id = new_id()
        response = {
            "appointment_id": str(hold.appointment_id), "payment_id": str(hold.payment_id),
            "confirmation_url": hold.confirmation_url, "manage_token": hold.manage_token,
        }  # fmt: skip
        await self._q.insert_idempotency_record(
            self._s.conn, id=record_id, scope=HOLD_SCOPE, key=key,
            request_hash=hold.request_hash, resource_id=hold.appointment_id, status_code=201,
            now=self._s.clock.now(),
            response_encrypted=self._s.encrypt(
                json.dumps(response, default=str), self.TABLE, self.COLUMN, record_id
            ),
        )  # fmt: skip


class PostgresConsentReader:
    def __init__(self, session: Session) -> None:
        self._s = session

    async def has(self, user_id: uuid.UUID, consent_type: str) -> bool:
        history = self._s.queries.identity.consent_history(self._s.conn, user_id=user_id)
        state: dict[str, bool] = {}
        async for row in history:
            state[row["consent_type"]] = row["granted"]
        return state.get(consent_type, False)

    async def lead_has(self, lead_id: uuid.UUID, consent_type: str) -> bool:
        row = await self._s.queries.booking.lead_consent_state(
            self._s.conn, lead_id=lead_id, consent_type=consent_type
        )
        return bool(row and row["granted"])

    async def record(
        self, user_id: uuid.UUID | None, lead_id: uuid.UUID | None, consent_type: str,
        granted: bool, document_version: str,
    ) -> None:  # fmt: skip
        conn, now = self._s.conn, self._s.clock.now()
        if user_id is not None:
            await self._s.queries.identity.insert_consent(
                conn, id=new_id(), user_id=user_id, consent_type=consent_type, granted=granted,
                document_version=document_version, source="web", created_at=now,
            )  # fmt: skip
        elif lead_id is not None:
            await self._s.queries.crm.insert_lead_consent(
                conn, id=new_id(), lead_id=lead_id, consent_type=consent_type, granted=granted,
                document_version=document_version, now=now,
            )  # fmt: skip


class PostgresSettingsReader:
    def __init__(self, session: Session) -> None:
        self._s = session

    async def get(self, key: str) -> object:
        row = await self._s.queries.admin.get_setting(self._s.conn, key=key)
        return row["value"] if row else None


class PostgresContactReader:
    def __init__(self, session: Session) -> None:
        self._s = session

    async def user_contact(self, user_id: uuid.UUID) -> tuple[str | None, str | None]:
        row = await self._s.queries.identity.get_user(self._s.conn, id=user_id)
        return (row["display_name"], row["email"]) if row else (None, None)

    async def user_timezone(self, user_id: uuid.UUID) -> str | None:
        row = await self._s.queries.identity.get_user(self._s.conn, id=user_id)
        return str(row["timezone"]) if row else None

    async def telegram_chat(
        self, user_id: uuid.UUID | None, lead_id: uuid.UUID | None
    ) -> int | None:
        row = await self._s.queries.telegram.notification_chat(
            self._s.conn, user_id=user_id, lead_id=lead_id
        )
        return int(row["chat_id"]) if row else None

    async def granted_consents(
        self, user_id: uuid.UUID | None, lead_id: uuid.UUID | None
    ) -> frozenset[str]:
        rows = self._s.queries.identity.granted_consents(
            self._s.conn, user_id=user_id, lead_id=lead_id
        )
        return frozenset([r["consent_type"] async for r in rows])


class PostgresBookingRepos:
    """Booking's repositories in one session; the payments and CRM sides it needs are
    handed in by the composition root (no adapter builds another context's)."""

    def __init__(
        self, session: Session, payments: PaymentPort, leads: CrmLeadDirectory | None = None
    ) -> None:
        self.services = PostgresServiceRepository(session)
        self.schedule = PostgresScheduleRepository(session)
        self.appointments = PostgresAppointmentRepository(session)
        self.payments = payments
        self.leads = PostgresLeadDirectory(session, leads)
        self.intake = PostgresIntakeRepository(session)
        self.waitlist = PostgresWaitlistRepository(session)
        self.idempotency = PostgresIdempotencyStore(session)
        self.consents = PostgresConsentReader(session)
        self.contacts = PostgresContactReader(session)
        self.settings = PostgresSettingsReader(session)


class BookingPersonalData:
    """Booking's section: appointments (with their metadata), payments, refunds, intake
    forms (decrypted) and waitlist requests of the account and of its leads. Erasure runs
    last of all the steps: it cancels upcoming appointments under the service's policy
    (the refund the client would get by cancelling; the events free the slot and the
    calendar event), destroys intake forms, waitlist requests and remembered booking
    answers, and de-identifies the appointments, which stay for accounting."""

    name = "booking"

    def __init__(self, session: Session, repos: PostgresBookingRepos) -> None:
        self._s = session
        self._q = session.queries.booking
        self._repos = repos

    async def bind(self, subject: DataSubject) -> DataSubject:
        return subject

    @staticmethod
    def _of(subject: DataSubject) -> Row:
        return {"user_id": subject.user_id, "lead_ids": list(subject.lead_ids)}

    async def export(self, subject: DataSubject) -> object:
        conn, q, of = self._s.conn, self._q, self._of(subject)
        intake = PostgresIntakeRepository
        return {
            "appointments": [dict(r) async for r in q.export_appointments(conn, **of)],
            "payments": [dict(r) async for r in q.export_payments(conn, **of)],
            "refunds": [dict(r) async for r in q.export_refunds(conn, **of)],
            "intake_forms": [
                {"appointment_id": r["appointment_id"], "status": r["status"],
                 "submitted_at": r["submitted_at"],
                 "answers": json.loads(self._s.decrypt(
                     r["payload_encrypted"], intake.TABLE, intake.COLUMN, r["id"]))}
                async for r in q.export_intake_forms(conn, **of)
            ],
            "waitlist_requests": [dict(r) async for r in q.export_waitlist(conn, **of)],
        }  # fmt: skip

    async def _cancel_upcoming(self, subject: DataSubject) -> int:
        now = self._s.clock.now()
        rows = self._q.upcoming_appointments(self._s.conn, now=now, **self._of(subject))
        canceled = 0
        for appointment_id in [r["id"] async for r in rows]:
            appointment = await self._repos.appointments.get(appointment_id)
            if appointment is not None:
                await cancel_under_policy(
                    self._repos, appointment, now, reason="client_request", by=None
                )
                canceled += 1
        return canceled

    async def erase(self, subject: DataSubject) -> dict[str, int]:
        conn, q, of = self._s.conn, self._q, self._of(subject)
        canceled = await self._cancel_upcoming(subject)
        return {
            "appointments_canceled": canceled,
            "intake_forms": int(await q.erase_intake_forms(conn, **of)),
            "waitlist_requests": int(await q.erase_waitlist(conn, **of)),
            "idempotency_records": int(await q.erase_idempotency_records(conn, **of)),
            "appointments": int(
                await q.deidentify_appointments(conn, now=self._s.clock.now(), **of)
            ),
        }
