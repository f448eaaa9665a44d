"""In-memory fakes of identity's ports, for unit tests of its use cases.

They keep what the SQL keeps, with the same rules (only the newest unused code counts,
a lock is taken once until it ends, a Telegram payload is accepted once), and the unit
of work rolls them back when a use case leaves without committing, as PostgreSQL does.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from app.adapters.memory.event_bus import InMemoryEventBus
from app.adapters.memory.unit_of_work import InMemoryUnitOfWork
from app.application.events import EventHandlers
from app.application.identity.personal_data import DataSubject, PersonalDataSection
from app.application.identity.ports import (
    SentLoginCode,
    StoredExport,
    StoredLoginCode,
    StoredSession,
    TelegramIdentity,
)
from app.application.identity.service import IdentityConfig, IdentityService
from app.domain.errors import VersionConflict
from app.domain.identity.errors import AuthenticationFailed
from app.domain.identity.model import (
    ConsentRecord,
    LoginCodePolicy,
    Role,
    SessionPolicies,
    SessionPolicy,
    User,
    UserStatus,
)
from tests.unit.identity.guest_fakes import FakeGuestRecords, GuestTables

T0 = datetime(2030, 5, 1, 9, 0, tzinfo=UTC)
CLIENT_SESSIONS = SessionPolicy(idle=timedelta(minutes=30), lifetime=timedelta(hours=12))
STAFF_SESSIONS = SessionPolicy(idle=timedelta(minutes=10), lifetime=timedelta(hours=2))
PUBLIC_BASE_URL = "https://eb.example.org"


class FakeClock:
    """Time moves only when the test says so."""

    def __init__(self, now: datetime = T0) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class FakeHasher:
    def keyed_hash(self, value: str) -> bytes:
        return hmac.new(b"test-key", value.encode(), hashlib.sha256).digest()


@dataclass
class LoginCodeRow:
    id: uuid.UUID
    email_normalized: str
    code_hash: bytes
    created_at: datetime
    expires_at: datetime
    attempts: int = 0
    consumed_at: datetime | None = None


@dataclass
class SessionRow:
    id: uuid.UUID
    user_id: uuid.UUID
    token_hash: bytes
    created_at: datetime
    expires_at: datetime
    last_seen_at: datetime
    revoked_at: datetime | None = None


@dataclass
class ExportRow:
    id: uuid.UUID
    user_id: uuid.UUID
    status: str
    requested_at: datetime
    ready_at: datetime | None = None
    expires_at: datetime | None = None
    archive: str | None = None
    token_hash: bytes | None = None


@dataclass
class Store:
    """Everything the fakes keep: the tables a transaction may roll back."""

    users: dict[uuid.UUID, User] = field(default_factory=dict)
    granted_by: dict[uuid.UUID, uuid.UUID | None] = field(default_factory=dict)
    login_codes: list[LoginCodeRow] = field(default_factory=list)
    lockouts: dict[bytes, tuple[uuid.UUID, datetime]] = field(default_factory=dict)
    telegram_payloads: dict[bytes, datetime] = field(default_factory=dict)
    sessions: dict[uuid.UUID, SessionRow] = field(default_factory=dict)
    consents: dict[uuid.UUID, list[ConsentRecord]] = field(default_factory=dict)
    exports: dict[uuid.UUID, ExportRow] = field(default_factory=dict)
    erasures: dict[uuid.UUID, tuple[uuid.UUID, datetime | None]] = field(default_factory=dict)
    guests: GuestTables = field(default_factory=GuestTables)

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy(self.__dict__)

    def restore(self, snapshot: dict[str, Any]) -> None:
        self.__dict__.update(snapshot)


class FakeUsers:
    def __init__(self, db: Store) -> None:
        self._db = db

    async def get(self, user_id: uuid.UUID) -> User | None:
        user = self._db.users.get(user_id)
        return replace(user) if user else None

    async def find_by_email(self, email_normalized: str) -> User | None:
        for user in self._db.users.values():
            if user.email is not None and user.email.normalized == email_normalized:
                return replace(user)
        return None

    async def find_by_telegram(self, telegram_user_id: int) -> User | None:
        for user in self._db.users.values():
            if user.telegram_user_id == telegram_user_id:
                return replace(user)
        return None

    async def add(self, user: User, granted_by: uuid.UUID | None) -> None:
        self._db.users[user.id] = replace(user)
        self._db.granted_by[user.id] = granted_by

    async def update_profile(self, user: User, expected_version: int) -> User:
        stored = self._db.users[user.id]
        if stored.version != expected_version:
            raise VersionConflict()
        user.version = expected_version + 1
        self._db.users[user.id] = replace(user)
        return user

    async def mark_email_verified(self, user_id: uuid.UUID, now: datetime) -> None:
        self._db.users[user_id].email_verified_at = now

    async def set_roles(
        self, user_id: uuid.UUID, roles: frozenset[Role], granted_by: uuid.UUID | None
    ) -> None:
        self._db.users[user_id].roles = roles
        self._db.granted_by[user_id] = granted_by

    async def set_status(self, user_id: uuid.UUID, status: UserStatus, now: datetime) -> None:
        self._db.users[user_id].status = status

    async def list(self, limit: int, after: uuid.UUID | None) -> list[User]:
        ordered = sorted(self._db.users.values(), key=lambda u: u.id)
        return [replace(u) for u in ordered if after is None or u.id > after][:limit]


class FakeLoginCodes:
    def __init__(self, db: Store) -> None:
        self._db = db

    async def add(
        self, code_id: uuid.UUID, email_normalized: str, code_hash: bytes, now: datetime,
        expires_at: datetime,
    ) -> None:  # fmt: skip
        self._db.login_codes.append(
            LoginCodeRow(code_id, email_normalized, code_hash, now, expires_at)
        )

    async def sent_since(self, email_normalized: str, since: datetime) -> list[SentLoginCode]:
        rows = [
            r
            for r in self._db.login_codes
            if r.email_normalized == email_normalized and r.created_at >= since
        ]
        rows.sort(key=lambda r: r.created_at, reverse=True)
        return [SentLoginCode(r.created_at, r.attempts) for r in rows]

    async def latest_usable(
        self, email_normalized: str, now: datetime, max_attempts: int
    ) -> StoredLoginCode | None:
        unused = [
            r
            for r in self._db.login_codes
            if r.email_normalized == email_normalized and r.consumed_at is None
        ]
        if not unused:
            return None
        newest = max(unused, key=lambda r: r.created_at)
        if newest.expires_at <= now or newest.attempts >= max_attempts:
            return None
        return StoredLoginCode(newest.id, newest.code_hash, newest.attempts, newest.expires_at)

    def _row(self, code_id: uuid.UUID) -> LoginCodeRow:
        return next(r for r in self._db.login_codes if r.id == code_id)

    async def register_failure(self, code_id: uuid.UUID) -> None:
        self._row(code_id).attempts += 1

    async def consume(self, code_id: uuid.UUID, now: datetime) -> bool:
        row = self._row(code_id)
        if row.consumed_at is not None:
            return False
        row.consumed_at = now
        return True

    async def locked_until(self, email_hash: bytes, now: datetime) -> datetime | None:
        lock = self._db.lockouts.get(email_hash)
        return lock[1] if lock is not None and lock[1] > now else None

    async def lock(
        self, lock_id: uuid.UUID, email_hash: bytes, now: datetime, until: datetime
    ) -> bool:
        lock = self._db.lockouts.get(email_hash)
        if lock is not None and lock[1] > now:
            return False
        self._db.lockouts[email_hash] = (lock_id, until)
        return True


class FakeTelegramLogins:
    def __init__(self, db: Store) -> None:
        self._db = db

    async def accept_once(self, signature_hash: bytes, expires_at: datetime, now: datetime) -> bool:
        payloads = self._db.telegram_payloads
        for stale in [h for h, until in payloads.items() if until < now]:
            del payloads[stale]
        if signature_hash in payloads:
            return False
        payloads[signature_hash] = expires_at
        return True


class FakeSessions:
    def __init__(self, db: Store) -> None:
        self._db = db

    async def add(
        self, session_id: uuid.UUID, user_id: uuid.UUID, token_hash: bytes, now: datetime,
        expires_at: datetime,
    ) -> None:  # fmt: skip
        self._db.sessions[session_id] = SessionRow(
            session_id, user_id, token_hash, now, expires_at, last_seen_at=now
        )

    async def find(self, token_hash: bytes) -> StoredSession | None:
        for row in self._db.sessions.values():
            if row.token_hash == token_hash:
                user = self._db.users[row.user_id]
                return StoredSession(
                    row.id, row.user_id, row.created_at, row.last_seen_at, row.revoked_at,
                    user.status, user.roles,
                )  # fmt: skip
        return None

    async def touch(self, session_id: uuid.UUID, now: datetime) -> None:
        self._db.sessions[session_id].last_seen_at = now

    async def revoke(self, session_id: uuid.UUID, now: datetime) -> None:
        row = self._db.sessions[session_id]
        if row.revoked_at is None:
            row.revoked_at = now

    async def revoke_all(self, user_id: uuid.UUID, now: datetime) -> int:
        live = [
            r for r in self._db.sessions.values() if r.user_id == user_id and r.revoked_at is None
        ]
        for row in live:
            row.revoked_at = now
        return len(live)


class FakeConsents:
    def __init__(self, db: Store) -> None:
        self._db = db

    async def history(self, user_id: uuid.UUID) -> list[ConsentRecord]:
        return list(self._db.consents.get(user_id, []))

    async def add(self, user_id: uuid.UUID, record: ConsentRecord) -> None:
        self._db.consents.setdefault(user_id, []).append(record)


class FakeExports:
    def __init__(self, db: Store) -> None:
        self._db = db

    async def create(self, export_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> None:
        self._db.exports[export_id] = ExportRow(export_id, user_id, "pending", now)

    async def get(self, export_id: uuid.UUID, user_id: uuid.UUID) -> StoredExport | None:
        row = self._db.exports.get(export_id)
        if row is None or row.user_id != user_id:
            return None
        return StoredExport(
            row.id, row.user_id, row.status, row.requested_at, row.ready_at, row.expires_at
        )

    async def mark_ready(
        self, export_id: uuid.UUID, archive: str, token_hash: bytes, now: datetime,
        expires_at: datetime,
    ) -> None:  # fmt: skip
        row = self._db.exports[export_id]
        row.status, row.archive, row.token_hash = "ready", archive, token_hash
        row.ready_at, row.expires_at = now, expires_at

    async def mark_failed(self, export_id: uuid.UUID) -> None:
        self._db.exports[export_id].status = "failed"

    async def take_for_download(
        self, export_id: uuid.UUID, user_id: uuid.UUID, token_hash: bytes, now: datetime
    ) -> str | None:
        row = self._db.exports.get(export_id)
        if (
            row is None
            or row.user_id != user_id
            or row.status != "ready"
            or row.token_hash != token_hash
            or row.expires_at is None
            or row.expires_at <= now
        ):
            return None
        row.status = "downloaded"
        return row.archive


class FakeErasures:
    def __init__(self, db: Store) -> None:
        self._db = db

    async def create(self, request_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> None:
        self._db.erasures[request_id] = (user_id, None)

    async def mark_done(self, request_id: uuid.UUID, now: datetime) -> None:
        self._db.erasures[request_id] = (self._db.erasures[request_id][0], now)


class FakeSection:
    """A context's personal-data section that writes down what it was asked, in order."""

    def __init__(
        self, name: str, calls: list[str], *, leads: int = 0, erased: dict[str, int] | None = None
    ) -> None:
        self.name = name
        self._calls = calls
        self._leads = [uuid.UUID(int=i + 1) for i in range(leads)]
        self._erased = erased or {f"{name}_rows": 1}
        self.seen: list[DataSubject] = []

    async def bind(self, subject: DataSubject) -> DataSubject:
        self._calls.append(f"bind:{self.name}")
        return subject.with_leads(self._leads)

    async def export(self, subject: DataSubject) -> Any:
        self._calls.append(f"export:{self.name}")
        self.seen.append(subject)
        return {"user_id": str(subject.user_id), "leads": [str(i) for i in subject.lead_ids]}

    async def erase(self, subject: DataSubject) -> dict[str, int]:
        self._calls.append(f"erase:{self.name}")
        self.seen.append(subject)
        return dict(self._erased)


