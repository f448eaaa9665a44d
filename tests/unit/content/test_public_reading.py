"""Public reading over in-memory ports: published content only, keyset pages, the short
memory of published items that every editorial write clears, the taxonomy readers see."""

from __future__ import annotations

import uuid

import pytest

from app.application.access import Principal
from app.application.content.editorial import ItemFields
from app.application.content.ports import ListFilter, NewMedia
from app.application.content.service import ContentService
from app.application.recent_reads import ProcessMemories
from app.domain.content.model import ContentStatus, ContentType
from app.domain.errors import AlreadyExists, Forbidden, NotFound, SlugTaken, ValidationFailed
from app.domain.identity.model import Role
from tests.unit.content.fakes import content_world
from tests.unit.memory import AnnouncementBus, ManualClock

EDITOR = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.EDITOR}))
CLIENT = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.CLIENT}))


class World:
    def __init__(self, cache_seconds: float = 60) -> None:
        self.clock = ManualClock()
        self.state, self.uow = content_world(self.clock)
        self.content = ContentService(self.uow, self.clock, 10_000, cache_seconds)

    async def publish(self, type_: ContentType, slug: str, title: str, **more: str) -> uuid.UUID:
        editorial = self.content.editorial
        item = await editorial.create(EDITOR, type_, ItemFields(slug=slug, title=title, **more))
        await editorial.transition(EDITOR, item.id, ContentStatus.REVIEW, None)
        await editorial.transition(EDITOR, item.id, ContentStatus.PUBLISHED, None)
        self.clock.advance(minutes=1)
        return item.id


@pytest.fixture
def world() -> World:
    return World()


async def test_pages_of_published_items_newest_first_each_item_once(world: World) -> None:
    ids = [await world.publish(ContentType.ARTICLE, f"a{n}", f"Статья {n}") for n in range(5)]
    await world.content.editorial.create(EDITOR, ContentType.ARTICLE, ItemFields("d", "Черновик"))
    public = world.content.public
    seen: list[uuid.UUID] = []
    page = await public.list_published(ListFilter(), None, 2)
    while True:
        seen += [item.id for item in page.items]
        if page.next_cursor is None:
            break
        # An item published while the reader pages comes before the cursor: not repeated.
        await world.publish(ContentType.NOTE, f"late{len(seen)}", "Новое")
        page = await public.list_published(ListFilter(), page.next_cursor, 2)
    assert seen == ids[::-1]


async def test_a_search_pages_by_rank(world: World) -> None:
    in_title = await world.publish(ContentType.ARTICLE, "t", "Сон и тревога")
    in_body = await world.publish(ContentType.ARTICLE, "b", "Вечер", body_markdown="про сон")
    await world.publish(ContentType.ARTICLE, "x", "Другое")
    public = world.content.public
    first = await public.list_published(ListFilter(q="сон"), None, 1)
    assert [i.id for i in first.items] == [in_title]
    assert first.next_cursor is not None
    assert first.next_cursor.position == first.items[0].rank
    second = await public.list_published(ListFilter(q="сон"), first.next_cursor, 1)
    assert [i.id for i in second.items] == [in_body]
    assert second.next_cursor is None


async def test_filters_by_type_and_an_unknown_type_is_refused(world: World) -> None:
    await world.publish(ContentType.ARTICLE, "a", "A")
    note = await world.publish(ContentType.NOTE, "n", "N")
    page = await world.content.public.list_published(ListFilter(type="note"), None, 10)
    assert [i.id for i in page.items] == [note]
    with pytest.raises(ValidationFailed) as refused:
        await world.content.public.list_published(ListFilter(type="podcast"), None, 10)
    assert refused.value.field == "type"


async def test_a_published_item_is_remembered_until_an_editorial_write(world: World) -> None:
    item_id = await world.publish(ContentType.ARTICLE, "a", "Старое")
    public = world.content.public
    assert (await public.get_published("article", "a")).title == "Старое"
    # A change behind the use cases' back (another process) is not seen for a while...
    stored = world.state.items[item_id]
    stored.title = "Изменено в другом процессе"
    assert (await public.get_published("article", "a")).title == "Старое"
    # ...but any write in this process forgets what it remembered, even a new tag.
    await world.content.taxonomy.add_tag(EDITOR, "sleep", "Сон")
    assert (await public.get_published("article", "a")).title == "Изменено в другом процессе"


