"""A few seconds of memory for published items, per process.

``GET /content/{type}/{slug}`` is the most frequent read of the public site, and its
answer changes only when an editor changes the item. Each process keeps the rows it
read for ``ttl`` seconds (``CONTENT_CACHE_SECONDS``; 0 switches it off) and forgets all
of them as soon as an editorial write commits in the same process. Another process may
answer with the previous version for at most ``ttl`` seconds, well inside the
``Cache-Control: public, max-age=60`` the answer carries anyway. Only found items are
kept: an item that is not published yet is looked up again on every request.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from app.application.content.ports import Row

Key = tuple[str, str]


class PublishedItems:
    def __init__(
        self,
        ttl_seconds: float,
        max_items: int = 2048,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max = max_items
        self._now = monotonic
        self._rows: dict[Key, tuple[float, Row]] = {}

    @property
    def enabled(self) -> bool:
        return self._ttl > 0

    def get(self, key: Key) -> Row | None:
        entry = self._rows.get(key)
        if entry is None:
            return None
        expires, row = entry
        if self._now() >= expires:
            self._rows.pop(key, None)
            return None
        return dict(row)

    def put(self, key: Key, row: Row) -> None:
        if not self.enabled:
            return
        if len(self._rows) >= self._max:
            # Oldest first (dicts keep insertion order).
            self._rows.pop(next(iter(self._rows)))
        self._rows[key] = (self._now() + self._ttl, dict(row))

    def clear(self) -> None:
        self._rows.clear()

    def __len__(self) -> int:
        return len(self._rows)
