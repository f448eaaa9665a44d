"""Logging in with a code sent by e-mail: codes are issued with a growing pause per
address, checked in constant time, and too many wrong guesses in a day lock the
address for a day (its owner is told once)."""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import structlog

from app.application.identity.accounts import (
    ConsentInput,
    LoginResult,
    open_session,
    record_consents,
    register,
)
from app.application.identity.guests import attach_proven_guests
from app.application.identity.ports import IdentityUoW, SecretHasher
from app.application.ports import Clock, NotificationRequest
from app.application.transactions import in_transaction
from app.domain.identity.errors import AuthenticationFailed, RateLimited
from app.domain.identity.model import (
    ConsentSource,
    LoginCodePolicy,
    SessionPolicies,
    new_login_code,
)
from app.domain.shared.contact import Email
from app.domain.shared.ids import new_id

logger = structlog.get_logger(__name__)


def whole_seconds(wait: timedelta) -> int:
    """A Retry-After value: whole seconds, rounded up, at least one."""
    return max(1, -(-wait // timedelta(seconds=1)))


class EmailLogin:
    def __init__(
        self,
        uow: Callable[[], IdentityUoW],
        clock: Clock,
        hasher: SecretHasher,
        codes: LoginCodePolicy,
        sessions: SessionPolicies,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._hasher = hasher
        self._codes = codes
        self._sessions = sessions

    async def start(self, raw_email: str) -> None:
        """Send a login code. The answer is the same whether or not the e-mail is known:
        the work (a code row and a queued e-mail) is identical either way."""
        email = Email(raw_email)
        policy = self._codes

        async def work(uow: IdentityUoW) -> None:
            now = self._clock.now()
            await self._refuse_if_locked(uow, email, now)
            sent = await uow.repos.login_codes.sent_since(
                email.normalized, now - policy.failure_window
            )
            wait = policy.wait_before_next_code([c.created_at for c in sent], now)
            if wait > timedelta(0):
                raise RateLimited(whole_seconds(wait))
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

    async def verify(
        self, raw_email: str, code: str, consents: Sequence[ConsentInput] = ()
    ) -> LoginResult:
        """A session for the address's latest usable code; a first login registers the
        account. Every refusal is the same ``AuthenticationFailed``."""
        email = Email(raw_email)
        policy = self._codes
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
                user = await register(uow, consents, now, email=email)
            await record_consents(uow, user.id, consents, now, ConsentSource.WEB)
            if user.email_verified_at is None:
                await uow.repos.users.mark_email_verified(user.id, now)
            if not await uow.repos.login_codes.consume(stored.id, now):
                return None
            # The address is proven now: guests' records that proved it too join the account.
            await attach_proven_guests(uow, user.id, email.normalized, now)
            return await open_session(uow, self._sessions, user, now)

        result = await in_transaction(self._uow, work)
        if result is None:
            logger.info("login_failed", reason="wrong_code" if wrong_code else "no_usable_code")
            raise AuthenticationFailed("The code is wrong or no longer valid.")
        return result

    def _code_hash(self, code_id: uuid.UUID, code: str) -> bytes:
        return self._hasher.keyed_hash(f"login_code:{code_id}:{code}")

    def _lock_key(self, email: Email) -> bytes:
        return self._hasher.keyed_hash(f"login_lock:{email.normalized}")

    async def _refuse_if_locked(self, uow: IdentityUoW, email: Email, now: datetime) -> None:
        """A locked address gets the answer of any rate limit: whether it belongs to an
        account makes no difference, so the lock reveals nothing about that."""
        until = await uow.repos.login_codes.locked_until(self._lock_key(email), now)
        if until is not None:
            raise RateLimited(whole_seconds(until - now))

    async def _lock_after_failures(self, uow: IdentityUoW, email: Email, now: datetime) -> None:
        """After a wrong code: too many in a day lock the address for a day, and the
        address is told once, by e-mail, that someone keeps trying its codes."""
        policy = self._codes
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
