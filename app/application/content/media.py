"""The media library: assets registered by their metadata (the files live elsewhere).
Owners and editors only; registering is audited."""

from __future__ import annotations

import uuid
from datetime import datetime

from app.application.access import Principal, ensure_roles
from app.application.audit import audit_action
from app.application.content.ports import MediaAsset, NewMedia
from app.application.content.transactions import EDITORS, ContentTransactions, ContentUoW
from app.domain.content.model import validate_media


class MediaLibrary:
    def __init__(self, tx: ContentTransactions) -> None:
        self._tx = tx

    async def add_media(self, actor: Principal, media: NewMedia) -> uuid.UUID:
        ensure_roles(actor, *EDITORS)
        validate_media(media.kind, media.mime_type, media.size_bytes, media.url)

        async def work(uow: ContentUoW) -> uuid.UUID:
            media_id = await uow.repos.taxonomy.add_media(media)
            await audit_action(uow, actor, "media.create", "media_asset", str(media_id))
            return media_id

        return await self._tx.write(work)

    async def list_media(
        self, actor: Principal, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[MediaAsset]:
        """Newest first, ``limit`` after ``after``: the (created_at, id) of the last asset
        already shown."""
        ensure_roles(actor, *EDITORS)
        return await self._tx.read(lambda uow: uow.repos.taxonomy.list_media(after, limit))