async def test_a_page_of_the_list_is_remembered_until_an_editorial_write(world: World) -> None:
    item_id = await world.publish(ContentType.ARTICLE, "a", "Старое")
    public = world.content.public
    first = await public.list_published(ListFilter(), None, 20)
    assert [i.title for i in first.items] == ["Старое"]
    world.state.items[item_id].title = "Изменено в другом процессе"
    assert (await public.list_published(ListFilter(), None, 20)).items[0].title == "Старое"
    # Another filter, cursor or limit is another page, read from storage.
    assert (await public.list_published(ListFilter(), None, 19)).items[0].title != "Старое"
    await world.content.taxonomy.add_tag(EDITOR, "sleep", "Сон")
    page = await public.list_published(ListFilter(), None, 20)
    assert page.items[0].title == "Изменено в другом процессе"


async def test_one_announcement_forgets_items_and_pages_in_another_process(
    world: World,
) -> None:
    bus = AnnouncementBus()
    here = ContentService(world.uow, world.clock, 10_000, 60, bus)
    there = ContentService(world.uow, world.clock, 10_000, 60, bus)
    for service in (here, there):
        bus.hears(ProcessMemories(service.published, service.pages))
    world.content = here
    item_id = await world.publish(ContentType.ARTICLE, "a", "Старое")
    assert (await there.public.list_published(ListFilter(), None, 5)).items[0].title == "Старое"
    item = await here.editorial.get(EDITOR, item_id)
    await here.editorial.update(EDITOR, item_id, ItemFields(title="Новое"), item.version)
    assert bus.announced[-1] == "content"
    assert (await there.public.list_published(ListFilter(), None, 5)).items[0].title == "Новое"


async def test_an_edit_in_one_process_is_read_at_once_in_another(world: World) -> None:
    """Two processes (API replicas) over one storage, told of each other's writes."""
    bus = AnnouncementBus()
    here = ContentService(world.uow, world.clock, 10_000, 60, bus)
    there = ContentService(world.uow, world.clock, 10_000, 60, bus)
    for service in (here, there):
        bus.hears(ProcessMemories(service.published))
    world.content = here
    item_id = await world.publish(ContentType.ARTICLE, "a", "Старое")
    assert (await there.public.get_published("article", "a")).title == "Старое"
    item = await here.editorial.get(EDITOR, item_id)
    await here.editorial.update(EDITOR, item_id, ItemFields(title="Новое"), item.version)
    assert bus.announced[-1] == "content"
    assert (await there.public.get_published("article", "a")).title == "Новое"


async def test_without_a_memory_every_read_goes_to_storage() -> None:
    world = World(cache_seconds=0)
    item_id = await world.publish(ContentType.ARTICLE, "a", "Старое")
    await world.content.public.get_published("article", "a")
    world.state.items[item_id].title = "Новое"
    assert (await world.content.public.get_published("article", "a")).title == "Новое"


async def test_topics_and_tags_as_readers_see_them(world: World) -> None:
    taxonomy = world.content.taxonomy
    await taxonomy.add_topic(EDITOR, "grief", "Горе", None, 2)
    await taxonomy.add_topic(EDITOR, "anxiety", "Тревога", "О тревоге", 1)
    await taxonomy.update_topic(EDITOR, "grief", "Горе и утрата", None, 0)
    await taxonomy.add_tag(EDITOR, "sleep", "Сон")
    await taxonomy.add_tag(EDITOR, "breath", "Дыхание")
    await taxonomy.delete_tag(EDITOR, "sleep")
    topics = await world.content.public.topics()
    assert [(t.code, t.title) for t in topics] == [("grief", "Горе и утрата"),
                                                   ("anxiety", "Тревога")]  # fmt: skip
    assert [t.slug for t in await world.content.public.tags()] == ["breath"]
    with pytest.raises(NotFound):
        await taxonomy.update_topic(EDITOR, "missing", "X", None, 0)
    with pytest.raises(NotFound):
        await taxonomy.delete_tag(EDITOR, "sleep")
    with pytest.raises(SlugTaken):
        await taxonomy.add_tag(EDITOR, "breath", "Ещё раз")
    with pytest.raises(ValidationFailed):
        await taxonomy.add_tag(EDITOR, "Not a slug", "X")
    with pytest.raises(Forbidden):
        await taxonomy.add_topic(CLIENT, "x", "X", None, 0)
    assert world.uow.actions() == [
        "topic.create", "topic.create", "topic.update", "tag.create", "tag.create", "tag.delete",
    ]  # fmt: skip


