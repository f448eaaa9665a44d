"""The composition root's entry points, for the CLI, the ASGI module and the tests.

The root itself is the ``app.composition`` package: one builder per context there
returns its services with their wiring, and ``app.composition.root`` assembles them.
Nothing here runs at import time; the CLI calls these functions after reading the
settings.
"""

from __future__ import annotations

from app.composition.booking import booking_repos
from app.composition.identity import personal_data_sections
from app.composition.infrastructure import resolve_database_url, resolve_keyring
from app.composition.root import (
    DEMO_OWNER_EMAIL,
    Core,
    build_core,
    create_app,
    create_owner,
    load_demo,
    rotate_keys,
    run_bot,
    serve_worker,
)

__all__ = [
    "DEMO_OWNER_EMAIL",
    "Core",
    "booking_repos",
    "build_core",
    "create_app",
    "create_owner",
    "load_demo",
    "personal_data_sections",
    "resolve_database_url",
    "resolve_keyring",
    "rotate_keys",
    "run_bot",
    "serve_worker",
]
