"""The owner's administration storage in memory (sql/admin/ as the use cases rely on it:
one template per code, channel and locale; optimistic locking; settings by key)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec

from app.application.admin.ports import AuditRecord, MessageTemplate, Setting
from app.domain.errors import AlreadyExists
from tests.unit.memory import ManualClock, RollbackUnitOfWork


@dataclass
class AdminState:
    templates: dict[uuid.UUID, MessageTemplate] = field(default_factory=dict)
    settings: dict[str, Setting] = field(default_factory=dict)
    audit: list[AuditRecord] = field(default_factory=list)


class FakeAdminStore:
    def __init__(self, state: AdminState, clock: ManualClock) -> None:
        self._state = state
        self._clock = clock

    async def templates(self) -> list[MessageTemplate]:
        return sorted(self._state.templates.values(), key=lambda t: (t.code, t.channel, t.locale))

    async def template(self, template_id: uuid.UUID) -> MessageTemplate | None:
        return self._state.templates.get(template_id)

    async def add_template(
        self, code: str, channel: str, locale: str, subject: str | None, body: str,
        actor_id: uuid.UUID,
    ) -> uuid.UUID:  # fmt: skip
        key = (code, channel, locale)
        if any((t.code, t.channel, t.locale) == key for t in self._state.templates.values()):
            raise AlreadyExists()
        template = MessageTemplate(
            id=uuid.uuid4(), code=code, channel=channel, locale=locale, subject=subject,
            body=body, updated_at=self._clock.now(), updated_by=actor_id, version=1,
        )  # fmt: skip
        self._state.templates[template.id] = template
        return template.id

    async def update_template(
        self, template_id: uuid.UUID, version: int, subject: str | None, body: str,
        actor_id: uuid.UUID,
    ) -> bool:  # fmt: skip
        found = self._state.templates.get(template_id)
        if found is None or found.version != version:
            return False
        self._state.templates[template_id] = msgspec.structs.replace(
            found, subject=subject, body=body, updated_at=self._clock.now(),
            updated_by=actor_id, version=version + 1,
        )  # fmt: skip
        return True

    async def delete_template(self, template_id: uuid.UUID) -> None:
        self._state.templates.pop(template_id, None)

    async def settings(self) -> list[Setting]:
        return [self._state.settings[key] for key in sorted(self._state.settings)]

    async def setting(self, key: str) -> Setting | None:
        return self._state.settings.get(key)

    async def put_setting(self, key: str, value: Any, actor_id: uuid.UUID) -> None:
        self._state.settings[key] = Setting(
            key=key, value=value, updated_at=self._clock.now(), updated_by=actor_id
        )

    async def audit_log(
        self, actor_id: uuid.UUID | None, entity_type: str | None, action: str | None,
        date_from: datetime, date_to: datetime, limit: int,
        after: tuple[datetime, int] | None = None,
    ) -> list[AuditRecord]:  # fmt: skip
        found = [
            r for r in self._state.audit
            if (actor_id is None or r.actor_id == actor_id)
            and (entity_type is None or r.entity_type == entity_type)
            and (action is None or r.action == action)
            and date_from <= r.occurred_at < date_to
            and (after is None or (r.occurred_at, r.id) < after)
        ]  # fmt: skip
        return sorted(found, key=lambda r: (r.occurred_at, r.id), reverse=True)[:limit]


def admin_world(clock: ManualClock) -> tuple[AdminState, RollbackUnitOfWork[FakeAdminStore]]:
    state = AdminState()
    return state, RollbackUnitOfWork(FakeAdminStore(state, clock), state)
