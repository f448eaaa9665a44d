"""Sign-in with the e-mailed code, and sign-out. Same use cases as the API's
``/api/v1/auth/email/start`` and ``/verify``; only staff get a console session."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from app.adapters.console.pages.forms import Form
from app.adapters.console.session import (
    CONSOLE_PATH,
    COOKIE_NAME,
    STAFF_ONLY_DETAIL,
    cookie_is_secure,
    session_cookie,
)
from app.application.access import Principal
from app.application.identity.service import IdentityService
from app.domain.errors import ConsentRequired, ValidationFailed
from app.domain.identity.errors import AuthenticationFailed, RateLimited


class EmailForm(msgspec.Struct):
    email: str = ""


class CodeForm(msgspec.Struct):
    email: str = ""
    code: str = ""


def _page(name: str, status_code: int = 200, **context: Any) -> Template:
    return Template(
        template_name=name, context=context, status_code=status_code, media_type="text/html"
    )


def _staff_only() -> Template:
    return _page(
        "error.html", 403, status=403, code="staff_only", title=STAFF_ONLY_DETAIL, detail=None
    )


class SignInPages(Controller):
    """``/console/login`` → e-mail code → ``/console/``; ``/console/logout``."""

    path = "/"

    @get("/login", name="console_login")
    async def login_form(self) -> Template:
        return _page("login.html", email="", error=None)

    @post("/login", status_code=200)
    async def send_code(
        self, data: Form[EmailForm], identity: NamedDependency[IdentityService]
    ) -> Template:
        email = data.email.strip()
        try:
            await identity.email_login.start(email)
        except ValidationFailed:
            return _page("login.html", 422, email=email, error="Проверьте адрес почты.")
        except RateLimited as exc:
            minutes = max(1, -(-exc.retry_after_seconds // 60))
            return _page("login.html", 429, email=email, error="rate_limited", minutes=minutes)
        return _page("login_code.html", email=email, error=None)

    @get("/login/code")
    async def code_form(self, email: FromQuery[str] = "") -> Template | Redirect:
        if not email:
            return Redirect(f"{CONSOLE_PATH}/login", status_code=303)
        return _page("login_code.html", email=email, error=None)

    @post("/login/code", status_code=303)
    async def verify_code(
        self,
        request: Request[Any, Any, Any],
        data: Form[CodeForm],
        identity: NamedDependency[IdentityService],
    ) -> Template | Redirect:
        email, code = data.email.strip(), data.code.strip()
        try:
            result = await identity.email_login.verify(email, code)
        except (AuthenticationFailed, ValidationFailed):
            return _page(
                "login_code.html", 401, email=email, error="Код неверный или уже не действует."
            )
        except RateLimited:
            return _page(
                "login_code.html", 429, email=email, error="Слишком много попыток, подождите."
            )
        except ConsentRequired:  # an unknown address: no account is made here
            return _staff_only()
        principal = await identity.sessions.authenticate(result.token)
        if not principal.is_staff:
            await identity.sessions.logout(principal)
            return _staff_only()
        response: Redirect = Redirect(f"{CONSOLE_PATH}/", status_code=303)
        response.set_cookie(
            session_cookie(result.token, result.expires_at, secure=cookie_is_secure(request))
        )
        return response

    @post("/logout", status_code=303)
    async def logout(
        self, principal: NamedDependency[Principal], identity: NamedDependency[IdentityService]
    ) -> Redirect:
        await identity.sessions.logout(principal)
        response: Redirect = Redirect(f"{CONSOLE_PATH}/login", status_code=303)
        response.delete_cookie(COOKIE_NAME, path=CONSOLE_PATH)
        return response
