"""Self-check runs over in-memory storage: who may start, complete and claim a run, that
a run is scored once by the version it started on, and that the result reaches no event,
lead timeline or deep link."""

from __future__ import annotations

import copy
import uuid
from datetime import timedelta

import pytest

from app.application.access import Principal
from app.domain.crm.contact import LeadContact
from app.domain.errors import ConsentRequired, InvalidState, NotFound, ValidationFailed
from app.domain.identity.model import Role
from app.domain.identity.tokens import token_hash
from app.domain.interactives.events import SelfCheckCrisisSignalled
from tests.unit.interactives.world import (
    ANNA,
    EDITOR,
    HIGH_IN_CRISIS,
    LOW,
    MODERATE,
    QUIZ,
    VISITOR,
    World,
)

CONSENTED = (("personal_data", True, "2030-01"),)


@pytest.fixture
async def world() -> World:
    world = World()
    await world.publish()
    return world


async def test_an_anonymous_run_gets_a_claim_token_of_which_only_the_hash_is_kept(
    world: World,
) -> None:
    started = await world.runs.start(None, "trevoga", VISITOR, {"source": "article"})
    assert started.claim_token is not None
    stored = world.state.runs[started.id]
    assert (stored.user_id, stored.anonymous_id) == (None, VISITOR)
    assert stored.claim_token_hash == token_hash(started.claim_token)
    assert world.state.events == [
        ("interactive.started", None, VISITOR, {"interactive": "trevoga"})
    ]

    signed_in = await world.runs.start(ANNA, "trevoga", None, {})
    assert signed_in.claim_token is None
    assert world.state.runs[signed_in.id].user_id == ANNA.user_id


async def test_a_run_cannot_start_without_an_owner_p0_metadata_or_a_published_version(
    world: World,
) -> None:
    with pytest.raises(ValidationFailed) as nobody:
        await world.runs.start(None, "trevoga", None, {})
    assert nobody.value.field == "anonymous_id"
    with pytest.raises(ValidationFailed):
        await world.runs.start(None, "trevoga", VISITOR, {"ref": "anna@example.com"})
    with pytest.raises(NotFound):
        await world.runs.start(None, "unknown", VISITOR, {})
    draft = await world.definitions.create(EDITOR, "draft", "quiz", "Черновик", None, None)
    await world.definitions.add_version(EDITOR, draft.id, QUIZ)  # a version, not published
    with pytest.raises(NotFound):
        await world.runs.start(None, "draft", VISITOR, {})
    assert world.state.runs == {}
    assert world.state.events == []


async def test_completing_scores_once_and_keeps_the_result_out_of_the_event(
    world: World,
) -> None:
    started = await world.runs.start(None, "trevoga", VISITOR, {})
    world.clock.advance(seconds=90)
    result = await world.runs.complete(None, started.id, VISITOR, MODERATE)
    assert (result.result_level, result.result_profile) == ("moderate", None)
    assert (result.crisis.triggered, result.crisis.resources) == (False, None)
    stored = world.state.runs[started.id]
    assert stored.status == "completed"
    assert stored.outcome is not None
    assert stored.outcome.result_level == "moderate"
    assert stored.duration_ms is not None
    assert 90_000 <= stored.duration_ms < 91_000
    assert world.state.events[-1] == (
        "interactive.completed", None, VISITOR, {"interactive": "trevoga"},
    )  # fmt: skip
    with pytest.raises(InvalidState):  # once per run
        await world.runs.complete(None, started.id, VISITOR, LOW)
    assert world.state.runs[started.id].outcome == stored.outcome


async def test_only_the_runs_owner_completes_it(world: World) -> None:
    anonymous = await world.runs.start(None, "trevoga", VISITOR, {})
    annas = await world.runs.start(ANNA, "trevoga", None, {})
    someone = uuid.uuid4()
    for run_id, anonymous_id in (
        (anonymous.id, "another-browser"),  # another browser's id
        (anonymous.id, None),
        (annas.id, VISITOR),  # Anna's run from a browser not signed in as her
        (uuid.uuid4(), VISITOR),
    ):
        with pytest.raises(NotFound):
            await world.runs.complete(None, run_id, anonymous_id, MODERATE)
    boris = Principal(someone, uuid.uuid4(), frozenset({Role.CLIENT}))
    with pytest.raises(NotFound):
        await world.runs.complete(boris, annas.id, None, MODERATE)
    assert {r.status for r in world.state.runs.values()} == {"in_progress"}
    # The owner, even signed in, completes a run of their browser by its id.
    await world.runs.complete(ANNA, anonymous.id, VISITOR, MODERATE)
    await world.runs.complete(ANNA, annas.id, None, MODERATE)


async def test_invalid_answers_leave_the_run_in_progress(world: World) -> None:
    started = await world.runs.start(None, "trevoga", VISITOR, {})
    for answers in ({"q1": "often", "q2": "often"}, {**MODERATE, "q9": "never"},
                    {**MODERATE, "q3": "sometimes-ish"}):  # fmt: skip
        with pytest.raises(ValidationFailed):
            await world.runs.complete(None, started.id, VISITOR, answers)
    assert world.state.runs[started.id].status == "in_progress"
    assert [e[0] for e in world.state.events] == ["interactive.started"]


