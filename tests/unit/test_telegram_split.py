"""Telegram takes at most 4096 characters a message, counted after HTML escaping."""

from __future__ import annotations

import html

from app.adapters.telegram.channel import MESSAGE_LIMIT, split_message


def escaped(parts: list[str]) -> list[int]:
    return [len(html.escape(part, quote=False)) for part in parts]


def test_a_short_text_is_one_part() -> None:
    assert split_message("Запись подтверждена.") == ["Запись подтверждена."]


def test_a_long_text_splits_at_line_breaks_within_the_limit() -> None:
    line = "Строка с текстом & символами <b>.\n"
    text = line * 300  # about 12 000 characters once escaped
    parts = split_message(text, max_parts=10)
    assert len(parts) > 1
    assert all(size <= MESSAGE_LIMIT for size in escaped(parts))
    assert all(part.endswith(".") for part in parts)  # no line is cut in two
    assert "\n".join(parts) + "\n" == text


def test_a_single_endless_line_is_cut_where_it_must_be() -> None:
    parts = split_message("&" * 3000, max_parts=10)  # each & is five characters escaped
    assert all(size <= MESSAGE_LIMIT for size in escaped(parts))
    assert "".join(parts) == "&" * 3000


def test_beyond_the_part_limit_the_text_is_cut_with_an_ellipsis() -> None:
    parts = split_message("слово " * 5000, max_parts=3)
    assert len(parts) == 3
    assert parts[-1].endswith("…")
    assert all(size <= MESSAGE_LIMIT for size in escaped(parts))