async def test_the_glossary_finds_a_term_by_slug_name_or_synonym(world: World) -> None:
    taxonomy = world.content.taxonomy
    await taxonomy.put_glossary_term(
        EDITOR, "anxiety", "Тревога", "Состояние ожидания", "published", (" беспокойство ",)
    )
    await taxonomy.put_glossary_term(EDITOR, "draft", "Черновой", "…", "draft", ())
    public = world.content.public
    for key in ("anxiety", "тревога", "БЕСПОКОЙСТВО"):
        assert (await public.glossary_term(key)).slug == "anxiety"
    assert (await public.glossary_term("anxiety")).synonyms == ("беспокойство",)  # trimmed
    with pytest.raises(NotFound):  # a draft term is not public
        await public.glossary_term("draft")
    assert [t.slug for t in await public.glossary("беспок")] == ["anxiety"]
    assert [t.slug for t in await public.glossary("")] == ["anxiety"]
    with pytest.raises(AlreadyExists):
        await taxonomy.put_glossary_term(EDITOR, "worry", "Волнение", "…", "published",
                                         ("беспокойство",))  # fmt: skip
    with pytest.raises(ValidationFailed) as empty:
        await taxonomy.put_glossary_term(EDITOR, "calm", "Покой", "…", "published", ("  ",))
    assert empty.value.field == "synonyms[0]"


async def test_a_collection_shows_its_published_items_in_order(world: World) -> None:
    first = await world.publish(ContentType.ARTICLE, "a", "A")
    second = await world.publish(ContentType.PRACTICE, "p", "P")
    hidden = await world.content.editorial.create(
        EDITOR, ContentType.NOTE, ItemFields(slug="n", title="N")
    )
    taxonomy = world.content.taxonomy
    await taxonomy.put_collection(EDITOR, "start", "С чего начать", None, "published",
                                  (second, hidden.id, first))  # fmt: skip
    found = await world.content.public.collection("start")
    assert [(i.type, i.slug) for i in found.items] == [
        (ContentType.PRACTICE, "p"), (ContentType.ARTICLE, "a"),
    ]  # fmt: skip
    await taxonomy.put_collection(EDITOR, "start", "С чего начать", None, "draft", ())
    with pytest.raises(NotFound):
        await world.content.public.collection("start")
    assert world.uow.actions()[-2:] == ["collection.put", "collection.put"]


async def test_media_is_checked_before_it_is_registered(world: World) -> None:
    media = world.content.media
    audio = NewMedia(kind="audio", storage_key="a", url="https://cdn.example/a.mp3",
                     mime_type="audio/mpeg", size_bytes=10)  # fmt: skip
    wrong = NewMedia(kind="image", storage_key="b", url="https://cdn.example/b.mp3",
                     mime_type="audio/mpeg", size_bytes=10)  # fmt: skip
    insecure = NewMedia(kind="file", storage_key="c", url="http://cdn.example/c.pdf",
                        mime_type="application/pdf", size_bytes=10)  # fmt: skip
    audio_id = await media.add_media(EDITOR, audio)
    for bad, field in ((wrong, "mime_type"), (insecure, "url")):
        with pytest.raises(ValidationFailed) as refused:
            await media.add_media(EDITOR, bad)
        assert refused.value.field == field
    assert [m.id for m in await media.list_media(EDITOR, None, 10)] == [audio_id]
    (listed,) = await media.list_media(EDITOR, None, 10)
    assert await media.list_media(EDITOR, (listed.created_at, listed.id), 10) == []
    with pytest.raises(Forbidden):
        await media.list_media(CLIENT, None, 10)
    assert world.uow.actions() == ["media.create"]
