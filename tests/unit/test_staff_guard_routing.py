"""The staff guard goes on every controller that may answer under /api/v1/admin/, however
its path is written; only controllers wholly outside it go without (Litestar copies the
route handler for each guard on each request)."""

from __future__ import annotations

from litestar import Controller, Router, get, websocket
from litestar.connection import WebSocket

from app.adapters.http.app import STAFF_ONLY, _api_routers


class Public(Controller):
    path = "/api/v1/content"

    @get("/{slug:str}", sync_to_thread=False)
    def read(self, slug: str) -> str:
        return slug


class Unnormalised(Controller):
    path = "api/v1//admin/things"

    @get("/", sync_to_thread=False)
    def things(self) -> list[str]:
        return []


class PrefixOnly(Controller):
    path = "/api/v1"

    @get("/admin/reports", sync_to_thread=False)
    def reports(self) -> list[str]:
        return []


class Base(Controller):
    @get("/admin/inherited", sync_to_thread=False)
    def inherited(self) -> list[str]:
        return []


class Inheriting(Base):
    path = "/api/v1"


class Socket(Controller):
    path = "/api/v1/live"

    @websocket("/")
    async def live(self, socket: WebSocket) -> None:  # type: ignore[type-arg]
        await socket.close()


def test_only_controllers_wholly_outside_admin_go_unguarded() -> None:
    nested = Router(path="/api/v1/admin", route_handlers=[])
    routers = _api_routers(
        [Public, Unnormalised, PrefixOnly, Inheriting, Socket, nested], guarded=True
    )
    public, staff = routers
    assert public.guards == []
    assert staff.guards == [STAFF_ONLY]
    assert {r.path for r in public.routes} == {"/api/v1/content/{slug:str}"}
    assert {r.path for r in staff.routes} >= {
        "/api/v1/admin/things", "/api/v1/admin/reports", "/api/v1/admin/inherited",
        "/api/v1/live",
    }  # fmt: skip


def test_without_sign_in_nothing_is_guarded() -> None:
    (only,) = _api_routers([Public, Unnormalised], guarded=False)
    assert only.guards == []
