"""The editorial workflow over in-memory ports: draft → review → published → archived,
versions and optimistic locking, unique slugs, what readers see at each step."""

from __future__ import annotations

import uuid

import pytest

from app.application.access import Principal
from app.application.content.editorial import Editorial, ItemFields
from app.application.content.ports import NewMedia
from app.application.content.service import ContentService
from app.domain.content.model import ContentStatus, ContentType, MediaUse
from app.domain.errors import (
    Forbidden,
    InvalidState,
    NotFound,
    SlugTaken,
    ValidationFailed,
    VersionConflict,
)
from app.domain.identity.model import Role
from tests.unit.content.fakes import content_world
from tests.unit.memory import ManualClock

EDITOR = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.EDITOR}))
OWNER = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.OWNER}))
CLIENT = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({Role.CLIENT}))
ARTICLE = ItemFields(slug="anxiety-basics", title="Тревога: основы", body_markdown="Текст")

REVIEW, PUBLISHED = ContentStatus.REVIEW, ContentStatus.PUBLISHED
ARCHIVED, DRAFT = ContentStatus.ARCHIVED, ContentStatus.DRAFT


class World:
    def __init__(self) -> None:
        self.clock = ManualClock()
        self.state, self.uow = content_world(self.clock)
        self.content = ContentService(self.uow, self.clock, max_body_chars=500, cache_seconds=60)

    @property
    def editorial(self) -> Editorial:
        return self.content.editorial


@pytest.fixture
def world() -> World:
    return World()


async def _published(world: World, fields: ItemFields = ARTICLE) -> uuid.UUID:
    item = await world.editorial.create(EDITOR, ContentType.ARTICLE, fields)
    await world.editorial.transition(EDITOR, item.id, REVIEW, None)
    await world.editorial.transition(EDITOR, item.id, PUBLISHED, None)
    return item.id


async def test_a_draft_goes_through_review_to_readers_and_back_out(world: World) -> None:
    item = await world.editorial.create(EDITOR, ContentType.ARTICLE, ARTICLE)
    assert (item.status, item.version, item.author_id) == (DRAFT, 1, EDITOR.user_id)
    with pytest.raises(NotFound):  # a draft is nobody's reading
        await world.content.public.get_published("article", "anxiety-basics")

    in_review = await world.editorial.transition(EDITOR, item.id, REVIEW, 1)
    assert (in_review.status, in_review.version, in_review.published_at) == (REVIEW, 2, None)
    published = await world.editorial.transition(OWNER, item.id, PUBLISHED, 2)
    assert published.status is PUBLISHED
    assert published.published_at is not None
    read = await world.content.public.get_published("article", "anxiety-basics")
    assert (read.id, read.title, read.version) == (item.id, "Тревога: основы", 3)

    archived = await world.editorial.transition(EDITOR, item.id, ARCHIVED, 3)
    assert archived.status is ARCHIVED
    with pytest.raises(NotFound):  # the archive hides it (and forgot the remembered copy)
        await world.content.public.get_published("article", "anxiety-basics")
    assert world.uow.actions() == [
        "content.create", "content.submit_review", "content.publish", "content.archive",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ((), PUBLISHED),  # a draft is reviewed first
        ((), ARCHIVED),
        ((REVIEW,), ARCHIVED),
        ((REVIEW, PUBLISHED), DRAFT),  # published: only the archive
        ((REVIEW, PUBLISHED), REVIEW),
        ((REVIEW, PUBLISHED, ARCHIVED), PUBLISHED),  # back through draft and review
    ],
)
async def test_the_workflow_refuses_a_skipped_step(
    world: World, path: tuple[ContentStatus, ...], refused: ContentStatus
) -> None:
    item = await world.editorial.create(EDITOR, ContentType.ARTICLE, ARTICLE)
    for status in path:
        await world.editorial.transition(EDITOR, item.id, status, None)
    before = world.state.items[item.id]
    with pytest.raises(InvalidState):
        await world.editorial.transition(EDITOR, item.id, refused, None)
    assert world.state.items[item.id] == before


async def test_republishing_keeps_the_first_publication_date(world: World) -> None:
    item_id = await _published(world)
    first = world.state.items[item_id].published_at
    world.clock.advance(days=3)
    for status in (ARCHIVED, DRAFT, REVIEW, PUBLISHED):
        await world.editorial.transition(EDITOR, item_id, status, None)
    assert world.state.items[item_id].published_at == first


async def test_an_edit_is_a_new_version_and_a_published_item_stays_published(
    world: World,
) -> None:
    item_id = await _published(world)
    await world.content.public.get_published("article", "anxiety-basics")  # remembered
    edited = await world.editorial.update(
        EDITOR, item_id, ItemFields(title="Тревога: что это", summary="Коротко"), 3
    )
    assert (edited.version, edited.status, edited.slug) == (4, PUBLISHED, "anxiety-basics")
    assert edited.body_markdown == "Текст"  # what was not sent stays
    read = await world.content.public.get_published("article", "anxiety-basics")
    assert (read.title, read.summary, read.version) == ("Тревога: что это", "Коротко", 4)
    versions = await world.editorial.versions(OWNER, item_id)
    assert [v.version_no for v in versions] == [4, 3, 2, 1]
    assert versions[0].title == "Тревога: что это"
    assert versions[-1].title == "Тревога: основы"


