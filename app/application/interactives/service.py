"""Interactives: self-checks scored on the server, with nothing of the answers kept.

A run is started against the published version and completed once: the answers are
checked and scored in memory, and only the aggregate (level or profile, the crisis
flag, the duration) is stored, encrypted: a result band or a crisis flag of a person is
health data (P2). Answers never reach the database, a log line or an event, and the
result reaches no analytics event, lead timeline, deep link or log line either. A run
started without signing in gets a claim token, returned once; claiming the run after
signing in needs it. Editors write definitions and immutable versions; publishing a new
version leaves runs in progress on the version they started with.

This module builds the use cases together (``runs``, ``definitions``) and holds the two
jobs that tidy runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import structlog

from app.application.interactives.definitions import InteractiveDefinitions
from app.application.interactives.ports import DeepLinkIssuer
from app.application.interactives.runs import InteractiveRuns, InteractivesUoW
from app.application.ports import Clock
from app.application.transactions import in_transaction

logger = structlog.get_logger(__name__)

ABANDON_AFTER = timedelta(hours=24)
SEAL_BATCH = 200


class InteractiveService:
    runs: InteractiveRuns
    definitions: InteractiveDefinitions

    def __init__(
        self,
        uow: Callable[[], InteractivesUoW],
        clock: Clock,
        deep_links: DeepLinkIssuer | None = None,
    ) -> None:
        self._uow = uow
        self.runs = InteractiveRuns(uow, clock, deep_links)
        self.definitions = InteractiveDefinitions(uow)

    async def abandon_stale(self, now: datetime) -> int:
        """Job: runs not completed within a day are marked abandoned."""

        async def work(uow: InteractivesUoW) -> int:
            return await uow.repos.runs.abandon(now - ABANDON_AFTER)

        count = await in_transaction(self._uow, work)
        if count:
            logger.info("interactive_runs_abandoned", count=count)
        return count

    async def seal_legacy_results(self) -> int:
        """Job: results written in plaintext before 0035 move into the encrypted column,
        a batch per transaction, until none is left."""

        async def work(uow: InteractivesUoW) -> int:
            return await uow.repos.runs.seal_legacy_results(SEAL_BATCH)

        total = 0
        while (sealed := await in_transaction(self._uow, work)) > 0:
            total += sealed
            if sealed < SEAL_BATCH:
                break
        if total:
            logger.info("interactive_results_sealed", count=total)
        return total
