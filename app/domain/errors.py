"""The domain error hierarchy: a stable machine code and a safe human title each.

Domain errors never carry P1/P2 data in their text: the HTTP layer shows ``detail``
to the client and the logger records ``code``. The HTTP status of each class is set
in one table, ``app/adapters/http/problems.py``.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain was not met. Subclasses set ``code`` and ``title``."""

    code: str = "domain_error"
    title: str = "The request breaks a business rule"

    def __init__(self, detail: str | None = None, *, field: str | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.field = field


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know that it exists."""

    code = "not_found"
    title = "Not found"


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    code = "forbidden"
    title = "Not allowed"


class ValidationFailed(DomainError):
    """The input is well-formed but breaks a rule about its content."""

    code = "validation_failed"
    title = "The input is not valid"


class InvalidState(DomainError):
    """The object is not in a state that allows this action."""

    code = "invalid_state"
    title = "Not possible in the current state"


class Conflict(DomainError):
    """The request conflicts with the current state of the resource."""

    code = "conflict"
    title = "Conflict with the current state"


class AlreadyExists(Conflict):
    """Something with the same unique name or key already exists."""

    code = "already_exists"
    title = "Already exists"


class SlugTaken(AlreadyExists):
    """The slug is used by another item of the same kind."""

    code = "slug_taken"
    title = "This slug is already used"

    def __init__(self, detail: str | None = None, *, field: str | None = "slug") -> None:
        super().__init__(detail, field=field)


class VersionConflict(Conflict):
    """Someone else changed the object since it was read (optimistic locking)."""

    code = "version_conflict"
    title = "The object was changed by someone else"


class SlotUnavailable(Conflict):
    """The time is no longer free."""

    code = "slot_unavailable"
    title = "This time is no longer available"


class ConsentRequired(DomainError):
    """The person has not given the consent this action needs."""

    code = "consent_required"
    title = "Consent is required"


class TransientConflict(Exception):
    """A concurrent transaction got in the way (serialization failure, deadlock).

    Not a domain error: the transaction runner retries the whole use case.
    """
