"""Rendering message templates: ``{name}`` placeholders filled from plain values.

Only bare names are allowed (no attribute access, indexing or format specs), so a
template edited by staff can never reach into objects; a placeholder without a value
is an error, never an empty hole in a message.
"""

from __future__ import annotations

import html
import string
from collections.abc import Mapping
from dataclasses import dataclass

from app.domain.errors import ValidationFailed

_FORMATTER = string.Formatter()


class TemplateError(ValidationFailed):
    code = "template_invalid"
    title = "The message template cannot be rendered"


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    subject: str | None
    text: str
    html: str


def placeholders(template: str) -> set[str]:
    """The names a template uses; raises ``TemplateError`` for anything but bare names."""
    names: set[str] = set()
    try:
        parsed = list(_FORMATTER.parse(template))
    except ValueError as exc:
        raise TemplateError(f"malformed template: {exc}") from None
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if not field.isidentifier() or spec or conversion:
            raise TemplateError(f"placeholder '{{{field}}}' must be a plain name")
        names.add(field)
    return names


def render_text(template: str, values: Mapping[str, str]) -> str:
    missing = placeholders(template) - set(values)
    if missing:
        raise TemplateError(f"no value for {', '.join(sorted(missing))}")
    return template.format_map({k: str(v) for k, v in values.items()})


def text_to_html(text: str) -> str:
    """A minimal HTML part: escaped paragraphs, line breaks kept."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    body = "".join("<p>" + html.escape(p).replace("\n", "<br>\n") + "</p>\n" for p in paragraphs)
    return f'<!doctype html>\n<html lang="ru"><body>\n{body}</body></html>\n'


def render_message(subject: str | None, body: str, values: Mapping[str, str]) -> RenderedMessage:
    text = render_text(body, values)
    return RenderedMessage(
        subject=render_text(subject, values) if subject is not None else None,
        text=text,
        html=text_to_html(text),
    )
