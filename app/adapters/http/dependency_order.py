"""Dependencies resolved one after another, in the request's own task.

Litestar resolves the dependencies of one level of a handler's graph in an anyio task
group when there are two or more (a slot lookup asks for ``booking`` and
``optional_principal``): a task group and a task per dependency, for every request. Our
dependencies are the process's services (handed out as they are) and at most one that
waits on the database (the caller's session), so running them in turn loses nothing,
and it was a quarter of a slot lookup's time under load (docs/performance.md, round
three: S3 2,650 → 3,540 req/s, p99 at half load 71 → 12 ms).

No public hook changes this, so each HTTP route's private ``KwargsModel`` gets this
subclass after the app is built; ``tests/unit/test_litestar_internals.py`` checks the
private names on the pinned Litestar and that every route got it.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar._kwargs.cleanup import DependencyCleanupGroup
from litestar._kwargs.dependencies import resolve_dependency
from litestar._kwargs.kwargs_model import KwargsModel
from litestar.connection import ASGIConnection
from litestar.routes import HTTPRoute


class InTurnKwargsModel(KwargsModel):
    __slots__ = ()  # the same layout, so an instance's class can be swapped

    async def resolve_dependencies(
        self, connection: ASGIConnection[Any, Any, Any, Any], kwargs: dict[str, Any]
    ) -> DependencyCleanupGroup:
        """Each level of the graph in order, each dependency of a level in turn (the
        first failure stops the rest, as the task group's first error did)."""
        cleanup_group = DependencyCleanupGroup()
        for batch in self.dependency_batches:
            for dependency in batch:
                await resolve_dependency(dependency, connection, kwargs, cleanup_group)
        return cleanup_group


def resolve_in_turn(app: Litestar) -> int:
    """Give every HTTP route of ``app`` the in-turn resolution; how many handlers got it."""
    swapped = 0
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for _, model in route.route_handler_map.values():
                if type(model) is KwargsModel:
                    model.__class__ = InTurnKwargsModel
                    swapped += 1
    return swapped
