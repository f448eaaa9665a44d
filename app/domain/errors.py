"""The base of every domain error: a stable machine code and a safe human title.

Domain errors never carry P1/P2 data in their text: the HTTP layer shows ``detail``
to the client and the logger records ``code``.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain was not met. Subclasses set ``code`` and ``title``."""

    code: str = "domain_error"
    title: str = "The request breaks a business rule"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know that it exists."""

    code = "not_found"
    title = "Not found"


class Conflict(DomainError):
    """The request conflicts with the current state of the resource."""

    code = "conflict"
    title = "Conflict with the current state"
