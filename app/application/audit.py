"""One way for a use case to write an audit entry for a staff member's action."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.application.ports import AuditEntry, UnitOfWork

if TYPE_CHECKING:  # identity's service uses this module too
    from app.application.access import Principal


async def audit_action(
    uow: UnitOfWork[Any], actor: Principal, action: str, entity_type: str, entity_id: str,
    details: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    """Record ``actor`` doing ``action`` to an entity; ``details`` are P0 only (checked)."""
    await uow.audit.record(
        AuditEntry(
            actor_id=str(actor.user_id),
            actor_role=actor.primary_role,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            details=details or {},
        )
    )
