"""The content use cases built together: public reading (published content only), the
editorial workflow, the taxonomy (topics, tags, collections, glossary) and the media
library. They share one memory of published items, which every editorial write clears."""

from __future__ import annotations

from collections.abc import Callable

from app.application.content.editorial import Editorial
from app.application.content.media import MediaLibrary
from app.application.content.ports import PublishedItem
from app.application.content.reading import PublicContent
from app.application.content.taxonomy import Taxonomy
from app.application.content.transactions import ContentTransactions, ContentUoW, PublishedMemory
from app.application.ports import Clock
from app.application.recent_reads import MemoryInvalidation, RecentReads

# The name an editorial write announces to the other processes.
PUBLISHED_MEMORY = "content"


def _shared(item: PublishedItem) -> PublishedItem:
    """A remembered item is frozen: every reader may be given the same one."""
    return item


class ContentService:
    published: PublishedMemory
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
    ) -> None:
        """``cache_seconds``: how long this process remembers a published item (0: not);
        ``invalidation`` tells the other processes when an editorial write committed."""
        published: PublishedMemory = RecentReads(
            cache_seconds, _shared, name=PUBLISHED_MEMORY, invalidation=invalidation
        )
        self.published = published
        tx = ContentTransactions(uow, published)
        self.public = PublicContent(tx, published)
        self.editorial = Editorial(tx, clock, max_body_chars)
        self.taxonomy = Taxonomy(tx, max_body_chars)
        self.media = MediaLibrary(tx)
