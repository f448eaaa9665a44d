"""The model's settings: off by default, what openai needs, and prod's refusals."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.adapters.llm.openai_compatible import TRACING_VARIABLES, build_chat_model
from app.config import ConfigError, load_settings
from tests.unit.test_config import PROD_OK

OPENAI = {
    "LLM_PROVIDER": "openai",
    "LLM_BASE_URL": "https://llm.example.ru/v1",
    "LLM_API_KEY": "sk-test-not-a-secret",
    "LLM_MODEL": "balance-chat",
}


def test_off_by_default() -> None:
    settings = load_settings({})
    assert settings.llm_provider == "off"
    assert settings.llm_timeout_seconds == 20
    assert settings.llm_provider_region is None


def test_openai_reads_every_setting_and_the_key_from_a_file(tmp_path: Path) -> None:
    key = tmp_path / "llm-key"
    key.write_text("sk-from-file\n", encoding="utf-8")
    environ = {k: v for k, v in OPENAI.items() if k != "LLM_API_KEY"}
    settings = load_settings(
        {
            **environ,
            "LLM_API_KEY_FILE": str(key),
            "LLM_TIMEOUT_SECONDS": "7",
            "LLM_PROVIDER_REGION": "ru",
        }
    )
    assert settings.llm_provider == "openai"
    assert settings.llm_api_key == "sk-from-file"
    assert (settings.llm_timeout_seconds, settings.llm_provider_region) == (7, "ru")


@pytest.mark.parametrize(
    ("override", "variable"),
    [
        ({"LLM_PROVIDER": "anthropic"}, "LLM_PROVIDER"),
        ({"LLM_BASE_URL": ""}, "LLM_BASE_URL"),
        ({"LLM_BASE_URL": "ftp://llm.example.ru"}, "LLM_BASE_URL"),
        ({"LLM_API_KEY": ""}, "LLM_API_KEY"),
        ({"LLM_MODEL": ""}, "LLM_MODEL"),
        ({"LLM_TIMEOUT_SECONDS": "0"}, "LLM_TIMEOUT_SECONDS"),
        ({"LLM_TIMEOUT_SECONDS": "soon"}, "LLM_TIMEOUT_SECONDS"),
        ({"LLM_PROVIDER_REGION": "mars"}, "LLM_PROVIDER_REGION"),
    ],
)
def test_bad_values_name_the_variable(override: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({**OPENAI, **override})
    assert error.value.variable == variable
    assert "sk-test-not-a-secret" not in str(error.value)


def test_prod_refuses_openai_without_a_declared_region() -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({**PROD_OK, **OPENAI})
    assert error.value.variable == "LLM_PROVIDER_REGION"


def test_prod_refuses_a_plain_http_model_address() -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(
            {
                **PROD_OK,
                **OPENAI,
                "LLM_PROVIDER_REGION": "abroad",
                "LLM_BASE_URL": "http://llm.example.ru/v1",
            }
        )
    assert error.value.variable == "LLM_BASE_URL"


def test_prod_accepts_a_declared_region_over_https() -> None:
    settings = load_settings({**PROD_OK, **OPENAI, "LLM_PROVIDER_REGION": "ru"})
    assert settings.llm_provider_region == "ru"


def test_prod_with_the_model_off_needs_none_of_it() -> None:
    assert load_settings(PROD_OK).llm_provider == "off"


def test_building_the_model_switches_langchains_outside_tracing_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in TRACING_VARIABLES:  # restored after the test
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("LANGSMITH_TRACING", "true")
    monkeypatch.setenv("LANGCHAIN_TRACING_V2", "true")
    settings = load_settings(
        {"LLM_PROVIDER": "openai", "LLM_BASE_URL": "http://127.0.0.1:9/v1",
         "LLM_API_KEY": "sk-test", "LLM_MODEL": "m"}
    )  # fmt: skip
    assert build_chat_model(settings) is not None
    assert {os.environ[name] for name in TRACING_VARIABLES} == {"false"}