class FakeIdentityRepos:
    def __init__(self, db: Store, sections: list[PersonalDataSection]) -> None:
        self.db = db
        self.users = FakeUsers(db)
        self.login_codes = FakeLoginCodes(db)
        self.telegram_logins = FakeTelegramLogins(db)
        self.sessions = FakeSessions(db)
        self.consents = FakeConsents(db)
        self.exports = FakeExports(db)
        self.erasures = FakeErasures(db)
        self.guests = FakeGuestRecords(db)
        self.personal_data = sections


class FakeUnitOfWork(InMemoryUnitOfWork[FakeIdentityRepos]):
    """The in-memory unit of work, with the fakes' tables rolled back on leaving the
    block without a commit."""

    _snapshot: dict[str, Any] | None = None

    async def __aenter__(self) -> Self:
        self._snapshot = self.repos.db.snapshot()
        return await super().__aenter__()

    async def commit(self) -> None:
        self._snapshot = None
        await super().commit()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._snapshot is not None:
            self.repos.db.restore(self._snapshot)
            self._snapshot = None
        await super().__aexit__(exc_type, exc, tb)


class FakeTelegramVerifier:
    """Accepts payloads of the form {"id": ..., "first_name": ..., "hash": ...}; a
    payload whose hash is "bad" fails the signature check."""

    def verify(self, data: dict[str, Any], now: datetime) -> TelegramIdentity:
        if data.get("hash") == "bad":
            raise AuthenticationFailed("The Telegram login data is not valid.")
        return TelegramIdentity(
            telegram_user_id=int(data["id"]),
            first_name=data.get("first_name"),
            username=data.get("username"),
            signature_hash=hashlib.sha256(str(data["hash"]).encode()).digest(),
            accepted_until=now + timedelta(minutes=10),
        )


@dataclass
class IdentityHarness:
    """The identity use cases over the fakes, with what they left behind."""

    service: IdentityService
    clock: FakeClock
    db: Store
    uow: FakeUnitOfWork
    bus: InMemoryEventBus
    calls: list[str]

    @property
    def notifications(self) -> list[Any]:
        return self.uow.notifications_queued

    @property
    def audit(self) -> list[Any]:
        return self.uow.audit_log


def identity_harness(
    sections: list[PersonalDataSection] | None = None,
    calls: list[str] | None = None,
    codes: LoginCodePolicy | None = None,
) -> IdentityHarness:
    clock, db = FakeClock(), Store()
    bus = InMemoryEventBus(EventHandlers())
    uow = FakeUnitOfWork(FakeIdentityRepos(db, sections or []), bus)
    config = IdentityConfig(
        sessions=SessionPolicies(client=CLIENT_SESSIONS, staff=STAFF_SESSIONS),
        codes=codes or LoginCodePolicy(),
        public_base_url=PUBLIC_BASE_URL,
    )
    service = IdentityService(lambda: uow, clock, FakeHasher(), config, FakeTelegramVerifier())
    return IdentityHarness(service, clock, db, uow, bus, calls if calls is not None else [])
