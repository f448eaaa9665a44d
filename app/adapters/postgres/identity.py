"""Identity repositories over PostgreSQL (queries in sql/identity/)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from psycopg.types.json import Jsonb

from app.adapters.postgres.database import Database
from app.adapters.postgres.session import Session
from app.application.identity.guest_ports import AttachedLead, GuestLink
from app.application.identity.personal_data import DataSubject, PersonalDataSection
from app.application.identity.ports import (
    SentLoginCode,
    StoredExport,
    StoredLoginCode,
    StoredSession,
)
from app.domain.crm.timeline import validate_event
from app.domain.errors import VersionConflict
from app.domain.identity.model import (
    ConsentRecord,
    ConsentSource,
    ConsentType,
    Role,
    User,
    UserStatus,
)
from app.domain.shared.contact import Email, Phone
from app.domain.shared.ids import new_id


def _user(row: dict[str, Any]) -> User:
    return User(
        id=row["id"],
        email=Email(row["email"]) if row["email"] else None,
        phone=Phone(row["phone"]) if row["phone"] else None,
        telegram_user_id=row["telegram_user_id"],
        display_name=row["display_name"],
        timezone=row["timezone"],
        locale=row["locale"],
        status=UserStatus(row["status"]),
        roles=frozenset(Role(r) for r in row["roles"]),
        created_at=row["created_at"],
        version=row["version"],
        email_verified_at=row["email_verified_at"],
        phone_verified_at=row["phone_verified_at"],
    )


class PostgresUserRepository:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.identity

    async def get(self, user_id: uuid.UUID) -> User | None:
        row = await self._q.get_user(self._s.conn, id=user_id)
        return _user(row) if row else None

    async def find_by_email(self, email_normalized: str) -> User | None:
        row = await self._q.find_user_by_email(self._s.conn, email_normalized=email_normalized)
        return _user(row) if row else None

    async def find_by_telegram(self, telegram_user_id: int) -> User | None:
        row = await self._q.find_user_by_telegram(self._s.conn, telegram_user_id=telegram_user_id)
        return _user(row) if row else None

    async def add(self, user: User, granted_by: uuid.UUID | None) -> None:
        await self._q.insert_user(
            self._s.conn,
            id=user.id,
            email=user.email.value if user.email else None,
            phone=user.phone.value if user.phone else None,
            telegram_user_id=user.telegram_user_id,
            display_name=user.display_name,
            timezone=user.timezone,
            locale=user.locale,
            status=user.status.value,
            created_at=user.created_at,
        )
        await self.set_roles(user.id, user.roles, granted_by)

    async def update_profile(self, user: User, expected_version: int) -> User:
        row = await self._q.update_profile(
            self._s.conn,
            id=user.id,
            version=expected_version,
            display_name=user.display_name,
            timezone=user.timezone,
            locale=user.locale,
            phone=user.phone.value if user.phone else None,
            now=self._s.clock.now(),
        )
        if row is None:
            raise VersionConflict()
        user.version = row["version"]
        return user

    async def mark_email_verified(self, user_id: uuid.UUID, now: datetime) -> None:
        await self._q.mark_email_verified(self._s.conn, id=user_id, now=now)

    async def set_roles(
        self, user_id: uuid.UUID, roles: frozenset[Role], granted_by: uuid.UUID | None
    ) -> None:
        codes = sorted(r.value for r in roles)
        await self._q.delete_roles_except(self._s.conn, user_id=user_id, roles=codes)
        await self._q.grant_roles(self._s.conn, user_id=user_id, roles=codes, granted_by=granted_by)

    async def set_status(self, user_id: uuid.UUID, status: UserStatus, now: datetime) -> None:
        await self._q.set_status(self._s.conn, id=user_id, status=status.value, now=now)

    async def list(self, limit: int, after: uuid.UUID | None) -> list[User]:
        return [_user(r) async for r in self._q.list_users(self._s.conn, after=after, limit=limit)]


class PostgresLoginCodeRepository:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.identity

    async def add(
        self,
        code_id: uuid.UUID,
        email_normalized: str,
        code_hash: bytes,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        await self._q.insert_login_code(
            self._s.conn, id=code_id, email_normalized=email_normalized, code_hash=code_hash,
            created_at=now, expires_at=expires_at,
        )  # fmt: skip

    async def sent_since(self, email_normalized: str, since: datetime) -> list[SentLoginCode]:
        rows = self._q.login_codes_sent_since(
            self._s.conn, email_normalized=email_normalized, since=since
        )
        return [SentLoginCode(r["created_at"], r["attempts"]) async for r in rows]

    async def latest_usable(
        self, email_normalized: str, now: datetime, max_attempts: int
    ) -> StoredLoginCode | None:
        row = await self._q.latest_usable_login_code(
            self._s.conn, email_normalized=email_normalized, now=now, max_attempts=max_attempts
        )
        if row is None:
            return None
        return StoredLoginCode(
            id=row["id"], code_hash=bytes(row["code_hash"]), attempts=row["attempts"],
            expires_at=row["expires_at"],
        )  # fmt: skip

    async def register_failure(self, code_id: uuid.UUID) -> None:
        await self._q.register_login_code_failure(self._s.conn, id=code_id)

    async def consume(self, code_id: uuid.UUID, now: datetime) -> bool:
        return await self._q.consume_login_code(self._s.conn, id=code_id, now=now) is not None

    async def locked_until(self, email_hash: bytes, now: datetime) -> datetime | None:
        row = await self._q.login_locked_until(self._s.conn, email_hash=email_hash, now=now)
        return row["locked_until"] if row else None

    async def lock(
        self, lock_id: uuid.UUID, email_hash: bytes, now: datetime, until: datetime
    ) -> bool:
        await self._q.purge_ended_login_lockouts(self._s.conn, now=now)
        row = await self._q.lock_login(
            self._s.conn, id=lock_id, email_hash=email_hash, now=now, locked_until=until
        )
        return row is not None


class PostgresTelegramLoginRepository:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.identity

    async def accept_once(self, signature_hash: bytes, expires_at: datetime, now: datetime) -> bool:
        await self._q.purge_stale_telegram_logins(self._s.conn, now=now)
        row = await self._q.accept_telegram_login(
            self._s.conn, signature_hash=signature_hash, expires_at=expires_at
        )
        return row is not None


class PostgresSessionRepository:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.identity

    async def add(
        self,
        session_id: uuid.UUID,
        user_id: uuid.UUID,
        token_hash: bytes,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        await self._q.insert_session(
            self._s.conn, id=session_id, user_id=user_id, token_hash=token_hash, created_at=now,
            expires_at=expires_at,
        )  # fmt: skip

    async def find(self, token_hash: bytes) -> StoredSession | None:
        row = await self._q.find_session(self._s.conn, token_hash=token_hash)
        if row is None:
            return None
        return StoredSession(
            id=row["id"], user_id=row["user_id"], created_at=row["created_at"],
            last_seen_at=row["last_seen_at"], revoked_at=row["revoked_at"],
            user_status=UserStatus(row["user_status"]),
            roles=frozenset(Role(r) for r in row["roles"]),
        )  # fmt: skip

    async def touch(self, session_id: uuid.UUID, now: datetime) -> None:
        await self._q.touch_session(self._s.conn, id=session_id, now=now)

    async def revoke(self, session_id: uuid.UUID, now: datetime) -> None:
        await self._q.revoke_session(self._s.conn, id=session_id, now=now)

    async def revoke_all(self, user_id: uuid.UUID, now: datetime) -> int:
        return int(await self._q.revoke_user_sessions(self._s.conn, user_id=user_id, now=now))


class PostgresConsentRepository:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.identity

    async def history(self, user_id: uuid.UUID) -> list[ConsentRecord]:
        return [
            ConsentRecord(
                consent_type=ConsentType(r["consent_type"]),
                granted=r["granted"],
                document_version=r["document_version"],
                source=ConsentSource(r["source"]),
                created_at=r["created_at"],
            )
            async for r in self._q.consent_history(self._s.conn, user_id=user_id)
        ]

    async def add(self, user_id: uuid.UUID, record: ConsentRecord) -> None:
        await self._q.insert_consent(
            self._s.conn, id=new_id(), user_id=user_id, consent_type=record.consent_type.value,
            granted=record.granted, document_version=record.document_version,
            source=record.source.value, created_at=record.created_at,
        )  # fmt: skip


class PostgresExportRepository:
    TABLE, COLUMN = "data_export_requests", "archive_encrypted"

    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.identity

    async def create(self, export_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> None:
        await self._q.insert_export(self._s.conn, id=export_id, user_id=user_id, now=now)

    async def get(self, export_id: uuid.UUID, user_id: uuid.UUID) -> StoredExport | None:
        row = await self._q.get_export(self._s.conn, id=export_id, user_id=user_id)
        if row is None:
            return None
        return StoredExport(
            id=row["id"], user_id=row["user_id"], status=row["status"],
            requested_at=row["requested_at"], ready_at=row["ready_at"],
            expires_at=row["expires_at"],
        )  # fmt: skip

    async def mark_ready(
        self,
        export_id: uuid.UUID,
        archive: str,
        token_hash: bytes,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        await self._q.mark_export_ready(
            self._s.conn, id=export_id,
            archive_encrypted=self._s.encrypt(archive, self.TABLE, self.COLUMN, export_id),
            download_token_hash=token_hash, now=now, expires_at=expires_at,
        )  # fmt: skip

    async def mark_failed(self, export_id: uuid.UUID) -> None:
        await self._q.mark_export_failed(self._s.conn, id=export_id)

    async def take_for_download(
        self, export_id: uuid.UUID, user_id: uuid.UUID, token_hash: bytes, now: datetime
    ) -> str | None:
        row = await self._q.take_export_for_download(
            self._s.conn, id=export_id, user_id=user_id, download_token_hash=token_hash, now=now
        )
        if row is None:
            return None
        return self._s.decrypt(row["archive_encrypted"], self.TABLE, self.COLUMN, export_id)


class PostgresErasureRepository:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.identity

    async def create(self, request_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> None:
        await self._q.insert_erasure(self._s.conn, id=request_id, user_id=user_id, now=now)

    async def mark_done(self, request_id: uuid.UUID, now: datetime) -> None:
        await self._q.mark_erasure_done(self._s.conn, id=request_id, now=now)


class IdentityPersonalData:
    """Identity's section: profile, roles, consents, sessions, requests; erasure
    anonymises the account and removes its roles, login codes, sessions, export requests
    and archives, and the messages sent or queued to the person."""

    name = "identity"

    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.identity

    async def bind(self, subject: DataSubject) -> DataSubject:
        return subject

    async def export(self, subject: DataSubject) -> Any:
        conn, user_id = self._s.conn, subject.user_id
        if user_id is None:  # a guest has no account
            return {}
        profile = await self._q.export_profile(conn, user_id=user_id)
        consents = await PostgresConsentRepository(self._s).history(user_id)
        return {
            "profile": profile,
            "consents": [
                {
                    "type": c.consent_type.value,
                    "granted": c.granted,
                    "document_version": c.document_version,
                    "source": c.source.value,
                    "at": c.created_at,
                }
                for c in consents
            ],
            "sessions": [r async for r in self._q.export_sessions(conn, user_id=user_id)],
            "requests": [r async for r in self._q.export_requests(conn, user_id=user_id)],
            "staff_alert_choices": [
                r async for r in self._q.export_alert_choices(conn, user_id=user_id)
            ],
        }

    async def erase(self, subject: DataSubject) -> dict[str, int]:
        conn, q, user_id = self._s.conn, self._q, subject.user_id
        if user_id is None:
            return {}
        counts = {
            "notification_deliveries": int(await q.erase_login_deliveries(conn, user_id=user_id))
            + int(await q.erase_user_deliveries(conn, user_id=user_id)),
            "login_codes": int(await q.erase_login_codes(conn, user_id=user_id)),
            "auth_sessions": int(await q.erase_sessions(conn, user_id=user_id)),
            "data_export_requests": int(await q.erase_exports(conn, user_id=user_id)),
            "guest_email_links": int(await q.forget_user_guest_links(conn, user_id=user_id)),
            "user_roles": int(await q.erase_roles(conn, user_id=user_id)),
            "staff_notification_preferences": int(
                await q.erase_alert_choices(conn, user_id=user_id)
            ),
            "users": int(await q.anonymise_user(conn, user_id=user_id, now=self._s.clock.now())),
        }
        return counts


SectionFactory = Callable[[Session], PersonalDataSection]


class PostgresIdentityRepos:
    """What identity use cases see as ``uow.repos``."""

    def __init__(self, session: Session, sections: Sequence[SectionFactory] = ()) -> None:
        self.users = PostgresUserRepository(session)
        self.login_codes = PostgresLoginCodeRepository(session)
        self.telegram_logins = PostgresTelegramLoginRepository(session)
        self.sessions = PostgresSessionRepository(session)
        self.consents = PostgresConsentRepository(session)
        self.exports = PostgresExportRepository(session)
        self.erasures = PostgresErasureRepository(session)
        self.guests = PostgresGuestRecords(session)
        # In the composition root's order (identity's own section is one of them).
        self.personal_data: list[PersonalDataSection] = [factory(session) for factory in sections]


class PostgresIdentityRetention:
    """Identity's retention: login codes and sessions are deleted once they have been
    expired for ``keep_expired``; ready exports past their expiry lose their archive, and
    finished export requests are deleted ``keep_exports`` after their expiry."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._q = database.queries.identity

    async def purge(
        self, now: datetime, keep_expired: timedelta, keep_exports: timedelta = timedelta(days=30)
    ) -> None:
        async with self._db.pool.connection() as conn:
            await self._q.purge_expired_login_codes(conn, before=now - keep_expired)
            await self._q.purge_expired_sessions(conn, before=now - keep_expired)
            await self._q.expire_ready_exports(conn, now=now)
            await self._q.purge_guest_links(conn, before=now - keep_expired)
            await self._q.purge_finished_exports(conn, before=now - keep_exports)


