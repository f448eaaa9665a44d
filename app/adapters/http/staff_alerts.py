"""HTTP endpoints of a staff member's own alert choices."""

from __future__ import annotations

import msgspec
from litestar import Controller, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from app.adapters.http.auth import role_guard
from app.adapters.http.identity import NO_STORE
from app.application.access import Principal
from app.application.staff_alerts.service import StaffAlerts
from app.domain.identity.model import STAFF_ROLES


class AlertChoicesIn(msgspec.Struct, forbid_unknown_fields=True):
    kinds: dict[str, bool]
    """Kinds to switch on (true) or off (false); kinds left out keep their setting."""


class AlertChoicesOut(msgspec.Struct):
    kinds: dict[str, bool]
    """Every kind the caller's roles may receive, with whether they do."""


class StaffAlertsController(Controller):
    """A staff member's alerts: which kinds reach them by e-mail and Telegram."""

    path = "/api/v1/admin/me/notifications"
    tags = ["admin: staff alerts"]  # noqa: RUF012
    cache_control = NO_STORE
    guards = [role_guard(*STAFF_ROLES)]  # noqa: RUF012  (before the body is validated)

    @get("/", summary="My staff alerts: each kind on or off")
    async def mine(
        self, principal: NamedDependency[Principal], staff_alerts: NamedDependency[StaffAlerts]
    ) -> AlertChoicesOut:
        choices = await staff_alerts.my_preferences(principal)
        return AlertChoicesOut({kind.value: on for kind, on in choices.items()})

    @put("/", summary="Switch my staff alerts on or off, kind by kind")
    async def update(
        self, data: JSONBody[AlertChoicesIn], principal: NamedDependency[Principal],
        staff_alerts: NamedDependency[StaffAlerts],
    ) -> AlertChoicesOut:  # fmt: skip
        choices = await staff_alerts.set_my_preferences(principal, data.kinds)
        return AlertChoicesOut({kind.value: on for kind, on in choices.items()})
