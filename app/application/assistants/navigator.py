"""The navigator: one to three next steps for the page a client is on.

Every step is an object of the published catalogue (an article, a self-check, a service,
or the crisis resources) with a link built from the site's URL templates — never from a
model's text. Without a model the rules below choose; with a model, the model may only
choose among the same candidates by their ids, and anything else falls back to the rules.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, TypedDict

import msgspec
import structlog

from app.application.assistants.ports import ModelGate, ModelNotAdmitted
from app.domain.errors import NotFound
from app.domain.shared.links import SiteLinks

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

logger = structlog.get_logger(__name__)

StepKind = Literal["article", "self_check", "service", "crisis_resources"]
Band = Literal["low", "moderate", "high", "crisis"]
HOME = "home"
# A topic whose steps are the crisis resources first.
CRISIS_TOPICS = frozenset({"crisis"})
CRISIS_SLUG = "crisis"
MAX_STEPS = 3
MAX_CANDIDATES = 8


class NextStepQuery(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Where the client is: ``page`` is an article's slug or ``home``."""

    page: str
    self_check: str | None = None
    band: Band | None = None
    topic: str | None = None


class NextStep(msgspec.Struct, frozen=True):
    kind: StepKind
    slug: str
    title: str
    url: str

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.slug}"


# --- what the catalogue gives (read models) -------------------------------------------


class CatalogueArticle(msgspec.Struct, frozen=True):
    slug: str
    title: str
    topics: list[str] = msgspec.field(default_factory=list)


class CatalogueSelfCheck(msgspec.Struct, frozen=True):
    slug: str
    title: str
    topic_code: str | None = None
    # level -> the service slugs its recommendation names (in order)
    services_by_level: dict[str, list[str]] = msgspec.field(default_factory=dict)


class CatalogueService(msgspec.Struct, frozen=True):
    slug: str
    title: str


class NavigatorCatalogue(Protocol):
    """Published objects only."""

    async def article(self, slug: str) -> CatalogueArticle | None: ...
    async def articles_of_topic(
        self, topic: str, exclude: str | None, limit: int
    ) -> list[CatalogueArticle]: ...
    async def self_check(self, slug: str) -> CatalogueSelfCheck | None: ...
    async def self_checks_of_topic(
        self, topic: str | None, limit: int
    ) -> list[CatalogueSelfCheck]: ...
    async def services(self, preferred: Sequence[str], limit: int) -> list[CatalogueService]:
        """The preferred ones (in their order) that are published, then the others."""
        ...

    async def topic_exists(self, code: str) -> bool: ...
    async def crisis_title(self) -> str | None:
        """The crisis resources' heading, or None when none are configured."""
        ...


# --- the rules ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    """What the rules chose, and the wider set a model may choose from."""

    fixed: tuple[NextStep, ...]
    """Shown first whatever a model says (the crisis resources)."""
    chosen: tuple[NextStep, ...]
    candidates: tuple[NextStep, ...]

    def steps(self) -> list[NextStep]:
        return list(self.fixed + self.chosen)[:MAX_STEPS]


