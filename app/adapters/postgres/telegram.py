"""Deep links, Telegram accounts and the record of Telegram updates already handled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from app.adapters.postgres.session import Session
from app.application.crm.ports import LeadDirectory
from app.application.identity.personal_data import DataSubject
from app.domain.shared.ids import new_id
from app.domain.telegram import deep_links


@dataclass(frozen=True, slots=True)
class IssuedDeepLink:
    code: str
    purpose: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class PendingLink:
    """An account-linking link a Telegram user opened, awaiting the owner's confirmation."""

    id: UUID
    telegram_user_id: int
    telegram_username: str | None
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class UsedDeepLink:
    id: UUID
    purpose: str
    payload: dict[str, Any]
    user_id: UUID | None
    lead_id: UUID | None


class PostgresTelegramDirectory:
    """The bot's repositories over one session: deep links, accounts, the bot's own
    records, and the CRM's lead directory in the same transaction."""

    def __init__(self, session: Session, leads: LeadDirectory | None = None) -> None:
        self.links = PostgresDeepLinks(session)
        self.accounts = PostgresTelegramAccounts(session)
        self.support = PostgresBotSupport(session)
        self._leads = leads

    @property
    def leads(self) -> LeadDirectory:
        """The CRM's lead directory in the same transaction (given by the composition root)."""
        if self._leads is None:  # pragma: no cover (a wiring error)
            raise RuntimeError("the bot's use cases need the CRM lead directory")
        return self._leads


class PostgresDeepLinks:
    """Deep links: issued, opened, and (for account linking) claimed and confirmed."""

    def __init__(self, session: Session) -> None:
        self._s = session

    async def issue_deep_link(
        self,
        purpose: str,
        payload: dict[str, Any],
        *,
        user_id: UUID | None = None,
        lead_id: UUID | None = None,
    ) -> IssuedDeepLink:
        """A new code for ``purpose`` under the domain's rules (a known purpose, a P0
        payload, the lifetime of a bound or unbound link), stored."""
        link = deep_links.issue(
            purpose, payload, now=self._s.clock.now(), user_id=user_id, lead_id=lead_id
        )
        return await self.save_deep_link(link)

    async def save_deep_link(self, link: deep_links.NewDeepLink) -> IssuedDeepLink:
        await self._s.queries.telegram.insert_deep_link(
            self._s.conn, id=new_id(), code=link.code, purpose=link.purpose,
            payload=Jsonb(link.payload), user_id=link.user_id, lead_id=link.lead_id,
            now=self._s.clock.now(), expires_at=link.expires_at,
        )  # fmt: skip
        return IssuedDeepLink(code=link.code, purpose=link.purpose, expires_at=link.expires_at)

    async def use_deep_link(self, code: str) -> UsedDeepLink | None:
        """Count a use of ``code``; ``None`` when it is malformed, unknown or expired."""
        if not deep_links.looks_like_code(code):
            return None
        row = await self._s.queries.telegram.use_deep_link(
            self._s.conn, code=code, now=self._s.clock.now()
        )
        if row is None:
            return None
        return UsedDeepLink(
            id=row["id"],
            purpose=row["purpose"],
            payload=dict(row["payload"]),
            user_id=row["user_id"],
            lead_id=row["lead_id"],
        )

    async def claim_link(self, link_id: UUID, telegram_user_id: int) -> None:
        """Who opened an account-linking link (the owner confirms it on the site)."""
        await self._s.queries.telegram.claim_link_account(
            self._s.conn, id=link_id, telegram_user_id=telegram_user_id
        )

    async def pending_link(self, code: str, user_id: UUID) -> PendingLink | None:
        """The user's account-linking link that a Telegram user opened, not yet confirmed
        and not expired (locked for the rest of the transaction)."""
        if not deep_links.looks_like_code(code):
            return None
        row = await self._s.queries.telegram.pending_link_account(
            self._s.conn, code=code, user_id=user_id, now=self._s.clock.now()
        )
        if row is None:
            return None
        return PendingLink(
            id=row["id"], telegram_user_id=row["telegram_user_id"],
            telegram_username=row["username"], expires_at=row["expires_at"],
        )  # fmt: skip

    async def confirm_link(self, link_id: UUID) -> None:
        await self._s.queries.telegram.confirm_link_account(
            self._s.conn, id=link_id, now=self._s.clock.now()
        )


