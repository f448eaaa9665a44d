"""What the HTTP adapter takes from Litestar beyond its public API, checked on upgrade.

``app/adapters/http/openapi_structs.py`` subclasses Litestar's private msgspec schema
plugin (``litestar._openapi.schema_generation.plugins.struct.StructSchemaPlugin``) so
closed request structs are documented with ``additionalProperties: false``. No public
hook gives that, so the lock pins Litestar (docs/architecture.md, "Litestar pin") and
these tests fail, saying why, when an upgrade leaves the tested range or moves the
private names. The OPTIONS ``Allow`` repair uses public API only; its test is here too
because it works around a Litestar 2 bug (litestar-org/litestar#4169) that v3 fixes.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
from datetime import time
from importlib.metadata import version
from typing import Annotated

import msgspec
import pytest
from litestar import Controller, Litestar, Router, get, patch, post
from litestar._kwargs.dependencies import resolve_dependency
from litestar._kwargs.kwargs_model import KwargsModel
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException
from litestar.openapi import OpenAPIConfig
from litestar.params import FromPath, JSONBody
from litestar.routes import HTTPRoute
from litestar.testing import TestClient
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from app.adapters.http.app import AllowEveryMethod
from app.adapters.http.dependency_order import InTurnKwargsModel, resolve_in_turn
from app.adapters.http.openapi_problems import document_problems
from app.adapters.http.openapi_structs import TIME_OF_DAY, ClosedStructSchemaPlugin

# The Litestar releases these private names and behaviours were checked on. Before
# widening it, run this file and tests/e2e/test_http_basics.py on the new release.
TESTED_LITESTAR = SpecifierSet(">=2.25,<2.26")
PRIVATE_MODULE = "litestar._openapi.schema_generation.plugins.struct"


def test_litestar_is_a_release_the_private_imports_were_checked_on() -> None:
    installed = Version(version("litestar"))
    assert installed in TESTED_LITESTAR, (
        f"Litestar {installed} is outside {TESTED_LITESTAR}, the range on which "
        "app/adapters/http/openapi_structs.py's private import "
        f"({PRIVATE_MODULE}.StructSchemaPlugin) was checked: run these tests and "
        "tests/e2e/test_http_basics.py on it, then widen TESTED_LITESTAR and the lock"
    )


def test_the_private_struct_plugin_still_has_the_shape_we_subclass() -> None:
    try:
        module = importlib.import_module(PRIVATE_MODULE)
    except ImportError as exc:  # pragma: no cover - only on a Litestar that moved it
        pytest.fail(f"Litestar moved its private msgspec schema plugin ({exc}); "
                    "openapi_structs.py must follow it")  # fmt: skip
    plugin = getattr(module, "StructSchemaPlugin", None)
    assert plugin is not None, f"{PRIVATE_MODULE} no longer defines StructSchemaPlugin"
    parameters = list(inspect.signature(plugin.to_openapi_schema).parameters)
    assert parameters == ["self", "field_definition", "schema_creator"], (
        f"StructSchemaPlugin.to_openapi_schema takes {parameters} now; "
        "ClosedStructSchemaPlugin overrides it with (field_definition, schema_creator)"
    )
    creator = importlib.import_module("litestar._openapi.schema_generation").SchemaCreator
    assert hasattr(creator, "schema_registry"), "SchemaCreator lost schema_registry"


class Opening(msgspec.Struct, forbid_unknown_fields=True):
    """A closed request struct with a time of day, as the API's structs are."""

    starts: time
    label: str | None = None
    code: Annotated[
        Annotated[str, msgspec.Meta(pattern="^[a-z]+$", max_length=9)] | None,
        msgspec.Meta(description="An optional code"),
    ] = None


class Loose(msgspec.Struct):
    note: str


@post("/openings", sync_to_thread=False)
def create_opening(data: JSONBody[Opening]) -> Loose:
    return Loose(note=data.label or "")


def test_closed_structs_are_documented_closed_with_honest_times() -> None:
    app = Litestar(
        [create_opening],
        openapi_config=OpenAPIConfig(title="t", version="1"),
        plugins=[ClosedStructSchemaPlugin()],
    )
    schemas = app.openapi_schema.to_schema()["components"]["schemas"]
    opening = schemas["Opening"]
    assert opening["additionalProperties"] is False, (
        "ClosedStructSchemaPlugin no longer closes forbid_unknown_fields structs: "
        "Litestar's struct plugin changed"
    )
    assert opening["properties"]["starts"]["pattern"] == TIME_OF_DAY
    assert "format" not in opening["properties"]["starts"]
    code = opening["properties"]["code"]
    assert {"type": "string", "pattern": "^[a-z]+$", "maxLength": 9} in code["oneOf"], (
        "an optional constrained string lost its pattern in the document: the decoder "
        f"refuses what the document allows ({code})"
    )
    assert "additionalProperties" not in schemas["Loose"], "open structs stay open"


class Items(Controller):
    path = "/admin"

    @get("/items", sync_to_thread=False)
    def list_items(self) -> list[str]:
        return []

    @post("/items", sync_to_thread=False)
    def add_item(self) -> None:
        return None


@get("/admin/items/{item_id:int}", sync_to_thread=False)
def read_item(item_id: FromPath[int]) -> int:
    return item_id


@patch("/admin/items/{item_id:int}", sync_to_thread=False)
def edit_item(item_id: FromPath[int]) -> int:
    return item_id


