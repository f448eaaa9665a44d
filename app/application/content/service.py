"""The content use cases built together: public reading (published content only), the
editorial workflow, the taxonomy (topics, tags, collections, glossary) and the media
library. They share the memories of published items and of their list pages, which every
editorial write clears."""

from __future__ import annotations

from collections.abc import Callable

from app.application.content.editorial import Editorial
from app.application.content.media import MediaLibrary
from app.application.content.ports import ContentSummary, Page, PublishedItem
from app.application.content.reading import PublicContent
from app.application.content.taxonomy import Taxonomy
from app.application.content.transactions import (
    ContentTransactions,
    ContentUoW,
    PageMemory,
    PublishedMemory,
)
from app.application.ports import Clock
from app.application.recent_reads import MemoryInvalidation, RecentReads

# The name an editorial write announces to the other processes.
PUBLISHED_MEMORY = "content"


def _shared(item: PublishedItem) -> PublishedItem:
    """A remembered item is frozen: every reader may be given the same one."""
    return item


def _shared_page(page: Page[ContentSummary]) -> Page[ContentSummary]:
    """A remembered page is frozen (a frozen dataclass of frozen items); its list is
    never changed after it was read, so every reader may be given the same one."""
    return page


class ContentService:
    published: PublishedMemory
    pages: PageMemory
    public: PublicContent
    editorial: Editorial
    taxonomy: Taxonomy
    media: MediaLibrary

    def __init__(
        self,
        uow: Callable[[], ContentUoW],
        clock: Clock,
        max_body_chars: int,
        cache_seconds: float = 0,
        invalidation: MemoryInvalidation | None = None,
        reader: Callable[[], ContentUoW] | None = None,
    ) -> None:
        """``cache_seconds``: how long this process remembers a published item or a page
        of the public list (0: not); ``invalidation`` tells the other processes when an
        editorial write committed (one announcement, heard by both memories);
        ``reader``: units of work for the public reads, each one statement (outside a
        transaction where the adapter can), else ``uow``."""
        published: PublishedMemory = RecentReads(
            cache_seconds, _shared, name=PUBLISHED_MEMORY, invalidation=invalidation
        )
        pages: PageMemory = RecentReads(cache_seconds, _shared_page, name=PUBLISHED_MEMORY)
        self.published, self.pages = published, pages
        tx = ContentTransactions(uow, published, pages)
        public_tx = ContentTransactions(reader, published, pages) if reader else tx
        self.public = PublicContent(public_tx, published, pages)
        self.editorial = Editorial(tx, clock, max_body_chars)
        self.taxonomy = Taxonomy(tx, max_body_chars)
        self.media = MediaLibrary(tx)
