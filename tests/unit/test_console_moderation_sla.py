"""The SLA countdown the moderation queue shows, in Russian with the right plural forms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.adapters.console.pages.moderation import sla_text

NOW = datetime(2030, 1, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(hours=1, minutes=20), "осталось 1 ч 20 мин"),
        (timedelta(hours=2), "осталось 2 ч"),
        (timedelta(minutes=1), "осталось 1 минута"),
        (timedelta(minutes=3), "осталось 3 минуты"),
        (timedelta(minutes=11), "осталось 11 минут"),
        (timedelta(minutes=21), "осталось 21 минута"),
        (timedelta(seconds=20), "осталось меньше минуты"),
        (timedelta(days=1, hours=3), "осталось 1 день 3 ч"),
        (timedelta(days=2), "осталось 2 дня"),
        (timedelta(days=5, hours=1), "осталось 5 дней 1 ч"),
        (-timedelta(hours=1, minutes=5), "просрочено на 1 ч 5 мин"),
        (-timedelta(minutes=42), "просрочено на 42 минуты"),
        (-timedelta(days=11), "просрочено на 11 дней"),
        (-timedelta(days=22), "просрочено на 22 дня"),
    ],
)
def test_the_countdown_reads_naturally(delta: timedelta, text: str) -> None:
    assert sla_text(NOW + delta, NOW) == text
