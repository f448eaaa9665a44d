"""The OpenAI-compatible adapter against a local stand-in for the provider's API.

A real HTTP server on 127.0.0.1 answers ``POST /v1/chat/completions`` from a queue of
scripted replies and records each request, so the tests see exactly what the adapter
sends: the model, the messages, the tools when bound, retries after a 500, a timeout.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import openai
import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.tools import tool
from prometheus_client import CollectorRegistry

from app.adapters.llm.metrics import LlmMetrics
from app.adapters.llm.openai_compatible import build_chat_model
from app.config import Settings, load_settings

PROMPT_SECRET = "мой сосед Пётр Кузнецов опять шумит ночью"
ANSWER_SECRET = "Попробуйте поговорить с ним днём, спокойно"


@dataclass
class Reply:
    status: int = 200
    body: dict[str, Any] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Provider:
    port: int
    replies: list[Reply]
    requests: list[dict[str, Any]]
    headers: list[dict[str, str]]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


def completion(message: dict[str, Any], finish: str = "stop") -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "balance-chat",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 11, "completion_tokens": 5, "total_tokens": 16},
    }


@pytest.fixture
def provider() -> Iterator[Provider]:
    replies: list[Reply] = []
    requests: list[dict[str, Any]] = []
    headers: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            requests.append(json.loads(self.rfile.read(length)))
            headers.append({k.lower(): v for k, v in self.headers.items()})
            if self.path != "/v1/chat/completions":
                self.send_response(404)
                self.end_headers()
                return
            reply = replies.pop(0) if replies else Reply(500, {"error": {"message": "empty"}})
            if reply.delay:
                time.sleep(reply.delay)
            payload = json.dumps(reply.body).encode()
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Provider(server.server_address[1], replies, requests, headers)
    server.shutdown()
    server.server_close()


def model_settings(provider: Provider, timeout: int = 20) -> Settings:
    return load_settings(
        {
            "LLM_PROVIDER": "openai",
            "LLM_BASE_URL": provider.base_url,
            "LLM_API_KEY": "sk-stub",
            "LLM_MODEL": "balance-chat",
            "LLM_TIMEOUT_SECONDS": str(timeout),
        }
    )


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float:
    value = registry.get_sample_value(name, labels)
    return 0.0 if value is None else value


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.getMessage()} {record.__dict__}")


@pytest.fixture
def captured_logs() -> Iterator[Captured]:
    """Every log record at DEBUG and above, from every logger (the provider's SDK too)."""
    handler = Captured()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


def test_request_shape_answer_metrics_and_no_text_in_logs(
    provider: Provider, captured_logs: Captured, capfd: pytest.CaptureFixture[str]
) -> None:
    provider.replies.append(Reply(body=completion({"role": "assistant", "content": ANSWER_SECRET})))
    registry = CollectorRegistry()
    model = build_chat_model(model_settings(provider), metrics=LlmMetrics(registry))
    assert model is not None
    answer = model.invoke([SystemMessage("Ты помощник записи."), HumanMessage(PROMPT_SECRET)])
    assert answer.content == ANSWER_SECRET
    (sent,) = provider.requests
    assert sent["model"] == "balance-chat"
    assert sent["messages"] == [
        {"role": "system", "content": "Ты помощник записи."},
        {"role": "user", "content": PROMPT_SECRET},
    ]
    assert "tools" not in sent
    assert provider.headers[0]["authorization"] == "Bearer sk-stub"
    assert sample(registry, "balance_llm_requests_total", outcome="ok") == 1
    assert sample(registry, "balance_llm_tokens_total", kind="prompt") == 11
    assert sample(registry, "balance_llm_tokens_total", kind="completion") == 5
    assert sample(registry, "balance_llm_request_seconds_count") == 1
    output = capfd.readouterr()
    logged = "\n".join([*captured_logs.lines, output.out, output.err])
    assert captured_logs.lines, "the capture saw no record at all"
    assert PROMPT_SECRET not in logged
    assert ANSWER_SECRET not in logged


@tool
def free_slots(date: str) -> str:
    """Free consultation times on a date (YYYY-MM-DD)."""
    return "10:00"


def test_bound_tools_are_sent_and_a_tool_call_comes_back_parsed(provider: Provider) -> None:
    provider.replies.append(
        Reply(
            body=completion(
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {
                                "name": "free_slots",
                                "arguments": json.dumps({"date": "2026-12-10"}),
                            },
                        }
                    ],
                },
                finish="tool_calls",
            )
        )
    )
    model = build_chat_model(model_settings(provider), metrics=LlmMetrics(CollectorRegistry()))
    assert model is not None
    answer = model.bind_tools([free_slots]).invoke("Есть время 10 декабря?")
    (sent,) = provider.requests
    (sent_tool,) = sent["tools"]
    assert sent_tool["type"] == "function"
    assert sent_tool["function"]["name"] == "free_slots"
    assert "date" in sent_tool["function"]["parameters"]["properties"]
    tool_calls = getattr(answer, "tool_calls", [])
    assert [(c["name"], c["args"], c["id"]) for c in tool_calls] == [
        ("free_slots", {"date": "2026-12-10"}, "call_1")
    ]


def test_a_server_error_is_retried(provider: Provider) -> None:
    provider.replies.extend(
        [
            Reply(500, {"error": {"message": "overloaded", "type": "server_error"}}),
            Reply(body=completion({"role": "assistant", "content": "Готово."})),
        ]
    )
    registry = CollectorRegistry()
    model = build_chat_model(model_settings(provider), metrics=LlmMetrics(registry))
    assert model is not None
    assert model.invoke("Привет").content == "Готово."
    assert len(provider.requests) == 2
    assert sample(registry, "balance_llm_requests_total", outcome="ok") == 1
    assert sample(registry, "balance_llm_requests_total", outcome="error") == 0


def test_a_timeout_raises_for_the_caller_to_fall_back(provider: Provider) -> None:
    slow = Reply(body=completion({"role": "assistant", "content": "поздно"}), delay=2.5)
    provider.replies.extend([slow, slow, slow])
    registry = CollectorRegistry()
    model = build_chat_model(model_settings(provider, timeout=1), metrics=LlmMetrics(registry))
    assert model is not None
    with pytest.raises(openai.APITimeoutError):
        model.invoke("Привет")
    # the first try and two retries, then the error reaches the caller
    assert len(provider.requests) == 3
    assert sample(registry, "balance_llm_requests_total", outcome="error") == 1
