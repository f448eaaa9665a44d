"""The ASGI entry point for external servers builds the app from the environment."""

from __future__ import annotations

import importlib
import sys

import pytest
from litestar import Litestar

from app.config import ConfigError


def test_the_asgi_module_needs_a_database_url_and_builds_the_app(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("APP_ENV", "test")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    sys.modules.pop("app.asgi", None)
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        importlib.import_module("app.asgi")
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:9/none")
    sys.modules.pop("app.asgi", None)
    module = importlib.import_module("app.asgi")
    assert isinstance(module.app, Litestar)
    sys.modules.pop("app.asgi", None)
