"""The console's cookie session: the staff member's session token in ``eb_console``,
checked through the same session use case as the API's bearer token (so the staff idle
and absolute timeouts apply), and the per-request view every page renders with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, unquote

from litestar import Request
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from app.application.access import Principal
from app.application.booking.use_cases import Booking
from app.application.identity.service import IdentityService
from app.domain.errors import Forbidden
from app.domain.identity.errors import AuthenticationFailed

CONSOLE_PATH = "/console"
COOKIE_NAME = "eb_console"
FLASH_COOKIE = "eb_console_flash"
FLASH_KINDS = ("success", "info", "error")
STAFF_ONLY_DETAIL = "Консоль только для сотрудников практики"


class SignInRequired(Exception):
    """No session cookie, or its session is over: the page answers with the login form."""


def session_cookie(token: str, expires_at: datetime | None, *, secure: bool) -> Cookie:
    """The session cookie: readable by the server only, sent to /console only."""
    return Cookie(
        key=COOKIE_NAME,
        value=token,
        path=CONSOLE_PATH,
        httponly=True,
        secure=secure,
        samesite="strict",
        expires=int(expires_at.timestamp()) if expires_at is not None else None,
    )


def cookie_is_secure(request: Request[Any, Any, Any]) -> bool:
    return bool(request.route_handler.opt.get("console_secure_cookie", False))


async def provide_console_principal(
    request: Request[Any, Any, Any], identity: NamedDependency[IdentityService]
) -> Principal:
    """The signed-in staff member behind the cookie (the console's ``principal``)."""
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        raise SignInRequired()
    try:
        principal = await identity.sessions.authenticate(token)
    except AuthenticationFailed:
        raise SignInRequired() from None
    if not principal.is_staff:
        raise Forbidden(STAFF_ONLY_DETAIL)
    return principal


@dataclass(frozen=True, slots=True)
class Flash:
    """A one-time message shown on the next page (after a form's redirect)."""

    kind: str
    text: str


def flash_redirect(url: str, text: str, kind: str = "success") -> Redirect:
    """Redirect (303) after a successful form, with ``text`` shown once on ``url``."""
    response: Redirect = Redirect(url, status_code=303)
    kind = kind if kind in FLASH_KINDS else "info"
    response.set_cookie(
        Cookie(
            key=FLASH_COOKIE,
            value=quote(f"{kind}:{text[:300]}"),
            path=CONSOLE_PATH,
            httponly=True,
            samesite="strict",
            max_age=60,
        )
    )
    return response


def _read_flash(raw: str | None) -> list[Flash]:
    if not raw:
        return []
    kind, _, text = unquote(raw).partition(":")
    return [Flash(kind if kind in FLASH_KINDS else "info", text)] if text else []


@dataclass(frozen=True, slots=True)
class View:
    """What every signed-in page shows around its content: who is signed in, the
    practice's time zone (``local_dt`` reads it) and the one-time messages."""

    principal: Principal
    staff_name: str
    practice_zone: str
    flashes: tuple[Flash, ...] = ()

    def render(self, template_name: str, status_code: int = 200, **context: Any) -> Template:
        """A page (``template_name`` extends base.html) with ``context``."""
        template = Template(
            template_name=template_name,
            context={
                "view": self,
                "practice_zone": self.practice_zone,
                "flash_messages": list(self.flashes),
                **context,
            },
            status_code=status_code,
            media_type="text/html",
        )
        if self.flashes:
            template.delete_cookie(FLASH_COOKIE, path=CONSOLE_PATH)
        return template


async def provide_view(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    identity: NamedDependency[IdentityService],
    booking: NamedDependency[Booking],
) -> View:
    user = await identity.profile.me(principal)
    name = user.display_name or (user.email.value if user.email else "Сотрудник")
    return View(
        principal,
        name,
        await booking.slots.practice_timezone(),
        tuple(_read_flash(request.cookies.get(FLASH_COOKIE))),
    )
