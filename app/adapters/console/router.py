"""The console's Litestar parts: the ``/console`` router built from ``pages.PAGES``, its
templates (Jinja2), static files, CSRF protection, the cookie session and the HTML error
pages. The composition root builds one :class:`Console` and hands it to the HTTP app."""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

import structlog
from jinja2 import pass_context
from jinja2.runtime import Context
from litestar import Request, Response, Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.utils.scope.state import ScopeState

from app.adapters.console.formatting import (
    format_date,
    format_datetime,
    format_time,
    template_globals,
)
from app.adapters.console.pages import PAGES
from app.adapters.console.session import (
    CONSOLE_PATH,
    COOKIE_NAME,
    SignInRequired,
    provide_console_principal,
    provide_view,
)
from app.adapters.http.problems import DOMAIN_STATUS, ExceptionHandler
from app.application.ports import Clock
from app.config import Settings
from app.domain.errors import DomainError

logger = structlog.get_logger(__name__)

HERE = Path(__file__).parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
STATIC_PATH = f"{CONSOLE_PATH}/static"
CSRF_COOKIE_NAME = "eb_console_csrf"
# Everything outside /console (the JSON API, webhooks, probes) authenticates with bearer
# tokens or signatures and is left to them. Litestar searches the path with this pattern
# (``re.findall``); it does not match "/" alone, so no "excluded everywhere" warning.
CSRF_EXCLUDE = r"^/(?!console(?:/|$))."

NO_STORE = CacheControlHeader(no_store=True, private=True)

# Russian titles for the error pages; the stable code is shown beside them.
_STATUS_TITLES = {
    400: "Неверный запрос",
    401: "Нужно войти",
    403: "Доступ запрещён",
    404: "Страница не найдена",
    405: "Так нельзя",
    409: "Конфликт",
    412: "Запись уже изменили",
    413: "Слишком большой запрос",
    422: "Данные не подходят",
    429: "Слишком много попыток",
    500: "Что-то пошло не так",
    503: "Сервис временно недоступен",
}


@dataclass(frozen=True, slots=True)
class Console:
    """What the HTTP app needs to mount the console."""

    router: Router
    static: Router
    template_config: TemplateConfig[JinjaTemplateEngine]
    csrf_config: CSRFConfig

    def route_handlers(self) -> list[Router]:
        return [self.router, self.static]

    def http_exception_handler(self, api_handler: ExceptionHandler) -> ExceptionHandler:
        """The app-level handler for HTTP errors outside any route (an unknown path):
        an HTML page under /console, ``api_handler``'s answer elsewhere."""

        def handle(request: Request[Any, Any, Any], exc: Any) -> Response[Any]:
            path = request.scope.get("path", "")
            if path == CONSOLE_PATH or path.startswith(f"{CONSOLE_PATH}/"):
                return handle_http_exception(request, exc)
            return api_handler(request, exc)

        return handle


def _zone(context: Context) -> str:
    """The practice's zone from the page's context (``View.render`` puts it there)."""
    zone = context.get("practice_zone")
    if not isinstance(zone, str):
        # A macro imported without "with context" cannot see it: fail, never guess.
        raise RuntimeError("practice_zone is not in the template context")
    return zone


@pass_context
def _local_dt(context: Context, value: Any) -> str:
    return format_datetime(value, _zone(context))


@pass_context
def _local_time(context: Context, value: Any) -> str:
    return format_time(value, _zone(context))


def _local_date(value: Any) -> str:
    return format_date(value)


@pass_context
def _csrf_token(context: Context) -> str:
    """This request's CSRF token, for htmx requests (the ``x-csrftoken`` header)."""
    request = context.get("request")
    if request is None:
        return ""
    token = ScopeState.from_scope(request.scope).csrf_token
    return token if isinstance(token, str) else ""


def register_helpers(engine: JinjaTemplateEngine) -> None:
    """Jinja globals for every console template."""
    env = engine.engine
    env.globals.update(template_globals())
    env.globals.update(
        local_dt=_local_dt, local_time=_local_time, local_date=_local_date, csrf_token=_csrf_token
    )


def error_page(
    request: Request[Any, Any, Any], status: int, code: str, detail: str | None = None
) -> Response[Any]:
    """An HTML page for a failure inside the console (never problem+json)."""
    return Template(
        template_name="error.html",
        context={
            "status": status,
            "code": code,
            "title": _STATUS_TITLES.get(status, HTTPStatus(status).phrase),
            "detail": detail,
            "signed_in": COOKIE_NAME in request.cookies,
        },
        status_code=status,
        media_type="text/html",
    )


def _handle_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    status = next((DOMAIN_STATUS[cls] for cls in type(exc).__mro__ if cls in DOMAIN_STATUS), 422)
    logger.info("domain_error", error_code=exc.code, status=status)
    return error_page(request, status, exc.code, exc.detail)


def _http_code(exc: HTTPException) -> str:
    if exc.status_code == 403 and "CSRF" in str(exc.detail):
        return "csrf_failed"
    return {403: "forbidden", 404: "not_found", 405: "method_not_allowed"}.get(
        exc.status_code, "http_error"
    )


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code >= 500:
        logger.error(
            "http_error",
            status=exc.status_code,
            error_type=type(exc).__name__,
            detail=str(exc.detail),
            exc_info=exc,
        )
    code = _http_code(exc)
    detail = (
        "Форма устарела или пришла не из консоли. Обновите страницу и повторите."
        if code == "csrf_failed"
        else None
    )
    return error_page(request, exc.status_code, code, detail)


def _handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.error("unhandled_error", error_type=type(exc).__name__, exc_info=exc)
    return error_page(request, 500, "internal_error")


def _handle_sign_in(_: Request[Any, Any, Any], __: SignInRequired) -> Response[Any]:
    response: Redirect = Redirect(f"{CONSOLE_PATH}/login", status_code=303)
    response.delete_cookie(COOKIE_NAME, path=CONSOLE_PATH)
    return response


def build_console(settings: Settings, csrf_secret: str, clock: Clock) -> Console:
    """The console's router, static files, templates and CSRF settings."""
    secure = settings.public_base_url.startswith("https://")
    router = Router(
        path=CONSOLE_PATH,
        route_handlers=list(PAGES),
        dependencies={
            "principal": Provide(provide_console_principal),
            "view": Provide(provide_view),
            # The request's "now", from the application clock (tests fix it).
            "now": Provide(clock.now, sync_to_thread=False),
        },
        exception_handlers={
            SignInRequired: _handle_sign_in,
            DomainError: _handle_domain_error,
            HTTPException: handle_http_exception,
            Exception: _handle_unexpected,
        },
        cache_control=NO_STORE,
        include_in_schema=False,
        opt={"console_secure_cookie": secure},
    )
    static = create_static_files_router(
        path=STATIC_PATH,
        directories=[STATIC_DIR],
        name="console_static",
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=3600, public=True),
    )
    templates = TemplateConfig(
        directory=TEMPLATES_DIR, engine=JinjaTemplateEngine, engine_callback=register_helpers
    )
    csrf = CSRFConfig(
        secret=csrf_secret,
        cookie_name=CSRF_COOKIE_NAME,
        cookie_path=CONSOLE_PATH,
        cookie_secure=secure,
        cookie_httponly=True,
        cookie_samesite="strict",
        header_name="x-csrftoken",
        exclude=CSRF_EXCLUDE,
    )
    return Console(router=router, static=static, template_config=templates, csrf_config=csrf)