class PostgresTelegramAccounts:
    """The Telegram accounts that wrote to the bot: whom they belong to, whether they
    stopped or blocked it, and the Telegram consent of the person behind them."""

    def __init__(self, session: Session) -> None:
        self._s = session

    async def remember_account(
        self,
        telegram_user_id: int,
        chat_id: int,
        username: str | None,
        language_code: str | None,
    ) -> None:
        """Create or refresh the account; writing to the bot again lifts a block."""
        await self._s.queries.telegram.upsert_account(
            self._s.conn,
            telegram_user_id=telegram_user_id,
            chat_id=chat_id,
            username=username,
            language_code=language_code,
            now=self._s.clock.now(),
        )

    async def owners(self, telegram_user_id: int) -> tuple[UUID | None, UUID | None]:
        """(user, lead) the account belongs to; (None, None) for an account never seen."""
        row = await self._s.queries.telegram.get_account(
            self._s.conn, telegram_user_id=telegram_user_id
        )
        return (row["user_id"], row["lead_id"]) if row else (None, None)

    async def attach_lead(self, telegram_user_id: int, lead_id: UUID) -> None:
        """The account belongs to the lead, unless it has one. The account row is locked
        by ``remember_account`` earlier in the transaction, so two simultaneous
        ``/start`` make one lead."""
        await self._s.queries.telegram.attach_lead(
            self._s.conn, telegram_user_id=telegram_user_id, lead_id=lead_id,
            now=self._s.clock.now(),
        )  # fmt: skip

    async def link_user(self, telegram_user_id: int, user_id: UUID) -> bool:
        """Link the account to a user (both ways); False when the user is gone."""
        row = await self._s.queries.telegram.link_account_to_user(
            self._s.conn,
            telegram_user_id=telegram_user_id,
            user_id=user_id,
            now=self._s.clock.now(),
        )
        return row is not None

    async def linked_user(self, telegram_user_id: int) -> UUID | None:
        """The user this Telegram account is linked to, while that user is active."""
        row = await self._s.queries.telegram.linked_active_user(
            self._s.conn, telegram_user_id=telegram_user_id
        )
        return None if row is None else row["user_id"]

    async def stop(self, telegram_user_id: int) -> None:
        """/stop: no more sends, and the Telegram consent revoked for whom we know."""
        now = self._s.clock.now()
        row = await self._s.queries.telegram.stop_account(
            self._s.conn, telegram_user_id=telegram_user_id, now=now
        )
        if row is None or (row["user_id"] is None and row["lead_id"] is None):
            return
        await self._s.queries.telegram.insert_telegram_consent(
            self._s.conn,
            id=new_id(),
            user_id=row["user_id"],
            lead_id=row["lead_id"],
            granted=False,
            now=now,
        )

    async def mark_blocked(self, chat_id: int) -> None:
        """The user blocked the bot: nothing more is sent to this chat."""
        await self._s.queries.telegram.block_account_by_chat(
            self._s.conn, chat_id=chat_id, now=self._s.clock.now()
        )

    async def is_blocked(self, telegram_user_id: int) -> bool | None:
        """``None`` for an account never seen."""
        row = await self._s.queries.telegram.get_account(
            self._s.conn, telegram_user_id=telegram_user_id
        )
        return None if row is None else row["blocked_at"] is not None

    async def consent_state(self, telegram_user_id: int) -> tuple[bool, bool | None]:
        """(whether the account belongs to a known person, their latest Telegram consent)."""
        row = await self._s.queries.telegram.account_subject(
            self._s.conn, telegram_user_id=telegram_user_id
        )
        if row is None or (row["user_id"] is None and row["lead_id"] is None):
            return False, None
        return True, row["telegram_consent"]

    async def record_consent(self, telegram_user_id: int, granted: bool) -> bool:
        """The person's answer to the consent prompt; False when we do not know who they are."""
        row = await self._s.queries.telegram.account_subject(
            self._s.conn, telegram_user_id=telegram_user_id
        )
        if row is None or (row["user_id"] is None and row["lead_id"] is None):
            return False
        await self._s.queries.telegram.insert_telegram_consent(
            self._s.conn,
            id=new_id(),
            user_id=row["user_id"],
            lead_id=row["lead_id"],
            granted=granted,
            now=self._s.clock.now(),
        )
        return True

    async def account_owner(self, user_id: UUID) -> tuple[str | None, str | None]:
        """(display name, e-mail) of the account, to tell its owner about a new link."""
        row = await self._s.queries.telegram.account_owner(self._s.conn, user_id=user_id)
        return (row["display_name"], row["email"]) if row else (None, None)


