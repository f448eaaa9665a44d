"""PostgreSQL errors → domain errors: the one translation table.

By constraint name first (a business rule with its own code), then by SQLSTATE. A
context that adds a constraint carrying a rule adds one line to ``BY_CONSTRAINT``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import psycopg
import structlog
from psycopg import errors as pg

from app.domain.errors import (
    AlreadyExists,
    DomainError,
    InvalidState,
    SlotUnavailable,
    SlugTaken,
    TransientConflict,
    ValidationFailed,
)
from app.domain.identity.errors import ContactInUse
from app.domain.payments.model import RemainderPending

logger = structlog.get_logger(__name__)


class VersionFrozen(InvalidState):
    code = "version_frozen"
    title = "A published or used version cannot change"


def _slug_taken() -> DomainError:
    return SlugTaken()


BY_CONSTRAINT: Mapping[str, Callable[[], DomainError]] = {
    "appointments_blocked_period_excl": SlotUnavailable,
    "content_items_type_slug_key": _slug_taken,
    "tags_slug_key": _slug_taken,
    "curated_collections_slug_key": _slug_taken,
    "glossary_terms_slug_key": _slug_taken,
    "services_slug_key": _slug_taken,
    "interactive_definitions_slug_key": _slug_taken,
    "glossary_terms_term_key": lambda: AlreadyExists("A glossary term with this name exists."),
    "glossary_term_synonyms_synonym_key": lambda: AlreadyExists(
        "This synonym already leads to another term."
    ),
    "users_email_key": ContactInUse,
    "users_verified_phone_key": ContactInUse,
    "users_telegram_user_id_key": ContactInUse,
    "payments_open_remainder_key": RemainderPending,
    "erasure_requests_user_id_pending_key": lambda: InvalidState(
        "An erasure request is already in progress."
    ),
}

# SQLSTATE class defaults when the constraint has no rule of its own.
BY_SQLSTATE: Mapping[str, Callable[[], DomainError]] = {
    "23505": AlreadyExists,
    "23503": lambda: ValidationFailed("The request refers to something that does not exist."),
    "23514": lambda: InvalidState("The change would break a rule of the data."),
    "23502": lambda: ValidationFailed("A required value is missing."),
    "23P01": SlotUnavailable,
    "23000": VersionFrozen,
    "42501": lambda: InvalidState("This record cannot be changed."),
}

TRANSIENT = (pg.SerializationFailure, pg.DeadlockDetected)


def translate(exc: BaseException) -> BaseException | None:
    """The domain error (or ``TransientConflict``) for a database error, else None."""
    if isinstance(exc, TRANSIENT):
        return TransientConflict(type(exc).__name__)
    if not isinstance(exc, psycopg.Error) or exc.sqlstate is None:
        return None
    constraint = exc.diag.constraint_name
    factory = BY_CONSTRAINT.get(constraint or "") or BY_SQLSTATE.get(exc.sqlstate)
    if factory is None:
        return None
    if constraint not in BY_CONSTRAINT:
        # A generic mapping means a rule the code did not check first: worth a look.
        logger.warning("constraint_violation", sqlstate=exc.sqlstate, constraint=constraint)
    return factory()
