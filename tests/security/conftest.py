"""Fixtures for the security regression suite: those of the end-to-end tests."""

from __future__ import annotations

from tests.e2e.conftest import inbox

__all__ = ["inbox"]
