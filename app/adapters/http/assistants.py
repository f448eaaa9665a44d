"""HTTP endpoint of the navigator: the next steps for the page a client is on."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.middleware.rate_limit import get_remote_address
from litestar.params import JSONBody

from app.adapters.http.identity import NO_STORE
from app.application.access import Principal
from app.application.assistants.navigator import Navigator, NextStepQuery

Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=200)]
TopicCode = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{1,63}$")]


class NextStepIn(msgspec.Struct, forbid_unknown_fields=True):
    page: Annotated[
        Slug,
        msgspec.Meta(description='The page the client is on: an article\'s slug, or "home"'),
    ]
    self_check: Annotated[
        Slug | None, msgspec.Meta(description="The self-check just taken (with its band)")
    ] = None
    band: Annotated[
        Literal["low", "moderate", "high", "crisis"] | None,
        msgspec.Meta(
            description="The self-check's result level; high or crisis put the crisis "
            "resources first"
        ),
    ] = None
    topic: Annotated[
        TopicCode | None,
        msgspec.Meta(description='A topic code; "crisis" puts the crisis resources first'),
    ] = None


class NextStepOut(msgspec.Struct):
    kind: Literal["article", "self_check", "service", "crisis_resources"]
    slug: str
    title: str
    url: Annotated[str, msgspec.Meta(description="Built from the site's page templates")]


class NextStepsOut(msgspec.Struct):
    steps: Annotated[list[NextStepOut], msgspec.Meta(min_length=1, max_length=3)]


class NavigatorController(Controller):
    path = "/api/v1/assistant"
    tags = ["assistant"]  # noqa: RUF012

    @post("/next-step", status_code=200, cache_control=NO_STORE,
          summary="One to three next steps from the published catalogue",
          description="A page, self-check or topic that is not published is a 404. "
          "Without a self-check, topic or article the answer is a plain default (a "
          "self-check, an article and a service).")  # fmt: skip
    async def next_step(
        self, request: Request[Any, Any, Any], data: JSONBody[NextStepIn],
        navigator: NamedDependency[Navigator],
        optional_principal: NamedDependency[Principal | None],
    ) -> NextStepsOut:  # fmt: skip
        query = NextStepQuery(data.page, data.self_check, data.band, data.topic)
        steps = await navigator.next_steps(query, caller_key(request, optional_principal))
        return NextStepsOut([NextStepOut(s.kind, s.slug, s.title, s.url) for s in steps])


def caller_key(request: Request[Any, Any, Any], principal: Principal | None) -> str:
    """Whom the model gate counts: the user, else the client's address (the gate keeps
    only a keyed hash of it)."""
    if principal is not None:
        return f"user:{principal.user_id}"
    return f"anon:{get_remote_address(request)}"


ASSISTANT_CONTROLLERS = (NavigatorController,)
