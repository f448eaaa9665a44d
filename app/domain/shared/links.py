"""The site's pages that messages link to, built from URL templates.

Every link the practice sends (e-mail, Telegram, a payment's return address) points at
the page of the object it is about — never the bare site root. The site itself (its
front end) is configured with ``SITE_URL``; each page's path is a template with named
placeholders, overridable one by one with ``SITE_PATH_<NAME>`` (e.g.
``SITE_PATH_MANAGE=/zapis/{token}``). Secrets (manage and reading tokens) travel in the
fragment by default, so they never reach a web server's access log.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import quote

# name -> path template; the placeholders each template may use are the ones shown.
DEFAULT_PATHS: Mapping[str, str] = MappingProxyType(
    {
        "appointment": "/cabinet/appointments/{appointment_id}",
        "manage": "/booking/manage#token={token}",
        "pay": "/cabinet/appointments/{appointment_id}/pay",
        "cabinet": "/cabinet",
        "waitlist": "/cabinet/waitlist",
        "waitlist_offer": "/waitlist/offer#token={token}",
        "service": "/services/{slug}",
        "booking": "/booking",
        "article": "/articles/{slug}",
        "self_check": "/self-checks/{slug}",
        "crisis": "/help/crisis",
        "question": "/questions/answer#token={token}",
        "my_questions": "/cabinet/questions",
        "data_request": "/privacy/confirm#token={token}",
        "data_download": "/privacy/download#token={token}",
        "contact_confirm": "/booking/confirm-email#token={token}",
        "staff_appointment": "/admin/appointments/{appointment_id}",
        "staff_moderation_item": "/admin/moderation/{item_id}",
        "staff_payment": "/admin/payments/{payment_id}",
        "staff_settings": "/admin/settings",
    }
)
_PLACEHOLDER = re.compile(r"{([a-z_]+)}")


class LinkTemplateError(ValueError):
    """A path template names a page or a placeholder that does not exist."""


def check_path(name: str, template: str) -> None:
    """Refuse an unknown page name, a path not starting with ``/`` or a placeholder the
    page does not provide (it would fail when the first message is sent)."""
    if name not in DEFAULT_PATHS:
        raise LinkTemplateError(f"unknown page {name!r}; known: {', '.join(DEFAULT_PATHS)}")
    if not template.startswith("/"):
        raise LinkTemplateError("must start with /")
    allowed = set(_PLACEHOLDER.findall(DEFAULT_PATHS[name]))
    used = set(_PLACEHOLDER.findall(template))
    if not used <= allowed:
        raise LinkTemplateError(f"may use only {sorted(allowed)}, not {sorted(used - allowed)}")


@dataclass(frozen=True, slots=True)
class SiteLinks:
    """Absolute links to the site's pages. ``site_url`` has no trailing slash."""

    site_url: str
    paths: Mapping[str, str] = field(default_factory=lambda: DEFAULT_PATHS)

    def __post_init__(self) -> None:
        object.__setattr__(self, "site_url", self.site_url.rstrip("/"))
        merged = dict(DEFAULT_PATHS)
        for name, template in self.paths.items():
            check_path(name, template)
            merged[name] = template
        object.__setattr__(self, "paths", MappingProxyType(merged))

    def _build(self, name: str, **values: object) -> str:
        template = self.paths[name]
        path = _PLACEHOLDER.sub(lambda m: quote(str(values[m.group(1)]), safe=""), template)
        return f"{self.site_url}{path}"

    def appointment(self, appointment_id: object) -> str:
        """The client's page of one appointment (signed-in clients)."""
        return self._build("appointment", appointment_id=appointment_id)

    def manage(self, token: str) -> str:
        """A guest's page of their appointment, opened with the manage token."""
        return self._build("manage", token=token)

    def pay(self, appointment_id: object) -> str:
        """Where the client pays (again) for an appointment."""
        return self._build("pay", appointment_id=appointment_id)

    def cabinet(self) -> str:
        return self._build("cabinet")

    def waitlist(self) -> str:
        return self._build("waitlist")

    def waitlist_offer(self, token: str) -> str:
        """Where the person offered a freed slot takes it (the offer's token)."""
        return self._build("waitlist_offer", token=token)

    def service(self, slug: str) -> str:
        """A service's page, where a new time can be chosen."""
        return self._build("service", slug=slug)

    def booking(self) -> str:
        """The list of services to book."""
        return self._build("booking")

    def article(self, slug: str) -> str:
        """A published article's page."""
        return self._build("article", slug=slug)

    def self_check(self, slug: str) -> str:
        """A published self-check's page."""
        return self._build("self_check", slug=slug)

    def crisis(self) -> str:
        """The page with the crisis resources (emergency contacts)."""
        return self._build("crisis")

    def question(self, token: str) -> str:
        """An anonymous author's private page to read the answer."""
        return self._build("question", token=token)

    def my_questions(self) -> str:
        """A signed-in author's questions with the answers they got."""
        return self._build("my_questions")

    def data_request(self, token: str) -> str:
        """Where a guest confirms an export or erasure request sent to their e-mail."""
        return self._build("data_request", token=token)

    def data_download(self, token: str) -> str:
        """Where a guest downloads, once, the export they confirmed."""
        return self._build("data_download", token=token)

    def contact_confirm(self, token: str) -> str:
        """Where a guest confirms the e-mail given with a booking."""
        return self._build("contact_confirm", token=token)

    def staff_appointment(self, appointment_id: object) -> str:
        return self._build("staff_appointment", appointment_id=appointment_id)

    def staff_moderation_item(self, item_id: object) -> str:
        return self._build("staff_moderation_item", item_id=item_id)

    def staff_payment(self, payment_id: object) -> str:
        return self._build("staff_payment", payment_id=payment_id)

    def staff_settings(self) -> str:
        return self._build("staff_settings")