class PostgresBotSupport:
    """The bot's own records: Telegram updates already handled, crisis flags (counted,
    not attributed), the crisis resources setting and the ``/start`` analytics step."""

    def __init__(self, session: Session) -> None:
        self._s = session

    async def first_delivery_of_update(self, update_id: int) -> bool:
        """True the first time an ``update_id`` is seen; Telegram redelivers on timeouts."""
        row = await self._s.queries.telegram.record_update(
            self._s.conn, id=new_id(), update_id=str(update_id), now=self._s.clock.now()
        )
        return row is not None

    async def flag_crisis(self, telegram_user_id: int) -> None:
        # Counted, not attributed: the flag names nobody (see record_crisis_flag).
        await self._s.queries.telegram.record_crisis_flag(self._s.conn, now=self._s.clock.now())

    async def crisis_resources(self) -> dict[str, Any]:
        row = await self._s.queries.admin.get_setting(self._s.conn, key="crisis.resources")
        value = row["value"] if row else None
        return value if isinstance(value, dict) else {}

    async def record_started(
        self, telegram_user_id: int, deep_link_code: str | None, purpose: str | None
    ) -> None:
        """The analytics step; the code stitches Telegram to the web visit (P0)."""
        await self._s.queries.telegram.record_started(
            self._s.conn, telegram_user_id=telegram_user_id, deep_link_code=deep_link_code,
            purpose=purpose, now=self._s.clock.now(),
        )  # fmt: skip


class TelegramPersonalData:
    """Telegram's section: the accounts linked to the person or to their leads, and the
    deep links made for them, in the export; erasure deletes both (a link someone else
    made keeps no trace of the person's Telegram having opened it)."""

    name = "telegram"

    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.telegram

    async def bind(self, subject: DataSubject) -> DataSubject:
        rows = self._q.telegram_ids_of(
            self._s.conn, user_id=subject.user_id, lead_ids=list(subject.lead_ids)
        )
        return subject.with_telegram_user_ids([r["telegram_user_id"] async for r in rows])

    async def export(self, subject: DataSubject) -> object:
        conn, ids = self._s.conn, list(subject.telegram_user_ids)
        accounts = self._q.export_accounts(conn, telegram_user_ids=ids)
        links = self._q.export_deep_links(
            conn, user_id=subject.user_id, lead_ids=list(subject.lead_ids)
        )
        return {
            "accounts": [dict(r) async for r in accounts],
            "deep_links": [dict(r) async for r in links],
        }

    async def erase(self, subject: DataSubject) -> dict[str, int]:
        conn, q = self._s.conn, self._q
        ids, leads = list(subject.telegram_user_ids), list(subject.lead_ids)
        links = int(await q.erase_deep_links(conn, user_id=subject.user_id, lead_ids=leads))
        await q.forget_link_claims(conn, telegram_user_ids=ids)
        await q.detach_leads(conn, user_id=subject.user_id, lead_ids=leads)
        return {
            "deep_links": links,
            "telegram_accounts": int(await q.erase_accounts(conn, telegram_user_ids=ids)),
        }
