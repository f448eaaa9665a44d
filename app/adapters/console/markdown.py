"""Markdown to HTML for the console's previews.

The public API hands out ``body_markdown`` as it was written and the site renders it
itself; nothing in the backend turned Markdown into HTML before the console. The preview
uses markdown-it-py (CommonMark) with raw HTML disabled, so text in ``<...>`` is shown
escaped and never runs; links with unsafe schemes (``javascript:``, ``data:``) are left
as text by markdown-it's link validation."""

from __future__ import annotations

from markdown_it import MarkdownIt

_RENDERER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def render_markdown(text: str) -> str:
    """Safe HTML for ``text`` (CommonMark, raw HTML escaped)."""
    html: str = _RENDERER.render(text or "")
    return html
