"""Deep links are counted and expire; Telegram accounts are remembered and blocked;
a redelivered Telegram update is recognised."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from app.adapters.postgres.telegram import PostgresTelegramDirectory
from app.bootstrap import Core
from app.domain.errors import ValidationFailed
from app.domain.telegram.deep_links import looks_like_code, start_url


def directory(core: Core) -> Any:
    return core.unit_of_work(PostgresTelegramDirectory)


async def test_a_deep_link_counts_its_uses_until_it_expires(
    core: Core, postgresql: psycopg.Connection[Any]
) -> None:
    uow = directory(core)
    async with uow() as work:
        issued = await work.repos.links.issue_deep_link(
            "plan", {"quiz": "anxiety", "score_band": "mid"}
        )
        await work.commit()
    assert looks_like_code(issued.code)
    assert start_url("balance_bot", issued.code) == (
        f"https://t.me/balance_bot?start={issued.code}"
    )
    first_use = core.clock.now()
    for _ in range(2):
        async with uow() as work:
            used = await work.repos.links.use_deep_link(issued.code)
            await work.commit()
        assert used is not None
        assert (used.purpose, used.payload) == ("plan", {"quiz": "anxiety", "score_band": "mid"})
    postgresql.commit()
    count, first_used_at = postgresql.execute(
        "SELECT use_count, first_used_at FROM deep_links"
    ).fetchone()  # type: ignore[misc]
    assert count == 2
    assert first_used_at >= first_use
    assert first_used_at < core.clock.now()

    core.clock.advance(days=31)  # type: ignore[attr-defined]
    async with uow() as work:
        assert await work.repos.links.use_deep_link(issued.code) is None


async def test_unknown_or_malformed_codes_are_not_found(core: Core) -> None:
    uow = directory(core)
    async with uow() as work:
        assert await work.repos.links.use_deep_link("Nope_nope_nope") is None
        assert await work.repos.links.use_deep_link("short") is None
        assert await work.repos.links.use_deep_link("bad code with spaces") is None


async def test_a_deep_link_refuses_an_unknown_purpose_or_personal_data(core: Core) -> None:
    uow = directory(core)
    async with uow() as work:
        with pytest.raises(ValidationFailed):
            await work.repos.links.issue_deep_link("phishing", {})
        with pytest.raises(ValidationFailed):
            await work.repos.links.issue_deep_link("booking", {"email": "anna@example.org"})


async def test_a_blocked_account_is_unblocked_when_the_user_writes_again(core: Core) -> None:
    uow = directory(core)
    async with uow() as work:
        assert await work.repos.accounts.is_blocked(1001) is None
        await work.repos.accounts.remember_account(1001, 5001, "anna", "ru")
        await work.repos.accounts.mark_blocked(5001)
        assert await work.repos.accounts.is_blocked(1001) is True
        await work.repos.accounts.remember_account(1001, 5001, "anna", "ru")
        assert await work.repos.accounts.is_blocked(1001) is False
        await work.commit()


async def test_a_redelivered_update_is_recognised(core: Core) -> None:
    uow = directory(core)
    async with uow() as work:
        assert await work.repos.support.first_delivery_of_update(734001) is True
        await work.commit()
    async with uow() as work:
        assert await work.repos.support.first_delivery_of_update(734001) is False
        assert await work.repos.support.first_delivery_of_update(734002) is True
