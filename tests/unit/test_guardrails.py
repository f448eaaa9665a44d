"""Assistant guardrails: crisis first, personal data masked, unsafe answers replaced."""

from __future__ import annotations

import pytest

from app.application.assistants.guardrails import (
    EMAIL_PLACEHOLDER,
    NAME_PLACEHOLDER,
    PHONE_PLACEHOLDER,
    SAFE_REFERRAL,
    check_output,
    crisis_first,
    mask_personal,
)


@pytest.mark.parametrize(
    "text",
    ["Я больше не хочу жить", "думаю о том, чтобы покончить с собой", "СУИЦИД"],
)
def test_crisis_words_stop_before_the_model(text: str) -> None:
    verdict = crisis_first(text)
    assert verdict.is_crisis
    assert verdict.action == "crisis"


def test_an_ordinary_question_proceeds() -> None:
    assert not crisis_first("Как записаться на консультацию в четверг?").is_crisis


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("пишите на anna.petrova+work@mail.ru, жду", "anna.petrova+work@mail.ru"),
        ("мой телефон +7 (916) 123-45-67", "+7 (916) 123-45-67"),
        ("звоните 8 916 123 45 67 вечером", "8 916 123 45 67"),
        ("номер 89161234567", "89161234567"),
        ("+79161234567", "+79161234567"),
        ("мой номер +375 29 123-45-67", "+375 29 123-45-67"),
        ("пишите в WhatsApp 916 123 45 67", "916 123 45 67"),
        ("или 9161234567", "9161234567"),
        ("мой телеграм @anna_p, напишите", "@anna_p"),
    ],
)
def test_contacts_are_masked(text: str, hidden: str) -> None:
    masked = mask_personal(text)
    assert hidden not in masked
    assert any(p in masked for p in (EMAIL_PLACEHOLDER, PHONE_PLACEHOLDER, "[ник]"))


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Здравствуйте, меня зовут Анна Петрова, хочу записаться", "Анна"),
        ("Меня зовут Ольга-Мария", "Ольга-Мария"),
        ("Привет, я — Иван, мне тревожно", "Иван"),
        ("я - Сергей", "Сергей"),
        ("Я Анна, хочу онлайн", "Анна"),
        ("Это Анна Петрова, записывалась на четверг", "Петрова"),
        ("я - Иван Иванович Сидоров", "Сидоров"),
        ("зовут Ариадна", "Ариадна"),
    ],
)
def test_self_introduced_names_are_masked(text: str, name: str) -> None:
    masked = mask_personal(text)
    assert name not in masked
    assert NAME_PLACEHOLDER in masked


def test_masking_leaves_ordinary_text_and_lowercase_words() -> None:
    text = "меня зовут на работу каждый день, а я - устала. Сеанс стоит 3000 рублей."
    assert mask_personal(text) == text
    request = "Я хочу онлайн в четверг вечером, это важно, приду к 19:30 2030-06-06."
    assert mask_personal(request) == request


def test_a_name_is_masked_and_the_request_after_it_kept() -> None:
    assert mask_personal("Я Анна хочу онлайн в четверг") == "Я [имя] хочу онлайн в четверг"


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("Похоже, у вас депрессия.", "diagnosis"),
        ("У вас клиническая депрессия, это видно.", "diagnosis"),
        ("Ваш диагноз — тревожное расстройство.", "diagnosis"),
        ("Принимайте глицин по две таблетки.", "treatment"),
        ("Назначаю вам курс антидепрессантов.", "treatment"),
        ("Гарантирую, что после трёх встреч станет легче.", "promise"),
        ("Я вылечу вашу тревогу.", "promise"),
    ],
)
def test_diagnoses_treatment_and_promises_become_a_referral(answer: str, reason: str) -> None:
    verdict = check_output(answer)
    assert verdict.replaced
    assert verdict.reason == reason
    assert verdict.text == SAFE_REFERRAL


def test_a_safe_answer_passes_unchanged() -> None:
    answer = "Можно записаться на первую встречу: свободное время есть в четверг."
    verdict = check_output(answer)
    assert (verdict.text, verdict.replaced, verdict.reason) == (answer, False, None)