class Navigator:
    def __init__(
        self,
        catalogue: NavigatorCatalogue,
        links: SiteLinks,
        model: BaseChatModel | None = None,
        timeout_seconds: float = 20.0,
        gate: ModelGate | None = None,
    ) -> None:
        self._catalogue = catalogue
        self._links = links
        self._model = model
        self._timeout = timeout_seconds
        self._gate = gate

    async def next_steps(self, query: NextStepQuery, caller: str | None = None) -> list[NextStep]:
        """NotFound when the page, self-check or topic named is not published.

        ``caller`` (``user:<id>`` or ``anon:<address>``) is what the model gate counts;
        a caller over its rate, or a day over its token budget, gets the rules' answer.
        """
        plan = await self.plan(query)
        if self._model is None:
            return plan.steps()
        if self._gate is not None:
            try:
                await self._gate.admit(caller or "anon:unknown")
            except ModelNotAdmitted as refused:
                logger.info("navigator_model_not_admitted", reason=refused.reason)
                return plan.steps()
        try:
            ids = await asyncio.wait_for(choose_with_model(self._model, plan), self._timeout)
        except Exception as error:  # any failure of the model: the rules answer
            # The error's type only: its text may quote the visitor's page or the model.
            logger.warning("navigator_model_failed", error=type(error).__name__)
            return plan.steps()
        by_id = {c.id: c for c in plan.candidates}
        picked: list[NextStep] = []
        for step_id in ids:
            step = by_id.get(step_id)
            if step is not None and step not in picked and step not in plan.fixed:
                picked.append(step)
        if not picked:
            return plan.steps()
        return list(plan.fixed + tuple(picked))[:MAX_STEPS]

    async def plan(self, query: NextStepQuery) -> Plan:
        cat = self._catalogue
        fixed: list[NextStep] = []
        article: CatalogueArticle | None = None
        if query.page != HOME:
            article = await cat.article(query.page)
            if article is None:
                raise NotFound("no published article with this slug")
        check = None
        if query.self_check is not None:
            check = await cat.self_check(query.self_check)
            if check is None:
                raise NotFound("no published self-check with this slug")
        if (
            query.topic is not None
            and query.topic not in CRISIS_TOPICS
            and not await cat.topic_exists(query.topic)
        ):
            raise NotFound("no topic with this code")

        if query.band in ("high", "crisis") or query.topic in CRISIS_TOPICS:
            crisis = await cat.crisis_title()
            if crisis is not None:
                url = self._links.crisis()
                fixed.append(NextStep("crisis_resources", CRISIS_SLUG, crisis, url))

        topic = (
            (check.topic_code if check else None)
            or (query.topic if query.topic not in CRISIS_TOPICS else None)
            or (article.topics[0] if article and article.topics else None)
        )
        articles = (
            await cat.articles_of_topic(topic, article.slug if article else None, MAX_CANDIDATES)
            if topic
            else []
        )
        preferred = check.services_by_level.get(query.band or "", []) if check else []
        services = await cat.services(preferred, MAX_CANDIDATES)
        checks = [
            c
            for c in await cat.self_checks_of_topic(topic, MAX_CANDIDATES)
            if check is None or c.slug != check.slug
        ]
        article_steps = [self._article(a) for a in articles]
        service_steps = [self._service(s) for s in services]
        check_steps = [self._check(c) for c in checks]

        chosen: list[NextStep] = []
        if check is not None and query.band is not None:
            # A result: reading on its topic, then the service to book.
            chosen += article_steps[:2] + service_steps[:1]
        elif article is not None:
            chosen += article_steps[:1] + check_steps[:1] + service_steps[:1]
        else:
            chosen += check_steps[:1] + article_steps[:1] + service_steps[:1]
        if not chosen:
            chosen += service_steps[:1]
        room = MAX_STEPS - len(fixed)
        # Keep a service in the answer even when the crisis resources take a place.
        if len(chosen) > room and service_steps and service_steps[0] in chosen:
            chosen.remove(service_steps[0])
            chosen = [*chosen[: room - 1], service_steps[0]]
        candidates = tuple(dict.fromkeys(article_steps + check_steps + service_steps))
        return Plan(tuple(fixed), tuple(chosen[:room]), candidates)

    def _article(self, a: CatalogueArticle) -> NextStep:
        return NextStep("article", a.slug, a.title, self._links.article(a.slug))

    def _check(self, c: CatalogueSelfCheck) -> NextStep:
        return NextStep("self_check", c.slug, c.title, self._links.self_check(c.slug))

    def _service(self, s: CatalogueService) -> NextStep:
        return NextStep("service", s.slug, s.title, self._links.service(s.slug))


class _State(TypedDict):
    prompt: str
    ids: list[str]


class _Chosen(TypedDict):
    """What the graph's one node writes back into the state."""

    ids: list[str]


PROMPT = (
    "You help a visitor of a psychologist's site choose what to open next. Choose up to "
    "{room} of the candidates below, best first. Answer only with JSON: "
    '{{"ids": ["<id>", ...]}}. Candidates (id — title):\n{lines}'
)


async def choose_with_model(model: BaseChatModel, plan: Plan) -> list[str]:
    from langchain_core.messages import HumanMessage  # noqa: PLC0415 - lazy: optional extra
    from langgraph.graph import END, START, StateGraph  # noqa: PLC0415

    async def choose(state: _State) -> _Chosen:
        reply = await model.ainvoke([HumanMessage(content=state["prompt"])])
        return {"ids": parse_ids(reply.content)}

    graph = StateGraph(_State)
    graph.add_node("choose", choose)
    graph.add_edge(START, "choose")
    graph.add_edge("choose", END)
    lines = "\n".join(f"{c.id} — {c.title}" for c in plan.candidates)
    prompt = PROMPT.format(room=MAX_STEPS - len(plan.fixed), lines=lines)
    result = await graph.compile().ainvoke({"prompt": prompt, "ids": []})
    ids = result["ids"]
    return [i for i in ids if isinstance(i, str)]


def parse_ids(content: object) -> list[str]:
    """The ids of a ``{"ids": [...]}`` answer (a code fence around it is tolerated)."""
    if not isinstance(content, str):
        raise ValueError("the answer is not text")
    text = content.strip().removeprefix("```json").removeprefix("```").removesuffix("```")
    data = json.loads(text)
    ids = data.get("ids") if isinstance(data, dict) else None
    if not isinstance(ids, list):
        raise ValueError("the answer has no ids")
    return [i for i in ids if isinstance(i, str)]
