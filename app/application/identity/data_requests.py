"""The person's data-subject requests: an export of everything held about them
(built by the worker, stored encrypted, downloaded once by a link sent by e-mail) and
erasure (sessions end at once; the worker erases every context's part)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import structlog

from app.application.access import Principal
from app.application.identity.personal_data import (
    DataSubject,
    UpcomingAppointments,
    bind_subject,
)
from app.application.identity.ports import IdentityUoW, StoredExport
from app.application.ports import AuditEntry, Clock, NotificationRequest
from app.application.transactions import in_transaction
from app.domain.errors import NotFound
from app.domain.identity.events import DataExportRequested, ErasureRequested
from app.domain.identity.model import UserStatus, new_token
from app.domain.identity.tokens import token_hash
from app.domain.shared.ids import new_id

logger = structlog.get_logger(__name__)

EXPORT_LINK_LIFETIME = timedelta(days=3)


class DataRequests:
    def __init__(
        self, uow: Callable[[], IdentityUoW], clock: Clock, public_base_url: str,
        upcoming: UpcomingAppointments | None = None,
    ) -> None:  # fmt: skip
        self._uow = uow
        self._clock = clock
        self._public_base_url = public_base_url
        self._upcoming = upcoming

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

    async def export_status(self, principal: Principal, export_id: uuid.UUID) -> StoredExport:
        async def work(uow: IdentityUoW) -> StoredExport:
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
                    f"{self._public_base_url}/api/v1/me/data-exports/{export_id}"
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
        canceled = 0
        if self._upcoming is not None:
            # First, and committed on its own: the upcoming appointments are cancelled
            # with the policy's refund and the message while the address still exists.
            async def bind(uow: IdentityUoW) -> DataSubject:
                return await bind_subject(uow.repos.personal_data, user_id)

            subject = await in_transaction(self._uow, bind)
            canceled = await self._upcoming.cancel_upcoming(subject.user_id, subject.lead_ids)

        async def work(uow: IdentityUoW) -> None:
            counts: dict[str, int] = {"appointments_canceled": canceled} if canceled else {}
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
