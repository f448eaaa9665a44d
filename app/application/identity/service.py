"""The identity use cases built together from one set of dependencies: e-mail and
Telegram login, sessions, the person's profile and consents, the owner's staff
management, and data-subject requests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.application.identity.data_requests import DataRequests
from app.application.identity.email_login import EmailLogin
from app.application.identity.personal_data import UpcomingAppointments
from app.application.identity.ports import IdentityUoW, SecretHasher, TelegramLoginVerifier
from app.application.identity.profile import Profile
from app.application.identity.sessions import Sessions
from app.application.identity.staff import Staff
from app.application.identity.telegram_login import TelegramLogin
from app.application.ports import Clock
from app.domain.identity.events import DataExportRequested, ErasureRequested
from app.domain.identity.model import LoginCodePolicy, SessionPolicies, User


@dataclass(frozen=True, slots=True)
class IdentityConfig:
    sessions: SessionPolicies
    codes: LoginCodePolicy
    public_base_url: str


class IdentityService:
    email_login: EmailLogin
    telegram_login: TelegramLogin
    sessions: Sessions
    profile: Profile
    staff: Staff
    data_requests: DataRequests

    def __init__(
        self,
        uow: Callable[[], IdentityUoW],
        clock: Clock,
        hasher: SecretHasher,
        config: IdentityConfig,
        telegram: TelegramLoginVerifier | None = None,
        upcoming: UpcomingAppointments | None = None,
    ) -> None:
        self.email_login = EmailLogin(uow, clock, hasher, config.codes, config.sessions)
        self.telegram_login = TelegramLogin(uow, clock, config.sessions, telegram)
        self.sessions = Sessions(uow, clock, config.sessions)
        self.profile = Profile(uow, clock)
        self.staff = Staff(uow, clock)
        self.data_requests = DataRequests(uow, clock, config.public_base_url, upcoming)

    # The entry points the composition root wires (event handlers and the CLI).

    async def build_export(self, event: DataExportRequested) -> None:
        await self.data_requests.build_export(event)

    async def erase(self, event: ErasureRequested) -> None:
        await self.data_requests.erase(event)

    async def create_owner(self, raw_email: str) -> User:
        return await self.staff.create_owner(raw_email)
