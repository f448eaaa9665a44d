"""The model adapter's budget callback: each answer's reported tokens are spent against
the day's budget (``ModelGate.spend``), and a failure to record never fails the answer."""

from __future__ import annotations

import uuid

import pytest
from langchain_core.outputs import LLMResult
from structlog.testing import capture_logs

from app.adapters.llm.callbacks import UNREPORTED_TOKENS, BudgetCallback


class RecordingGate:
    def __init__(self, fail: bool = False) -> None:
        self.spent: list[int] = []
        self.fail = fail

    async def admit(self, caller: str) -> None:
        return None

    async def spend(self, tokens: int) -> None:
        if self.fail:
            raise ConnectionError("database down: секрет")
        self.spent.append(tokens)


def result(usage: dict[str, object] | None) -> LLMResult:
    return LLMResult(generations=[], llm_output={"token_usage": usage} if usage else None)


async def test_the_reported_prompt_and_completion_tokens_are_spent() -> None:
    gate = RecordingGate()
    callback = BudgetCallback(gate)
    await callback.on_llm_end(
        result({"prompt_tokens": 11, "completion_tokens": 5, "total_tokens": 16}),
        run_id=uuid.uuid4(),
    )
    await callback.on_llm_end(result({"prompt_tokens": 7}), run_id=uuid.uuid4())
    assert gate.spent == [16, 7]


@pytest.mark.parametrize(
    "usage", [None, {}, {"prompt_tokens": 0}, {"prompt_tokens": "many", "completion_tokens": None}]
)
async def test_an_answer_without_reported_usage_is_charged_a_fixed_amount(
    usage: dict[str, object] | None,
) -> None:
    # Otherwise a provider that reports nothing would never spend the budget.
    gate = RecordingGate()
    await BudgetCallback(gate).on_llm_end(result(usage), run_id=uuid.uuid4())
    assert gate.spent == [UNREPORTED_TOKENS]


async def test_a_failed_spend_is_logged_by_type_and_the_answer_stands() -> None:
    with capture_logs() as logs:
        await BudgetCallback(RecordingGate(fail=True)).on_llm_end(
            result({"prompt_tokens": 3, "completion_tokens": 2}), run_id=uuid.uuid4()
        )
    assert logs == [
        {"event": "llm_spend_not_recorded", "error_type": "ConnectionError", "log_level": "warning"}
    ]
