"""The bot's chat without a database or aiogram: /start answers by the deep link's
purpose, the consent answer is recorded for a known person only, /stop stops, and
crisis words get the crisis resources while only a flag is kept."""

from __future__ import annotations

import uuid

import pytest

from app.application.telegram.buttons import CONSENT_BUTTONS, CONSENT_NO, CONSENT_YES
from app.application.telegram.ports import Reply, Visitor
from app.domain.crm.contact import LeadContact
from tests.unit.memory import ManualClock
from tests.unit.telegram.fakes import SITE, MemoryTelegramDirectory, chat_over

ANNA = Visitor(telegram_user_id=4242, chat_id=4242, username="anna", language_code="ru")
ASK = Reply("may we write?", CONSENT_BUTTONS)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def directory() -> MemoryTelegramDirectory:
    return MemoryTelegramDirectory()


@pytest.mark.parametrize(
    ("purpose", "payload", "text"),
    [
        ("plan", {"path": "/plans/anxiety"}, f"plan {SITE}/plans/anxiety"),
        ("interactive_result", {"path": "//evil.example/x"}, f"plan {SITE}/booking"),
        ("booking", {}, "booking prompt"),
        ("campaign", {}, "welcome"),
    ],
)
async def test_start_answers_by_the_links_purpose_and_asks_a_new_lead_about_messages(
    directory: MemoryTelegramDirectory, clock: ManualClock,
    purpose: str, payload: dict[str, str], text: str,
) -> None:  # fmt: skip
    link = directory.links.add_link(purpose, payload, now=clock.now())
    replies = await chat_over(directory, clock).start(ANNA, link.code)
    assert replies == [Reply(text), ASK]
    assert directory.support.started == [(4242, link.code, purpose)]
    lead_id = directory.accounts.rows[4242].lead_id
    assert lead_id is not None
    assert [e[1:] for e in directory.leads.events] == [("telegram.started", {"purpose": purpose})]


async def test_an_unknown_code_gets_the_welcome_and_is_not_counted(
    directory: MemoryTelegramDirectory, clock: ManualClock
) -> None:
    replies = await chat_over(directory, clock).start(ANNA, "NoSuchCode12345")
    assert replies[0] == Reply("welcome")
    assert directory.support.started == [(4242, None, None)]
    assert directory.accounts.rows[4242].lead_id is not None  # still a lead of its own


async def test_a_link_made_for_a_person_works_once(
    directory: MemoryTelegramDirectory, clock: ManualClock
) -> None:
    lead = await directory.leads.create("booking", LeadContact("Анна", "anna@example.org"), (), {})
    link = directory.links.add_link("booking", now=clock.now(), lead_id=lead.lead_id)
    chat = chat_over(directory, clock)
    assert (await chat.start(ANNA, link.code))[0] == Reply("booking prompt")
    assert (await chat.start(ANNA, link.code))[0] == Reply("welcome")
    assert directory.accounts.rows[4242].lead_id == lead.lead_id


async def test_opening_an_account_link_only_claims_it(
    directory: MemoryTelegramDirectory, clock: ManualClock
) -> None:
    owner = uuid.uuid4()
    link = directory.links.add_link("link_account", now=clock.now(), user_id=owner)
    replies = await chat_over(directory, clock).start(ANNA, link.code)
    assert replies == [Reply("link pending")]  # nobody known yet: no consent question
    assert directory.links.rows[link.code].claimed_by == 4242
    assert directory.accounts.rows[4242].user_id is None  # linked only when the owner confirms
    assert directory.accounts.rows[4242].lead_id is None
    assert directory.leads.rows == {}
    assert directory.support.started == [(4242, link.code, "link_account")]


async def test_a_person_who_said_yes_is_not_asked_again(
    directory: MemoryTelegramDirectory, clock: ManualClock
) -> None:
    chat = chat_over(directory, clock)
    await chat.start(ANNA, None)
    assert await chat.press(ANNA, CONSENT_YES) == Reply("consent thanks")
    assert await chat.start(ANNA, None) == [Reply("welcome")]
    lead_id = directory.accounts.rows[4242].lead_id
    assert directory.accounts.consents == [(None, lead_id, True)]


async def test_a_no_to_the_consent_question_is_recorded_and_asked_again_later(
    directory: MemoryTelegramDirectory, clock: ManualClock
) -> None:
    chat = chat_over(directory, clock)
    await chat.start(ANNA, None)
    assert await chat.press(ANNA, CONSENT_NO) == Reply("stopped")
    assert [c[2] for c in directory.accounts.consents] == [False]
    assert await chat.start(ANNA, None) == [Reply("welcome"), ASK]


async def test_a_consent_answer_from_a_stranger_records_nothing(
    directory: MemoryTelegramDirectory, clock: ManualClock
) -> None:
    assert await chat_over(directory, clock).press(ANNA, CONSENT_YES) == Reply("welcome")
    assert directory.accounts.consents == []


async def test_stop_stops_and_revokes_the_consent(
    directory: MemoryTelegramDirectory, clock: ManualClock
) -> None:
    chat = chat_over(directory, clock)
    await chat.start(ANNA, None)
    await chat.press(ANNA, CONSENT_YES)
    assert await chat.stop(ANNA) == "stopped"
    assert directory.accounts.rows[4242].stopped
    assert [c[2] for c in directory.accounts.consents] == [True, False]


async def test_crisis_words_get_the_resources_and_only_a_flag_is_kept(
    directory: MemoryTelegramDirectory, clock: ManualClock
) -> None:
    directory.support.resources = {
        "text": "Вы не одни.",
        "contacts": [{"title": "Телефон доверия", "phone": "8-800-2000-122"}, "noise"],
    }
    chat = chat_over(directory, clock)
    answer = await chat.free_text(ANNA, "Мне кажется, я не хочу больше жить")
    assert answer == "Вы не одни.\nТелефон доверия: 8-800-2000-122"
    assert directory.support.crisis_flags == 1
    assert directory.accounts.rows == {}  # the words are not stored anywhere


async def test_other_free_text_gets_the_command_list(
    directory: MemoryTelegramDirectory, clock: ManualClock
) -> None:
    assert await chat_over(directory, clock).free_text(ANNA, "Здравствуйте") == "help"
    assert directory.support.crisis_flags == 0


async def test_an_update_is_handled_once_and_a_stale_button_gets_nothing(
    directory: MemoryTelegramDirectory, clock: ManualClock
) -> None:
    chat = chat_over(directory, clock)
    assert await chat.first_delivery(7)
    assert not await chat.first_delivery(7)
    assert await chat.press(ANNA, "unknown:1") is None
