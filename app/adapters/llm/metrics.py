"""The model's Prometheus metrics; labels carry codes only, never prompt or answer text.

``balance_llm_requests_total{outcome}`` (ok, error), ``balance_llm_tokens_total{kind}``
(prompt, completion) and the ``balance_llm_request_seconds`` histogram.
"""

from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram

OUTCOMES = ("ok", "error")
TOKEN_KINDS = ("prompt", "completion")


class LlmMetrics:
    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.requests = Counter(
            "balance_llm_requests", "Model requests finished, by outcome (ok, error)",
            ["outcome"], registry=registry,
        )  # fmt: skip
        self.tokens = Counter(
            "balance_llm_tokens", "Tokens the provider reported, by kind (prompt, completion)",
            ["kind"], registry=registry,
        )  # fmt: skip
        self.seconds = Histogram(
            "balance_llm_request_seconds", "How long one model request took (retries included)",
            buckets=(0.25, 0.5, 1, 2, 5, 10, 20, 40, 80), registry=registry,
        )  # fmt: skip
        for outcome in OUTCOMES:
            self.requests.labels(outcome=outcome)
        for kind in TOKEN_KINDS:
            self.tokens.labels(kind=kind)


_default: list[LlmMetrics] = []


def default_metrics() -> LlmMetrics:
    """The process-wide metrics on the default registry (created once)."""
    if not _default:
        _default.append(LlmMetrics())
    return _default[0]
