"""Fakes for the staff assistants' tests: a scripted chat model that keeps every message
list it was given, and a model gate in memory."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatResult
from pydantic import Field

from app.application.assistants.ports import ModelNotAdmitted


class RecordingChatModel(FakeMessagesListChatModel):
    """Answers the scripted replies in turn; ``seen`` holds what each call received."""

    seen: list[list[BaseMessage]] = Field(default_factory=list)

    def _generate(
        self, messages: list[BaseMessage], stop: list[str] | None = None,
        run_manager: Any = None, **kwargs: Any,
    ) -> ChatResult:  # fmt: skip
        self.seen.append(list(messages))
        return super()._generate(messages, stop, run_manager, **kwargs)

    def sent_text(self) -> str:
        """Everything every call was given, as one text."""
        return "\n".join(str(m.content) for call in self.seen for m in call)


def recording(*replies: str) -> RecordingChatModel:
    return RecordingChatModel(responses=[AIMessage(content=r) for r in replies])


class MemoryGate:
    """Admits until ``refuse`` is set to ``"rate"`` or ``"budget"``; keeps the callers."""

    def __init__(self, refuse: str | None = None) -> None:
        self.refuse = refuse
        self.callers: list[str] = []

    async def admit(self, caller: str) -> None:
        self.callers.append(caller)
        if self.refuse is not None:
            raise ModelNotAdmitted(self.refuse, 60)

    async def spend(self, tokens: int) -> None:
        return None