GUEST_ARCHIVE = ("guest_email_links", "archive_encrypted")


class PostgresGuestRecords:
    """Guests' records: the links e-mailed to a guest's address (tokens stored as
    SHA-256, an export's archive encrypted), the proof of a guest's e-mail, and the
    attaching of a proven guest's lead to the account with the same proven address."""

    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.identity

    async def add_link(self, link: GuestLink, token_hash: bytes, expires_at: datetime) -> None:
        await self._q.insert_guest_link(
            self._s.conn, id=link.id, kind=link.kind, email_normalized=link.email_normalized,
            token_hash=token_hash, now=link.created_at, expires_at=expires_at,
        )  # fmt: skip

    async def links_sent_since(self, email_normalized: str, kind: str, since: datetime) -> int:
        row = await self._q.guest_links_sent_since(
            self._s.conn, email_normalized=email_normalized, kind=kind, since=since
        )
        return int(row["sent"]) if row else 0

    async def take_link(self, token_hash: bytes, now: datetime) -> GuestLink | None:
        row = await self._q.take_guest_link(self._s.conn, token_hash=token_hash, now=now)
        return GuestLink(**row) if row else None

    async def verify_emails(self, email_normalized: str, before: datetime, now: datetime) -> None:
        await self._q.verify_guest_emails(
            self._s.conn, email_normalized=email_normalized, before=before, now=now
        )

    async def guest_leads(self, email_normalized: str, verified_only: bool) -> list[uuid.UUID]:
        rows = self._q.guest_leads_by_email(
            self._s.conn, email_normalized=email_normalized, verified_only=verified_only
        )
        return [r["id"] async for r in rows]

    async def verified_user(self, email_normalized: str) -> uuid.UUID | None:
        row = await self._q.verified_user_by_email(self._s.conn, email_normalized=email_normalized)
        return row["id"] if row else None

    async def attach(self, lead_id: uuid.UUID, user_id: uuid.UUID) -> AttachedLead | None:
        row = await self._q.attach_guest_lead(
            self._s.conn, lead_id=lead_id, user_id=user_id, now=self._s.clock.now()
        )
        if row is None:
            return None
        # The lead's own timeline shows it joined the account (P0: no props).
        await self._s.queries.crm.add_timeline_event(
            self._s.conn, id=new_id(), lead_id=lead_id, event_type="lead.converted",
            props=Jsonb(validate_event("lead.converted", {})), now=self._s.clock.now(),
        )  # fmt: skip
        return AttachedLead(
            lead_id=row["id"], appointments=int(row["appointments"]),
            waitlist_requests=int(row["waitlist_requests"]), consents=int(row["consents"]),
        )  # fmt: skip

    async def store_export(
        self, link_id: uuid.UUID, archive: str, download_hash: bytes, expires_at: datetime
    ) -> None:
        sealed = self._s.encrypt(archive, *GUEST_ARCHIVE, link_id)
        await self._q.store_guest_export(
            self._s.conn, id=link_id, archive_encrypted=sealed,
            download_token_hash=download_hash, download_expires_at=expires_at,
        )  # fmt: skip

    async def take_export(self, download_hash: bytes, now: datetime) -> str | None:
        row = await self._q.take_guest_export(
            self._s.conn, download_token_hash=download_hash, now=now
        )
        if row is None:
            return None
        return self._s.decrypt(row["archive_encrypted"], *GUEST_ARCHIVE, row["id"])

    async def forget_address(self, email_normalized: str) -> None:
        await self._q.forget_guest_address(self._s.conn, email_normalized=email_normalized)