async def test_a_stale_version_is_a_conflict_and_changes_nothing(world: World) -> None:
    item = await world.editorial.create(EDITOR, ContentType.ARTICLE, ARTICLE)
    await world.editorial.update(EDITOR, item.id, ItemFields(title="Первая правка"), 1)
    audited = len(world.uow.audit_log)
    with pytest.raises(VersionConflict):  # the second editor still holds version 1
        await world.editorial.update(OWNER, item.id, ItemFields(title="Вторая правка"), 1)
    with pytest.raises(VersionConflict):
        await world.editorial.transition(OWNER, item.id, REVIEW, 1)
    with pytest.raises(VersionConflict):
        await world.editorial.set_media(OWNER, item.id, (), 1)
    stored = world.state.items[item.id]
    assert (stored.title, stored.version, stored.status) == ("Первая правка", 2, DRAFT)
    assert len(world.uow.audit_log) == audited


async def test_without_a_version_the_latest_is_taken(world: World) -> None:
    item = await world.editorial.create(EDITOR, ContentType.ARTICLE, ARTICLE)
    await world.editorial.update(EDITOR, item.id, ItemFields(title="Правка"), None)
    moved = await world.editorial.transition(EDITOR, item.id, REVIEW, None)
    assert moved.version == 3


async def test_a_slug_is_unique_within_a_type(world: World) -> None:
    first = await world.editorial.create(EDITOR, ContentType.ARTICLE, ARTICLE)
    with pytest.raises(SlugTaken) as taken:
        await world.editorial.create(OWNER, ContentType.ARTICLE, ARTICLE)
    assert taken.value.field == "slug"
    note = await world.editorial.create(OWNER, ContentType.NOTE, ARTICLE)  # another type
    other = await world.editorial.create(
        EDITOR, ContentType.ARTICLE, ItemFields(slug="sleep", title="Сон")
    )
    with pytest.raises(SlugTaken):
        await world.editorial.update(EDITOR, other.id, ItemFields(slug="anxiety-basics"), None)
    assert world.state.items[other.id].slug == "sleep"
    assert {first.id, note.id, other.id} == set(world.state.items)
    assert world.uow.actions().count("content.create") == 3


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (ItemFields(slug="Not A Slug", title="T"), "slug"),
        (ItemFields(slug="a--b", title="T"), "slug"),
        (ItemFields(slug="ok", title="   "), "title"),
        (ItemFields(slug="ok", title="T", body_markdown="x" * 501), "body_markdown"),
        (ItemFields(slug="ok", title="T", summary="x" * 1001), "summary"),
        (ItemFields(slug="ok", title="T", seo_description="x" * 1001), "seo_description"),
        (ItemFields(slug="ok", title="T", tags=("fine", "Not fine")), "tags[1]"),
    ],
)
async def test_invalid_fields_are_refused_before_anything_is_written(
    world: World, fields: ItemFields, field: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await world.editorial.create(EDITOR, ContentType.ARTICLE, fields)
    assert refused.value.field == field
    assert not world.state.items
    assert world.uow.transactions == 0


async def test_unknown_topics_and_tags_roll_the_whole_edit_back(world: World) -> None:
    await world.content.taxonomy.add_topic(EDITOR, "anxiety", "Тревога", None, 1)
    item = await world.editorial.create(
        EDITOR, ContentType.ARTICLE,
        ItemFields(slug="a", title="A", topics=("anxiety",)),
    )  # fmt: skip
    assert world.state.items[item.id].topics == ("anxiety",)
    with pytest.raises(ValidationFailed) as refused:
        await world.editorial.update(
            EDITOR, item.id, ItemFields(title="B", topics=("anxiety", "grief")), None
        )
    assert refused.value.field == "topics[1]"
    stored = world.state.items[item.id]  # the new version was saved, then rolled back
    assert (stored.title, stored.version, stored.topics) == ("A", 1, ("anxiety",))
    with pytest.raises(ValidationFailed):
        await world.editorial.create(
            EDITOR, ContentType.NOTE, ItemFields(slug="n", title="N", tags=("missing",))
        )
    assert len(world.state.items) == 1


async def test_only_a_never_published_draft_can_be_deleted(world: World) -> None:
    draft = await world.editorial.create(EDITOR, ContentType.ARTICLE, ARTICLE)
    await world.editorial.delete_draft(EDITOR, draft.id)
    assert draft.id not in world.state.items
    with pytest.raises(NotFound):
        await world.editorial.delete_draft(EDITOR, draft.id)

    once_public = await _published(world)
    for status in (ARCHIVED, DRAFT):
        await world.editorial.transition(EDITOR, once_public, status, None)
    with pytest.raises(InvalidState):
        await world.editorial.delete_draft(EDITOR, once_public)
    assert once_public in world.state.items
    assert world.uow.actions().count("content.delete") == 1


async def test_media_roles_one_cover_and_a_new_version(world: World) -> None:
    item = await world.editorial.create(EDITOR, ContentType.ARTICLE, ARTICLE)
    cover, photo = uuid.uuid4(), uuid.uuid4()
    with pytest.raises(ValidationFailed) as two_covers:
        await world.editorial.set_media(
            EDITOR, item.id, (MediaUse(cover, "cover"), MediaUse(photo, "cover", 1)), None
        )
    assert two_covers.value.field == "media"
    with pytest.raises(ValidationFailed) as bad_role:
        await world.editorial.set_media(
            EDITOR, item.id, (MediaUse(cover, "cover"), MediaUse(photo, "banner")), None
        )
    assert bad_role.value.field == "media[1].role"
    with pytest.raises(ValidationFailed):  # media that was never registered
        await world.editorial.set_media(EDITOR, item.id, (MediaUse(cover, "cover"),), None)
    assert world.state.items[item.id].version == 1

    image = NewMedia(kind="image", storage_key="k/1.jpg", url="https://cdn.example/1.jpg",
                     mime_type="image/jpeg", size_bytes=1000, alt_text="Море")  # fmt: skip
    cover = await world.content.media.add_media(EDITOR, image)
    with_cover = await world.editorial.set_media(EDITOR, item.id, (MediaUse(cover, "cover"),), 1)
    assert (with_cover.version, with_cover.media) == (2, (MediaUse(cover, "cover"),))
    await world.editorial.transition(EDITOR, item.id, REVIEW, 2)
    await world.editorial.transition(EDITOR, item.id, PUBLISHED, 3)
    read = await world.content.public.get_published("article", "anxiety-basics")
    assert [(m.id, m.role, m.alt_text) for m in read.media] == [(cover, "cover", "Море")]


async def test_clients_do_nothing_editorial(world: World) -> None:
    item = await world.editorial.create(OWNER, ContentType.ARTICLE, ARTICLE)
    attempts = [
        world.editorial.create(CLIENT, ContentType.ARTICLE, ARTICLE),
        world.editorial.get(CLIENT, item.id),
        world.editorial.update(CLIENT, item.id, ItemFields(title="X"), None),
        world.editorial.transition(CLIENT, item.id, REVIEW, None),
        world.editorial.delete_draft(CLIENT, item.id),
        world.editorial.versions(CLIENT, item.id),
        world.editorial.list_items(CLIENT, None, None, None, 10),
    ]
    for attempt in attempts:
        with pytest.raises(Forbidden):
            await attempt
    assert world.uow.actions() == ["content.create"]


async def test_the_editors_list_pages_newest_first_in_any_status(world: World) -> None:
    ids = []
    for n in range(5):
        item = await world.editorial.create(
            EDITOR, ContentType.NOTE, ItemFields(slug=f"n{n}", title=f"N{n}")
        )
        ids.append(item.id)
        world.clock.advance(minutes=1)
    await world.editorial.transition(EDITOR, ids[0], REVIEW, None)
    first = await world.editorial.list_items(EDITOR, None, None, None, 2)
    assert [i.id for i in first.items] == [ids[4], ids[3]]
    assert first.next_cursor is not None
    second = await world.editorial.list_items(EDITOR, None, None, first.next_cursor, 3)
    assert [i.id for i in second.items] == [ids[2], ids[1], ids[0]]
    assert second.next_cursor is None
    in_review = await world.editorial.list_items(EDITOR, "review", None, None, 10)
    assert [(i.id, i.status) for i in in_review.items] == [(ids[0], REVIEW)]


async def test_editors_list_glossary_terms_and_collections_in_any_status(world: World) -> None:
    taxonomy = world.content.taxonomy
    await taxonomy.put_glossary_term(EDITOR, "styd", "Стыд", "Чувство.", "draft", ("смущение",))
    await taxonomy.put_glossary_term(EDITOR, "gnev", "Гнев", "Злость.", "published", ())
    item_id = await _published(world)
    await taxonomy.put_collection(EDITOR, "start", "С чего начать", None, "draft", (item_id,))

    terms = await taxonomy.glossary_terms(OWNER)
    assert [(t.slug, t.status, t.synonyms) for t in terms] == [
        ("gnev", "published", ()), ("styd", "draft", ("смущение",)),
    ]  # fmt: skip
    assert [g.slug for g in await world.content.public.glossary(None)] == ["gnev"]
    collections = await taxonomy.collections(EDITOR)
    assert [(c.slug, c.status, c.item_ids) for c in collections] == [("start", "draft", (item_id,))]
    with pytest.raises(Forbidden):
        await taxonomy.glossary_terms(CLIENT)
    with pytest.raises(Forbidden):
        await taxonomy.collections(CLIENT)