def _app(*, repaired: bool) -> Litestar:
    # Two methods of one controller on one path, and one path's handlers registered in
    # two places (a router and the application), as the API's controllers are.
    hook = AllowEveryMethod()
    app = Litestar(
        [Items, Router("/", route_handlers=[read_item]), edit_item],
        before_send=[hook] if repaired else [],
    )
    hook.index(app)
    return app


@pytest.mark.parametrize(
    ("path", "methods"),
    [("/admin/items", "GET, OPTIONS, POST"), ("/admin/items/7", "GET, OPTIONS, PATCH")],
)
def test_options_lists_every_method_of_a_path_registered_in_two_places(
    path: str, methods: str
) -> None:
    with TestClient(_app(repaired=True)) as client:
        answer = client.options(path)
    assert answer.status_code == 204
    assert answer.headers["allow"] == methods


def test_litestar_2_still_has_the_bug_the_hook_repairs() -> None:
    # When this fails, Litestar lists every method by itself (the v3 fix): the hook
    # (AllowEveryMethod in app/adapters/http/app.py) may go.
    with TestClient(_app(repaired=False)) as client:
        answers = {client.options(p).headers["allow"] for p in ("/admin/items", "/admin/items/7")}
    assert answers != {"GET, OPTIONS, POST", "GET, OPTIONS, PATCH"}, (
        "Litestar now lists every method in Allow: remove AllowEveryMethod"
    )


def test_the_document_gets_its_problems_when_first_built_not_before() -> None:
    assert hasattr(OpenAPIPlugin, "_build_openapi"), (
        "Litestar's OpenAPIPlugin lost _build_openapi, which ProblemDocumentingPlugin "
        "extends: the problem responses would vanish from the document"
    )
    app = Litestar([create_opening], openapi_config=OpenAPIConfig(title="t", version="1"))
    document_problems(app)
    plugin = app.plugins.get(OpenAPIPlugin)
    assert plugin.included_routes, "the plugin kept the routes Litestar registered on it"
    assert plugin._openapi is None, "building the app no longer builds the document"
    with TestClient(app) as client:
        document = client.get("/schema/openapi.json").json()
    responses = document["paths"]["/openings"]["post"]["responses"]
    assert {"400", "422", "503"} <= set(responses)
    assert "Problem" in document["components"]["schemas"]


def test_the_private_dependency_resolution_still_has_the_shape_we_replace() -> None:
    source = inspect.getsource(KwargsModel.resolve_dependencies)
    assert "dependency_batches" in source, "KwargsModel no longer resolves by batches"
    assert "create_task_group" in source, (
        "KwargsModel.resolve_dependencies changed: check that "
        "app/adapters/http/dependency_order.py still does the same in turn"
    )
    assert list(inspect.signature(resolve_dependency).parameters) == [
        "dependency", "connection", "kwargs", "cleanup_group",
    ]  # fmt: skip


def _two_dependencies_app(fail: bool = False) -> tuple[Litestar, dict[str, object]]:
    seen: dict[str, object] = {}

    async def first() -> str:
        seen["first"] = asyncio.current_task()
        return "one"

    async def second() -> str:
        seen["second"] = asyncio.current_task()
        if fail:
            raise NotAuthorizedException()
        return "two"

    @get("/both", dependencies={"first": Provide(first), "second": Provide(second)})
    async def both(first: NamedDependency[str], second: NamedDependency[str]) -> str:
        seen["handler"] = asyncio.current_task()
        return f"{first}+{second}"

    app = Litestar([both])
    assert resolve_in_turn(app) >= 1
    return app, seen


def test_two_dependencies_of_one_level_are_resolved_in_the_requests_own_task() -> None:
    app, seen = _two_dependencies_app()
    with TestClient(app) as client:
        answer = client.get("/both")
    assert answer.text == "one+two"
    assert seen["first"] is seen["second"] is seen["handler"]  # no task group


def test_a_failing_dependency_still_answers_its_error() -> None:
    app, _ = _two_dependencies_app(fail=True)
    with TestClient(app) as client:
        assert client.get("/both").status_code == 401


def test_every_http_route_of_the_api_resolves_in_turn(app: Litestar) -> None:
    models = [
        model for route in app.routes if isinstance(route, HTTPRoute)
        for _, model in route.route_handler_map.values()
    ]  # fmt: skip
    assert len(models) > 50
    assert all(type(m) is InTurnKwargsModel for m in models)
    assert not any(type(m) is KwargsModel for m in models)


def test_the_default_plugins_method_we_replace_still_has_its_shape() -> None:
    method = inspect.getattr_static(Litestar, "_get_default_plugins")
    assert isinstance(method, staticmethod), "Litestar._get_default_plugins is no longer static"
    assert list(inspect.signature(Litestar._get_default_plugins).parameters) == ["plugins"]
    source = inspect.getsource(Litestar._get_default_plugins)
    assert "MsgspecDIPlugin" in source, "Litestar's default plugins changed: see msgspec_app.py"


def test_our_apps_have_the_msgspec_plugin_and_none_of_pydantic(app: Litestar) -> None:
    names = {type(p).__name__ for p in app.plugins}
    assert "MsgspecDIPlugin" in names
    assert not any("Pydantic" in n for n in names), names
    internal = app.state.internal_app
    assert not any("Pydantic" in type(p).__name__ for p in internal.plugins)
