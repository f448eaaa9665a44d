"""Identity errors. Messages are the same whatever the reason, so they leak nothing."""

from __future__ import annotations

from app.domain.errors import AlreadyExists, DomainError


class AuthenticationFailed(DomainError):
    """No valid credentials: a wrong, used or expired code, a bad token or signature."""

    code = "authentication_failed"
    title = "Authentication failed"


class RateLimited(DomainError):
    code = "rate_limited"
    title = "Too many requests"

    def __init__(self, retry_after_seconds: int, detail: str | None = None) -> None:
        super().__init__(detail or "Too many attempts. Please try again later.")
        self.retry_after_seconds = retry_after_seconds


class ContactInUse(AlreadyExists):
    code = "contact_in_use"
    title = "This contact is already used by another account"


class AccountBlocked(DomainError):
    code = "account_blocked"
    title = "This account is blocked"
