"""The bot's wording: ``message_templates`` of channel ``telegram`` (staff edit them
without a deploy), rendered with their variables; and the site links they carry."""

from __future__ import annotations

from typing import Any

from app.application.notifications import TemplateStore
from app.domain.notifications.templates import render_message
from app.domain.shared.links import SiteLinks


class BotTexts:
    def __init__(self, templates: TemplateStore, links: SiteLinks) -> None:
        self._templates = templates
        self.links = links
        """The site's pages the bot's messages link to."""

    async def render(self, code: str, variables: dict[str, str] | None = None) -> str:
        """The template ``code`` in Russian, filled in, without surrounding blank lines."""
        template = await self._templates.find(code, "telegram", "ru")
        if template is None:  # pragma: no cover (seeded by migration 0024)
            raise LookupError(f"no template {code}")
        return render_message(template.subject, template.body, variables or {}).text.strip()

    def link_target(self, payload: dict[str, Any]) -> str:
        """The site page a link's payload points to (a local path only), else the list
        of services to book (never the bare site root)."""
        path = payload.get("path")
        if (
            isinstance(path, str)
            and path.startswith("/")
            and not path.startswith("//")
            and path != "/"
        ):
            return f"{self.links.site_url}{path}"
        return self.links.booking()
