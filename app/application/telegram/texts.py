"""The bot's wording: ``message_templates`` of channel ``telegram`` (staff edit them
without a deploy), rendered with their variables; and the site links they carry."""

from __future__ import annotations

from typing import Any

from app.application.notifications import TemplateStore
from app.domain.notifications.templates import render_message


class BotTexts:
    def __init__(self, templates: TemplateStore, public_base_url: str) -> None:
        self._templates = templates
        self._public_base_url = public_base_url

    async def render(self, code: str, variables: dict[str, str] | None = None) -> str:
        """The template ``code`` in Russian, filled in, without surrounding blank lines."""
        template = await self._templates.find(code, "telegram", "ru")
        if template is None:  # pragma: no cover (seeded by migration 0024)
            raise LookupError(f"no template {code}")
        return render_message(template.subject, template.body, variables or {}).text.strip()

    def link_target(self, payload: dict[str, Any]) -> str:
        """The site page a link's payload points to (a local path only), else the home page."""
        path = payload.get("path")
        if isinstance(path, str) and path.startswith("/") and not path.startswith("//"):
            return f"{self._public_base_url}{path}"
        return f"{self._public_base_url}/"
