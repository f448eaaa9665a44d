"""Identity use cases: e-mail and Telegram login, sessions, profile, consents, staff,
data export and erasure. Each runs in one unit of work."""

from __future__ import annotations

import hmac
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import structlog

from app.application.access import Principal, ensure_roles
from app.application.audit import audit_action
from app.application.identity.personal_data import bind_subject
from app.application.identity.ports import IdentityRepos, SecretHasher, TelegramLoginVerifier
from app.application.ports import AuditEntry, Clock, NotificationRequest, UnitOfWork
from app.application.transactions import in_transaction
from app.domain.errors import Forbidden, NotFound, VersionConflict
from app.domain.identity.errors import AccountBlocked, AuthenticationFailed, RateLimited
from app.domain.identity.events import DataExportRequested, ErasureRequested
from app.domain.identity.model import (
    ConsentRecord,
    ConsentSource,
    ConsentState,
    ConsentType,
    LoginCodePolicy,
    Role,
    SessionPolicies,
    User,
    UserStatus,
    ensure_can_grant_roles,
    new_login_code,
    new_token,
    validate_display_name,
    validate_locale,
    validate_timezone,
)
from app.domain.identity.tokens import token_hash
from app.domain.shared.contact import Email, Phone
from app.domain.shared.ids import new_id

logger = structlog.get_logger(__name__)

IdentityUoW = UnitOfWork[IdentityRepos]

# Refresh last_seen_at at most this often, so reads do not write on every request.
TOUCH_INTERVAL = timedelta(minutes=1)
EXPORT_LINK_LIFETIME = timedelta(days=3)


@dataclass(frozen=True, slots=True)
class ConsentInput:
    consent_type: ConsentType
    granted: bool
    document_version: str


@dataclass(frozen=True, slots=True)
class LoginResult:
    token: str
    expires_at: datetime
    user: User


@dataclass(frozen=True, slots=True)
class ProfileChanges:
    display_name: str | None = None
    timezone: str | None = None
    locale: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class IdentityConfig:
    sessions: SessionPolicies
    codes: LoginCodePolicy
    public_base_url: str


