"""The deployment tools these tests drive (docker-compose, caddy): found on PATH, or the
test is skipped with the reason, unless REQUIRE_DEPLOY_TOOLS=1 (CI) makes it a failure."""

from __future__ import annotations

import os
import shutil

import pytest

INSTALL_HINT = "apt-get install docker-compose caddy"


def deploy_tool(name: str) -> str:
    """The path of ``name``; skip (or fail under REQUIRE_DEPLOY_TOOLS=1) when absent."""
    path = shutil.which(name)
    if path is not None:
        return path
    reason = f"{name} is not installed ({INSTALL_HINT})"
    if os.environ.get("REQUIRE_DEPLOY_TOOLS") == "1":
        pytest.fail(f"REQUIRE_DEPLOY_TOOLS=1 but {reason}")
    pytest.skip(reason)
