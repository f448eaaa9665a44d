"""The per-process memory of hot reads: expiry, bound, copies, and forgetting on writes."""

from __future__ import annotations

from app.application.recent_reads import RecentReads


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_item_is_remembered_for_its_time_and_then_read_again() -> None:
    ticks = Ticks()
    cache = RecentReads(5, dict, monotonic=ticks)
    cache.put(("article", "a"), {"title": "A", "version": 1})
    ticks.now += 4.9
    assert cache.get(("article", "a")) == {"title": "A", "version": 1}
    ticks.now += 0.2
    assert cache.get(("article", "a")) is None
    assert len(cache) == 0


def test_a_caller_cannot_change_what_is_remembered() -> None:
    cache = RecentReads(5, dict, monotonic=Ticks())
    row = {"title": "A"}
    cache.put(("article", "a"), row)
    row["title"] = "changed"
    first = cache.get(("article", "a"))
    assert first == {"title": "A"}
    first["title"] = "changed again"  # type: ignore[index]
    assert cache.get(("article", "a")) == {"title": "A"}


def test_the_oldest_item_goes_first_when_full() -> None:
    cache = RecentReads(5, dict, max_items=2, monotonic=Ticks())
    for slug in ("a", "b", "c"):
        cache.put(("article", slug), {"slug": slug})
    assert cache.get(("article", "a")) is None
    assert cache.get(("article", "c")) == {"slug": "c"}
    assert len(cache) == 2


def test_zero_seconds_switches_it_off_and_clear_forgets_everything() -> None:
    off = RecentReads(0, dict, monotonic=Ticks())
    off.put(("article", "a"), {"slug": "a"})
    assert off.get(("article", "a")) is None
    on = RecentReads(5, dict, monotonic=Ticks())
    on.put(("article", "a"), {"slug": "a"})
    on.clear()
    assert on.get(("article", "a")) is None
