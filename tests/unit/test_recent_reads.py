"""The per-process memory of hot reads: expiry, bound, copies, and forgetting on writes,
here and, through the ``MemoryInvalidation`` port, in every other process."""

from __future__ import annotations

import pytest

from app.adapters.memory.event_bus import InMemoryEventBus
from app.adapters.memory.unit_of_work import InMemoryUnitOfWork
from app.application.events import EventHandlers
from app.application.recent_reads import ProcessMemories, RecentReads, write_then_forget
from tests.unit.memory import AnnouncementBus


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


class Storage:
    """A value and a unit of work around it that commits or fails as told."""

    def __init__(self) -> None:
        self.value = "old"
        self.fail = False

    def __call__(self) -> InMemoryUnitOfWork[Storage]:
        return InMemoryUnitOfWork(self, InMemoryEventBus(EventHandlers()))

    async def write(self, uow: InMemoryUnitOfWork[Storage]) -> str:
        if self.fail:
            raise RuntimeError("the write failed")
        uow.repos.value = "new"
        return "written"


def process(bus: AnnouncementBus, ttl: float = 5) -> RecentReads[str, str]:
    """One process's memory called "slots", hearing the bus."""
    memory: RecentReads[str, str] = RecentReads(
        ttl, str, monotonic=Ticks(), name="slots", invalidation=bus
    )
    bus.hears(ProcessMemories(memory))
    return memory


async def test_a_committed_write_is_forgotten_by_every_process() -> None:
    bus = AnnouncementBus()
    here, there = process(bus), process(bus)
    here.put("k", "old")
    there.put("k", "old")
    storage = Storage()
    assert await write_then_forget(here, storage, storage.write) == "written"
    assert bus.announced == ["slots"]
    assert (here.get("k"), there.get("k")) == (None, None)


async def test_a_failed_write_is_forgotten_here_and_not_announced() -> None:
    bus = AnnouncementBus()
    here, there = process(bus), process(bus)
    here.put("k", "old")
    there.put("k", "old")
    storage = Storage()
    storage.fail = True
    with pytest.raises(RuntimeError):
        await write_then_forget(here, storage, storage.write)
    assert bus.announced == []
    assert (here.get("k"), there.get("k")) == (None, "old")


async def test_a_memory_that_is_off_announces_nothing() -> None:
    bus = AnnouncementBus()
    off = process(bus, ttl=0)
    storage = Storage()
    await write_then_forget(off, storage, storage.write)
    assert bus.announced == []


async def test_a_lost_announcement_leaves_the_time_expiry() -> None:
    bus = AnnouncementBus()
    ticks = Ticks()
    here = process(bus)
    there: RecentReads[str, str] = RecentReads(5, str, monotonic=ticks, name="slots")
    bus.hears(ProcessMemories(there))
    there.put("k", "old")
    bus.muted = True
    storage = Storage()
    await write_then_forget(here, storage, storage.write)
    assert there.get("k") == "old"
    ticks.now += 5
    assert there.get("k") is None


def test_process_memories_forget_by_name_and_all_at_once() -> None:
    content: RecentReads[str, str] = RecentReads(5, str, monotonic=Ticks(), name="content")
    slots: RecentReads[str, str] = RecentReads(5, str, monotonic=Ticks(), name="slots")
    memories = ProcessMemories(content, slots)
    assert memories.any_enabled
    assert not ProcessMemories(RecentReads(0, str, name="content")).any_enabled
    content.put("a", "A")
    slots.put("b", "B")
    assert memories.forget("content")
    assert not memories.forget("calendar")  # not a memory this process has
    assert (content.get("a"), slots.get("b")) == (None, "B")
    content.put("a", "A")
    memories.forget_all()
    assert (content.get("a"), slots.get("b")) == (None, None)