async def test_a_run_is_scored_by_the_version_it_started_on(world: World) -> None:
    started = await world.runs.start(None, "trevoga", VISITOR, {})
    stricter = copy.deepcopy(QUIZ)
    stricter["scoring"]["bands"] = [
        {"level": "low", "min": 0, "max": 2},
        {"level": "moderate", "min": 2, "max": 3},
        {"level": "high", "min": 3},
    ]
    [definition] = world.state.definitions
    number = await world.definitions.add_version(EDITOR, definition, stricter)
    await world.definitions.publish(EDITOR, definition, number)
    kept = await world.runs.complete(None, started.id, VISITOR, MODERATE)
    assert kept.result_level == "moderate"  # 4 points under version 1
    later = await world.runs.start(None, "trevoga", VISITOR, {})
    assert (await world.runs.complete(None, later.id, VISITOR, MODERATE)).result_level == "high"


async def test_recommendations_are_what_is_published_now_and_a_telegram_link(
    world: World,
) -> None:
    started = await world.runs.start(ANNA, "trevoga", None, {})
    result = await world.runs.complete(ANNA, started.id, None, MODERATE)
    recommended = result.recommendations
    assert [c.slug for c in recommended.content] == ["o-trevoge"]  # "chernovik" is a draft
    assert [s.slug for s in recommended.services] == ["konsultatsiya"]
    assert recommended.telegram is not None
    assert recommended.telegram.purpose == "plan"
    # The link names the self-check only, never the result.
    assert world.deep_links.asked == [("plan", {"interactive": "trevoga"}, ANNA.user_id, None)]

    low = await world.runs.start(ANNA, "trevoga", None, {})
    nothing = (await world.runs.complete(ANNA, low.id, None, LOW)).recommendations
    assert (nothing.content, nothing.services, nothing.telegram) == ((), (), None)


@pytest.mark.parametrize(("bot", "bot_answers"), [(False, False), (True, False)])
async def test_without_a_bot_there_is_no_telegram_link(bot: bool, bot_answers: bool) -> None:
    world = World(bot=bot, bot_answers=bot_answers)
    await world.publish()
    started = await world.runs.start(ANNA, "trevoga", None, {})
    result = await world.runs.complete(ANNA, started.id, None, MODERATE)
    assert result.recommendations.telegram is None


async def test_a_crisis_answer_brings_the_crisis_resources(world: World) -> None:
    world.state.crisis_resources = {
        "text": "Вы не одни",
        "contacts": [{"title": "Телефон", "phone": "112"}],
    }
    started = await world.runs.start(None, "trevoga", VISITOR, {})
    result = await world.runs.complete(None, started.id, VISITOR, HIGH_IN_CRISIS)
    assert result.result_level == "high"
    assert result.crisis.triggered
    assert result.crisis.resources == world.state.crisis_resources
    assert all("crisis" not in str(props) for *_, props in world.state.events)
    # Staff are alerted by an event that names no run and no person.
    (signal,) = world.uow._bus.published
    assert isinstance(signal, SelfCheckCrisisSignalled)
    assert signal.aggregate_id != str(started.id)


async def test_a_contact_makes_a_lead_whose_timeline_names_the_self_check_only(
    world: World,
) -> None:
    contact = LeadContact(name="Анна", email="anna@example.com")
    started = await world.runs.start(None, "trevoga", VISITOR, {})
    with pytest.raises(ConsentRequired):
        await world.runs.complete(None, started.id, VISITOR, MODERATE, contact, ())
    assert world.state.runs[started.id].status == "in_progress"
    assert world.state.leads.rows == {}

    await world.runs.complete(None, started.id, VISITOR, MODERATE, contact, CONSENTED)
    [lead] = world.state.leads.rows.values()
    assert (lead["source"], lead["first_touch"]) == (
        "interactive", {"entry_point": "interactive", "page": "trevoga"},
    )  # fmt: skip
    assert world.state.leads.events == [(lead["id"], "interactive.completed",
                                         {"interactive": "trevoga"})]  # fmt: skip
    assert world.deep_links.asked[-1][3] == lead["id"]  # the plan's link carries the lead


async def test_runs_taken_anonymously_are_claimed_with_their_tokens_once(world: World) -> None:
    first = await world.runs.start(None, "trevoga", VISITOR, {})
    second = await world.runs.start(None, "trevoga", VISITOR, {})
    await world.runs.complete(None, first.id, VISITOR, MODERATE)
    assert first.claim_token is not None
    assert second.claim_token is not None
    with pytest.raises(NotFound):  # the anonymous id alone claims nothing
        await world.runs.claim(ANNA, VISITOR, [])
    with pytest.raises(NotFound):
        await world.runs.claim(ANNA, "another-browser", [first.claim_token])
    assert await world.runs.claim(ANNA, VISITOR, [first.claim_token, second.claim_token]) == 2
    with pytest.raises(NotFound):  # each token works once
        await world.runs.claim(ANNA, VISITOR, [first.claim_token])
    mine = await world.runs.runs_of(ANNA)
    assert {(r.id, r.status, r.result_level) for r in mine} == {
        (first.id, "completed", "moderate"), (second.id, "in_progress", None),
    }  # fmt: skip


async def test_runs_left_for_a_day_are_abandoned(world: World) -> None:
    stale = await world.runs.start(None, "trevoga", VISITOR, {})
    world.clock.advance(hours=23)
    fresh = await world.runs.start(None, "trevoga", VISITOR, {})
    assert await world.service.abandon_stale(world.clock.now() + timedelta(hours=1, minutes=1)) == 1
    assert world.state.runs[stale.id].status == "abandoned"
    assert world.state.runs[fresh.id].status == "in_progress"
    with pytest.raises(InvalidState):
        await world.runs.complete(None, stale.id, VISITOR, MODERATE)
