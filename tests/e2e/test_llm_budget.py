"""The chat model built with a model gate spends each answer's tokens, as the provider
(here the local stand-in) reports them."""

from __future__ import annotations

from langchain_core.messages import HumanMessage
from prometheus_client import CollectorRegistry

from app.adapters.llm.metrics import LlmMetrics
from app.adapters.llm.openai_compatible import build_chat_model
from tests.e2e.test_llm_stub import Provider, Reply, completion, model_settings, provider
from tests.unit.assistants.test_budget_callback import RecordingGate

__all__ = ["provider"]  # the stand-in server's fixture


async def test_each_answer_spends_the_reported_tokens(provider: Provider) -> None:
    for _ in range(2):
        provider.replies.append(Reply(body=completion({"role": "assistant", "content": "Да"})))
    gate = RecordingGate()
    model = build_chat_model(
        model_settings(provider), metrics=LlmMetrics(CollectorRegistry()), gate=gate
    )
    assert model is not None
    await model.ainvoke([HumanMessage("Есть время в четверг?")])
    await model.ainvoke([HumanMessage("А в пятницу?")])
    assert gate.spent == [16, 16]  # 11 prompt + 5 completion tokens each


def test_without_a_gate_nothing_is_spent(provider: Provider) -> None:
    provider.replies.append(Reply(body=completion({"role": "assistant", "content": "Да"})))
    model = build_chat_model(model_settings(provider), metrics=LlmMetrics(CollectorRegistry()))
    assert model is not None
    assert [type(c).__name__ for c in model.callbacks or []] == ["MetricsCallback"]  # type: ignore[union-attr]
    model.invoke([HumanMessage("Есть время в четверг?")])
