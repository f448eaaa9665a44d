"""What the assistants need from the rest of the system (ports), and their errors.

The adapters live in ``app/adapters/postgres`` (consent, budget, conversations) and
``app/adapters/llm`` (the model, the encrypted checkpointer); the composition root
wires them in ``app/composition/assistants.py``.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from app.domain.errors import DomainError
from app.domain.identity.errors import RateLimited


class AssistantUnavailable(DomainError):
    """No model is configured (or it cannot be used now) for an assistant that needs one."""

    code = "assistant_unavailable"
    title = "This assistant needs a language model, and none is available now"


class AssistantRateLimited(RateLimited):
    """One person asked the model too often in the window."""

    code = "assistant_rate_limited"
    title = "Too many assistant requests"


class ModelNotAdmitted(Exception):
    """The model may not be called now: the person's rate or the day's token budget is
    spent. Callers answer deterministically (or with ``AssistantUnavailable``)."""

    def __init__(self, reason: str, retry_after_seconds: int) -> None:
        super().__init__(reason)
        self.reason = reason  # "rate" or "budget"
        self.retry_after_seconds = retry_after_seconds


class AiConsent(Protocol):
    """Whether a user has a current ``ai_processing`` consent (recorded like the others)."""

    async def granted(self, user_id: uuid.UUID) -> bool: ...


class ModelGate(Protocol):
    """Admission before every model call: a per-caller rate and a daily token budget.

    ``caller`` is a stable pseudonymous key ("user:<uuid>", "staff:<uuid>", "anon:<hash>").
    ``admit`` raises :class:`ModelNotAdmitted`; ``spend`` records the tokens a call used
    (called by the model adapter's callback, never with text).
    """

    async def admit(self, caller: str) -> None: ...
    async def spend(self, tokens: int) -> None: ...


class ConversationOwners(Protocol):
    """Which user a conversation (a LangGraph thread) belongs to; checkpoints themselves
    are kept by the checkpointer. Erasure and retention delete both."""

    async def claim(self, thread_id: str, user_id: uuid.UUID, assistant: str) -> None:
        """Record (or touch) the thread for the user; ``Forbidden`` if another owns it."""
        ...

    async def owner(self, thread_id: str) -> uuid.UUID | None: ...


class CheckpointSource(Protocol):
    """Where a graph's LangGraph checkpoint saver comes from (the Postgres one opens its
    pool on first use). Typed loosely: LangGraph is an optional extra."""

    async def saver(self) -> Any: ...


class FixedCheckpoints:
    """A saver that already exists (LangGraph's InMemorySaver in tests)."""

    def __init__(self, saver: Any) -> None:
        self._saver = saver

    async def saver(self) -> Any:
        return self._saver
