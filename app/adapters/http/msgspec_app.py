"""Litestar without its pydantic plugins.

Litestar adds its pydantic plugins (dependency injection, init, schema) to every app
whenever pydantic is installed, and importing them loads pydantic: ~10 MB in every
process that serves HTTP (the API and the worker's internal listener), although no
handler here takes or returns a pydantic model (msgspec structs at every edge).
pydantic is installed for aiogram and LangChain, which load it themselves when they are
configured. No setting leaves the plugins out, so this subclass overrides the private
``_get_default_plugins`` to add only the msgspec one;
``tests/unit/test_litestar_internals.py`` checks the method's shape on the pinned
Litestar, and ``tests/unit/test_lazy_integrations.py`` that pydantic stays unloaded.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.plugins import PluginProtocol
from litestar.plugins.core import MsgspecDIPlugin


class MsgspecLitestar(Litestar):
    @staticmethod
    def _get_default_plugins(plugins: list[PluginProtocol]) -> list[PluginProtocol]:
        plugins.append(MsgspecDIPlugin())
        return plugins