def _whole_seconds(wait: timedelta) -> int:
    """A Retry-After value: whole seconds, rounded up, at least one."""
    return max(1, -(-wait // timedelta(seconds=1)))


class IdentityService:
    def __init__(
        self,
        uow: Callable[[], IdentityUoW],
        clock: Clock,
        hasher: SecretHasher,
        config: IdentityConfig,
        telegram: TelegramLoginVerifier | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._hasher = hasher
        self._config = config
        self._telegram = telegram

    # --- e-mail login -------------------------------------------------------------

    async def start_email_login(self, raw_email: str) -> None:
        """Send a login code. The answer is the same whether or not the e-mail is known:
        the work (a code row and a queued e-mail) is identical either way."""
        email = Email(raw_email)
        policy = self._config.codes

        async def work(uow: IdentityUoW) -> None:
            now = self._clock.now()
            await self._refuse_if_locked(uow, email, now)
            sent = await uow.repos.login_codes.sent_since(
                email.normalized, now - policy.failure_window
            )
            wait = policy.wait_before_next_code([c.created_at for c in sent], now)
            if wait > timedelta(0):
                raise RateLimited(_whole_seconds(wait))
            code_id, code = new_id(), new_login_code()
            await uow.repos.login_codes.add(
                code_id, email.normalized, self._code_hash(code_id, code), now, now + policy.ttl
            )
            await uow.notifications.enqueue(
                NotificationRequest(
                    channel="email",
                    template_code="auth.login_code",
                    recipient_kind="login_code",
                    recipient_id=str(code_id),
                    dedupe_key=f"login_code:{code_id}:email",
                    to=email.value,
                    variables={"code": code},
                )
            )

        await in_transaction(self._uow, work)

    def _code_hash(self, code_id: uuid.UUID, code: str) -> bytes:
        return self._hasher.keyed_hash(f"login_code:{code_id}:{code}")

    def _lock_key(self, email: Email) -> bytes:
        return self._hasher.keyed_hash(f"login_lock:{email.normalized}")

    async def _refuse_if_locked(self, uow: IdentityUoW, email: Email, now: datetime) -> None:
        """A locked address gets the answer of any rate limit: whether it belongs to an
        account makes no difference, so the lock reveals nothing about that."""
        until = await uow.repos.login_codes.locked_until(self._lock_key(email), now)
        if until is not None:
            raise RateLimited(_whole_seconds(until - now))

    async def _lock_after_failures(self, uow: IdentityUoW, email: Email, now: datetime) -> None:
        """After a wrong code: too many in a day lock the address for a day, and the
        address is told once, by e-mail, that someone keeps trying its codes."""
        policy = self._config.codes
        sent = await uow.repos.login_codes.sent_since(email.normalized, now - policy.failure_window)
        if not policy.locks_after(sum(c.attempts for c in sent)):
            return
        lock_id = new_id()
        if not await uow.repos.login_codes.lock(
            lock_id, self._lock_key(email), now, now + policy.lock_duration
        ):
            return
        logger.warning("login_locked", lock_id=str(lock_id))
        await uow.notifications.enqueue(
            NotificationRequest(
                channel="email",
                template_code="auth.login_locked",
                recipient_kind="login_code",
                recipient_id=str(lock_id),
                dedupe_key=f"login_lock:{lock_id}:email",
                to=email.value,
            )
        )

    async def verify_email_login(
        self, raw_email: str, code: str, consents: Sequence[ConsentInput] = ()
    ) -> LoginResult:
        email = Email(raw_email)
        policy = self._config.codes
        wrong_code = False

        async def work(uow: IdentityUoW) -> LoginResult | None:
            nonlocal wrong_code
            now = self._clock.now()
            await self._refuse_if_locked(uow, email, now)
            stored = await uow.repos.login_codes.latest_usable(
                email.normalized, now, policy.max_attempts
            )
            if stored is None:
                return None
            if not hmac.compare_digest(stored.code_hash, self._code_hash(stored.id, code)):
                await uow.repos.login_codes.register_failure(stored.id)
                await self._lock_after_failures(uow, email, now)
                wrong_code = True
                return None
            user = await uow.repos.users.find_by_email(email.normalized)
            if user is None:
                user = await self._register(uow, consents, now, email=email)
            await self._record_consents(uow, user.id, consents, now, ConsentSource.WEB)
            if user.email_verified_at is None:
                await uow.repos.users.mark_email_verified(user.id, now)
            if not await uow.repos.login_codes.consume(stored.id, now):
                return None
            return await self._open_session(uow, user, now)

        result = await in_transaction(self._uow, work)
        if result is None:
            logger.info("login_failed", reason="wrong_code" if wrong_code else "no_usable_code")
            raise AuthenticationFailed("The code is wrong or no longer valid.")
        return result

    async def _register(
        self,
        uow: IdentityUoW,
        consents: Sequence[ConsentInput],
        now: datetime,
        *,
        email: Email | None = None,
        telegram_user_id: int | None = None,
        display_name: str | None = None,
    ) -> User:
        """A first login creates the account, which needs the personal_data consent."""
        given = ConsentState.from_history(
            [
                ConsentRecord(c.consent_type, c.granted, c.document_version, ConsentSource.WEB, now)
                for c in consents
            ]
        )
        given.require(ConsentType.PERSONAL_DATA)
        user = User(
            id=new_id(),
            email=email,
            phone=None,
            telegram_user_id=telegram_user_id,
            display_name=display_name,
            timezone="Europe/Moscow",
            locale="ru",
            status=UserStatus.ACTIVE,
            roles=frozenset({Role.CLIENT}),
            created_at=now,
        )
        await uow.repos.users.add(user, granted_by=None)
        logger.info("user_registered", user_id=str(user.id))
        return user

    async def _record_consents(
        self,
        uow: IdentityUoW,
        user_id: uuid.UUID,
        consents: Sequence[ConsentInput],
        now: datetime,
        source: ConsentSource,
    ) -> None:
        for consent in consents:
            await uow.repos.consents.add(
                user_id,
                ConsentRecord(
                    consent.consent_type, consent.granted, consent.document_version, source, now
                ),
            )

    async def _open_session(self, uow: IdentityUoW, user: User, now: datetime) -> LoginResult:
        if not user.can_log_in:
            raise AccountBlocked()
        policy = self._config.sessions.for_roles(user.roles)
        token = new_token()
        expires_at = policy.expires_at(now)
        await uow.repos.sessions.add(new_id(), user.id, token_hash(token), now, expires_at)
        logger.info("login_succeeded", user_id=str(user.id))
        return LoginResult(token=token, expires_at=expires_at, user=user)

    # --- Telegram login -------------------------------------------------------------

    async def telegram_login(
        self, data: dict[str, Any], consents: Sequence[ConsentInput] = ()
    ) -> LoginResult:
        if self._telegram is None:
            raise NotFound("Telegram login is not configured.")
        identity = self._telegram.verify(data, self._clock.now())

        async def work(uow: IdentityUoW) -> LoginResult:
            now = self._clock.now()
            # Each payload logs in once (a refused first login, e.g. for a missing
            # consent, rolls back and leaves it usable).
            if not await uow.repos.telegram_logins.accept_once(
                identity.signature_hash, identity.accepted_until, now
            ):
                raise AuthenticationFailed("The Telegram login data was already used.")
            user = await uow.repos.users.find_by_telegram(identity.telegram_user_id)
            if user is None:
                name = validate_display_name(identity.first_name) if identity.first_name else None
                user = await self._register(
                    uow, consents, now, telegram_user_id=identity.telegram_user_id,
                    display_name=name,
                )  # fmt: skip
            await self._record_consents(uow, user.id, consents, now, ConsentSource.WEB)
            return await self._open_session(uow, user, now)

        return await in_transaction(self._uow, work)

    # --- sessions -------------------------------------------------------------------

    async def authenticate(self, token: str) -> Principal:
        """The principal behind a bearer token; ``AuthenticationFailed`` otherwise."""

        async def work(uow: IdentityUoW) -> Principal | None:
            now = self._clock.now()
            stored = await uow.repos.sessions.find(token_hash(token))
            if stored is None or stored.revoked_at is not None:
                return None
            if stored.user_status is not UserStatus.ACTIVE:
                return None
            policy = self._config.sessions.for_roles(stored.roles)
            if not policy.is_alive(
                created_at=stored.created_at, last_seen_at=stored.last_seen_at, now=now
            ):
                return None
            if now - stored.last_seen_at >= TOUCH_INTERVAL:
                await uow.repos.sessions.touch(stored.id, now)
            return Principal(stored.user_id, stored.id, stored.roles)

        principal = await in_transaction(self._uow, work)
        if principal is None:
            logger.info("authentication_failed")
            raise AuthenticationFailed("The session is invalid or has expired.")
        return principal

    async def logout(self, principal: Principal) -> None:
        async def work(uow: IdentityUoW) -> None:
            await uow.repos.sessions.revoke(principal.session_id, self._clock.now())

        await in_transaction(self._uow, work)

    # --- profile and consents ---------------------------------------------------------

    async def me(self, principal: Principal) -> User:
        async def work(uow: IdentityUoW) -> User:
            user = await uow.repos.users.get(principal.user_id)
            if user is None:
                raise NotFound()
            return user

        return await in_transaction(self._uow, work)

    async def update_me(
        self, principal: Principal, changes: ProfileChanges, expected_version: int | None
    ) -> User:
        async def work(uow: IdentityUoW) -> User:
            user = await uow.repos.users.get(principal.user_id)
            if user is None:
                raise NotFound()
            if expected_version is not None and expected_version != user.version:
                raise VersionConflict()
            updated = replace(
                user,
                display_name=(
                    validate_display_name(changes.display_name)
                    if changes.display_name is not None
                    else user.display_name
                ),
                timezone=(
                    validate_timezone(changes.timezone)
                    if changes.timezone is not None
                    else user.timezone
                ),
                locale=validate_locale(changes.locale) if changes.locale else user.locale,
                phone=Phone(changes.phone) if changes.phone else user.phone,
            )
            return await uow.repos.users.update_profile(updated, user.version)

        return await in_transaction(self._uow, work)

    async def consents(self, principal: Principal) -> ConsentState:
        async def work(uow: IdentityUoW) -> ConsentState:
            return ConsentState.from_history(await uow.repos.consents.history(principal.user_id))

        return await in_transaction(self._uow, work)

    async def give_consent(self, principal: Principal, consent: ConsentInput) -> ConsentState:
        async def work(uow: IdentityUoW) -> ConsentState:
            await self._record_consents(
                uow, principal.user_id, [consent], self._clock.now(), ConsentSource.WEB
            )
            return ConsentState.from_history(await uow.repos.consents.history(principal.user_id))

        return await in_transaction(self._uow, work)

    async def require_consent(self, user_id: uuid.UUID, consent_type: ConsentType) -> None:
        """The shared check later contexts call before storing what needs a consent."""

        async def work(uow: IdentityUoW) -> None:
            state = ConsentState.from_history(await uow.repos.consents.history(user_id))
            state.require(consent_type)

        await in_transaction(self._uow, work)

    # --- staff ------------------------------------------------------------------------

    async def create_owner(self, raw_email: str) -> User:
        """First owner, from the CLI: a new account, or the owner role for an existing one."""
        email = Email(raw_email)

        async def work(uow: IdentityUoW) -> User:
            now = self._clock.now()
            user = await uow.repos.users.find_by_email(email.normalized)
            if user is None:
                user = replace(await self._staff_user(email, now), roles=frozenset({Role.OWNER}))
                await uow.repos.users.add(user, granted_by=None)
            else:
                user = replace(user, roles=user.roles | {Role.OWNER})
                await uow.repos.users.set_roles(user.id, user.roles, granted_by=None)
            await uow.audit.record(
                AuditEntry(actor_id=None, actor_role="system", action="user.grant_owner",
                           entity_type="user", entity_id=str(user.id))
            )  # fmt: skip
            return user

        return await in_transaction(self._uow, work)

    async def _staff_user(self, email: Email, now: datetime) -> User:
        return User(
            id=new_id(), email=email, phone=None, telegram_user_id=None, display_name=None,
            timezone="Europe/Moscow", locale="ru", status=UserStatus.ACTIVE,
            roles=frozenset(), created_at=now,
        )  # fmt: skip

    async def add_staff(self, actor: Principal, raw_email: str, roles: frozenset[Role]) -> User:
        ensure_can_grant_roles(actor.roles, roles)
        email = Email(raw_email)

        async def work(uow: IdentityUoW) -> User:
            now = self._clock.now()
            existing = await uow.repos.users.find_by_email(email.normalized)
            if existing is None:
                user = replace(await self._staff_user(email, now), roles=roles)
                await uow.repos.users.add(user, granted_by=actor.user_id)
            else:
                user = replace(existing, roles=existing.roles | roles)
                await uow.repos.users.set_roles(user.id, user.roles, granted_by=actor.user_id)
            await self._audit(uow, actor, "user.add_staff", user.id, {"roles": sorted(roles)})
            return user

        return await in_transaction(self._uow, work)

    async def set_roles(self, actor: Principal, user_id: uuid.UUID, roles: frozenset[Role]) -> User:
        ensure_can_grant_roles(actor.roles, roles)

        async def work(uow: IdentityUoW) -> User:
            user = await uow.repos.users.get(user_id)
            if user is None:
                raise NotFound()
            if user_id == actor.user_id and Role.OWNER not in roles:
                raise Forbidden("The owner cannot remove their own owner role.")
            await uow.repos.users.set_roles(user_id, roles, granted_by=actor.user_id)
            await self._audit(uow, actor, "user.set_roles", user_id, {"roles": sorted(roles)})
            return replace(user, roles=roles)

        return await in_transaction(self._uow, work)

    async def block(self, actor: Principal, user_id: uuid.UUID) -> None:
        ensure_roles(actor, Role.OWNER)
        if user_id == actor.user_id:
            raise Forbidden("The owner cannot block themselves.")

        async def work(uow: IdentityUoW) -> None:
            now = self._clock.now()
            user = await uow.repos.users.get(user_id)
            if user is None:
                raise NotFound()
            await uow.repos.users.set_status(user_id, UserStatus.BLOCKED, now)
            revoked = await uow.repos.sessions.revoke_all(user_id, now)
            await self._audit(uow, actor, "user.block", user_id, {"sessions_revoked": revoked})

        await in_transaction(self._uow, work)

    async def list_users(self, actor: Principal, limit: int, after: uuid.UUID | None) -> list[User]:
        ensure_roles(actor, Role.OWNER)

        async def work(uow: IdentityUoW) -> list[User]:
            return await uow.repos.users.list(limit, after)

        return await in_transaction(self._uow, work)

    async def _audit(
        self,
        uow: IdentityUoW,
        actor: Principal,
        action: str,
        user_id: uuid.UUID,
        details: dict[str, Any],
    ) -> None:
        await audit_action(uow, actor, action, "user", str(user_id), details)

    # --- data-subject requests ----------------------------------------------------------

    async def request_export(self, principal: Principal) -> uuid.UUID:
        async def work(uow: IdentityUoW) -> uuid.UUID:
            now = self._clock.now()
            export_id = new_id()
            await uow.repos.exports.create(export_id, principal.user_id, now)
            uow.publish(
                DataExportRequested(event_id=new_id(), occurred_at=now,
                                    aggregate_id=str(principal.user_id), export_id=str(export_id))
            )  # fmt: skip
            return export_id

        return await in_transaction(self._uow, work)

    async def export_status(self, principal: Principal, export_id: uuid.UUID) -> Any:
        async def work(uow: IdentityUoW) -> Any:
            stored = await uow.repos.exports.get(export_id, principal.user_id)
            if stored is None:
                raise NotFound()
            return stored

        return await in_transaction(self._uow, work)

    async def build_export(self, event: DataExportRequested) -> None:
        """Worker: collect every section, store the archive encrypted, e-mail the link."""
        user_id, export_id = uuid.UUID(event.aggregate_id), uuid.UUID(event.export_id)

        async def work(uow: IdentityUoW) -> None:
            now = self._clock.now()
            stored = await uow.repos.exports.get(export_id, user_id)
            if stored is None or stored.status != "pending":
                return  # already built (a redelivered event)
            user = await uow.repos.users.get(user_id)
            if user is None or user.status is UserStatus.DELETED:
                await uow.repos.exports.mark_failed(export_id)
                return
            sections = uow.repos.personal_data
            subject = await bind_subject(sections, user_id)
            archive = {
                "generated_at": now.isoformat(),
                "sections": {s.name: await s.export(subject) for s in sections},
            }
            token = new_token()
            expires_at = now + EXPORT_LINK_LIFETIME
            await uow.repos.exports.mark_ready(
                export_id, json.dumps(archive, ensure_ascii=False, default=str),
                token_hash(token), now, expires_at,
            )  # fmt: skip
            if user.email is not None:
                link = (
                    f"{self._config.public_base_url}/api/v1/me/data-exports/{export_id}"
                    f"/download?token={token}"
                )
                await uow.notifications.enqueue(
                    NotificationRequest(
                        channel="email",
                        template_code="cabinet.data_export_ready",
                        recipient_kind="user",
                        recipient_id=str(user_id),
                        dedupe_key=f"data_export:{export_id}:ready:email",
                        to=user.email.value,
                        variables={
                            "display_name": user.display_name or "",
                            "download_url": link,
                            "expires_local": expires_at.strftime("%d.%m.%Y %H:%M UTC"),
                        },
                    )
                )

        await in_transaction(self._uow, work)

    async def download_export(
        self, principal: Principal, export_id: uuid.UUID, token: str
    ) -> dict[str, Any]:
        async def work(uow: IdentityUoW) -> str | None:
            return await uow.repos.exports.take_for_download(
                export_id, principal.user_id, token_hash(token), self._clock.now()
            )

        archive = await in_transaction(self._uow, work)
        if archive is None:
            raise NotFound("No download is available for this link.")
        loaded: dict[str, Any] = json.loads(archive)
        return loaded

    async def request_erasure(self, principal: Principal) -> uuid.UUID:
        """Log the user out everywhere now; the worker erases the data within minutes."""

        async def work(uow: IdentityUoW) -> uuid.UUID:
            now = self._clock.now()
            request_id = new_id()
            await uow.repos.erasures.create(request_id, principal.user_id, now)
            await uow.repos.sessions.revoke_all(principal.user_id, now)
            uow.publish(
                ErasureRequested(event_id=new_id(), occurred_at=now,
                                 aggregate_id=str(principal.user_id), request_id=str(request_id))
            )  # fmt: skip
            return request_id

        return await in_transaction(self._uow, work)

    async def erase(self, event: ErasureRequested) -> None:
        """Worker: every section anonymises and destroys its part, in one transaction.
        Who the person is (their leads, claimed anonymous ids, Telegram accounts) is fixed
        first; the sections then run in the composition root's order, booking last, so
        appointments are cancelled and de-identified after every other step moved them."""
        user_id, request_id = uuid.UUID(event.aggregate_id), uuid.UUID(event.request_id)

        async def work(uow: IdentityUoW) -> None:
            counts: dict[str, int] = {}
            sections = uow.repos.personal_data
            subject = await bind_subject(sections, user_id)
            for section in sections:
                for table, n in (await section.erase(subject)).items():
                    counts[table] = counts.get(table, 0) + n
            await uow.repos.erasures.mark_done(request_id, self._clock.now())
            await uow.audit.record(
                AuditEntry(actor_id=None, actor_role="system", action="user.erase",
                           entity_type="user", entity_id=str(user_id), details=counts)
            )  # fmt: skip

        await in_transaction(self._uow, work)
        logger.info("user_erased", user_id=str(user_id))
