"""Message templates render plain names only and never leave a hole."""

from __future__ import annotations

import pytest

from app.domain.notifications.templates import (
    TemplateError,
    placeholders,
    render_message,
    text_to_html,
)


def test_renders_subject_text_and_html() -> None:
    message = render_message(
        "Код для входа: {code}", "Здравствуйте!\n\nВаш код: {code}\nДо встречи", {"code": "123456"}
    )
    assert message.subject == "Код для входа: 123456"
    assert message.text == "Здравствуйте!\n\nВаш код: 123456\nДо встречи"
    assert "<p>Ваш код: 123456<br>\nДо встречи</p>" in message.html


def test_missing_value_is_an_error_naming_it() -> None:
    with pytest.raises(TemplateError, match="start_local"):
        render_message(None, "Запись {service_title}, {start_local}", {"service_title": "X"})


@pytest.mark.parametrize(
    "template", ["{user.email}", "{items[0]}", "{code!r}", "{code:>10}", "{", "{0}"]
)
def test_only_bare_names_are_allowed(template: str) -> None:
    with pytest.raises(TemplateError):
        placeholders(template)


def test_html_part_escapes_values() -> None:
    assert "&lt;script&gt;" in text_to_html("<script>alert(1)</script>")


def test_every_seeded_template_placeholder_is_a_plain_name() -> None:
    assert placeholders("{display_name}, {start_local} {manage_url}") == {
        "display_name", "start_local", "manage_url",
    }  # fmt: skip
