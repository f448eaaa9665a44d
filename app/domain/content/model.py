"""Content items and their editorial workflow."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

import msgspec

from app.domain.errors import InvalidState, ValidationFailed

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG = 200
MAX_TITLE = 300
MAX_SUMMARY = 1000


class ContentType(StrEnum):
    ARTICLE = "article"
    NOTE = "note"
    PRACTICE = "practice"
    FAQ = "faq"
    QA = "qa"
    PAGE = "page"


class ContentStatus(StrEnum):
    DRAFT = "draft"
    REVIEW = "review"
    PUBLISHED = "published"
    ARCHIVED = "archived"


# The editorial workflow: which status may follow which.
TRANSITIONS: dict[ContentStatus, frozenset[ContentStatus]] = {
    ContentStatus.DRAFT: frozenset({ContentStatus.REVIEW}),
    ContentStatus.REVIEW: frozenset({ContentStatus.DRAFT, ContentStatus.PUBLISHED}),
    ContentStatus.PUBLISHED: frozenset({ContentStatus.ARCHIVED}),
    ContentStatus.ARCHIVED: frozenset({ContentStatus.DRAFT}),
}


def validate_slug(value: str, field_name: str = "slug") -> str:
    if len(value) > MAX_SLUG or not SLUG.match(value):
        raise ValidationFailed(
            "a slug is lower-case latin letters and digits separated by single hyphens",
            field=field_name,
        )
    return value


def validate_text(value: str, field_name: str, limit: int, *, required: bool = True) -> str:
    if required and not value.strip():
        raise ValidationFailed(f"{field_name} must not be empty", field=field_name)
    if len(value) > limit:
        raise ValidationFailed(f"{field_name} is longer than {limit} characters", field=field_name)
    return value


class ContentItem(msgspec.Struct, kw_only=True):
    """An item as editors see it: any status, with its version for optimistic locking."""

    id: uuid.UUID
    type: ContentType
    slug: str
    title: str
    body_markdown: str
    status: ContentStatus
    created_at: datetime
    summary: str | None = None
    seo_title: str | None = None
    seo_description: str | None = None
    author_id: uuid.UUID | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 1
    topics: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    media: tuple[MediaUse, ...] = ()

    def move_to(self, target: ContentStatus, now: datetime) -> None:
        if target not in TRANSITIONS[self.status]:
            raise InvalidState(
                f"A {self.status.value} item cannot become {target.value}.", field="status"
            )
        if target is ContentStatus.PUBLISHED and self.published_at is None:
            self.published_at = now
        self.status = target

    @property
    def is_public(self) -> bool:
        return self.status is ContentStatus.PUBLISHED

    def validate(self, max_body_chars: int) -> ContentItem:
        """The item itself, when its fields keep the limits; else ValidationFailed."""
        validate_slug(self.slug)
        validate_text(self.title, "title", MAX_TITLE)
        validate_text(self.body_markdown, "body_markdown", max_body_chars, required=False)
        for name, value in (
            ("summary", self.summary),
            ("seo_title", self.seo_title),
            ("seo_description", self.seo_description),
        ):
            if value is not None:
                validate_text(value, name, MAX_SUMMARY, required=False)
        for index, tag in enumerate(self.tags):
            validate_slug(tag, f"tags[{index}]")
        return self


class MediaUse(msgspec.Struct, frozen=True):
    """A media asset attached to an item in a role."""

    media_id: uuid.UUID
    role: str
    sort_order: int = 0


def validate_media_uses(uses: Sequence[MediaUse]) -> None:
    """Known roles, and at most one cover per item."""
    for index, use in enumerate(uses):
        if use.role not in MEDIA_ROLES:
            raise ValidationFailed(
                "role must be cover, inline or attachment", field=f"media[{index}].role"
            )
    if sum(1 for use in uses if use.role == "cover") > 1:
        raise ValidationFailed("an item has at most one cover", field="media")


MEDIA_KINDS = frozenset({"image", "audio", "video", "file"})
MEDIA_ROLES = frozenset({"cover", "inline", "attachment"})
MIME = re.compile(r"^(image|audio|video|application|text)/[a-z0-9.+-]{1,100}$")
MAX_MEDIA_BYTES = 200 * 1024 * 1024


def validate_media(kind: str, mime_type: str, size_bytes: int, url: str) -> None:
    if kind not in MEDIA_KINDS:
        raise ValidationFailed("unknown media kind", field="kind")
    if not MIME.match(mime_type):
        raise ValidationFailed("not a MIME type", field="mime_type")
    if kind in ("image", "audio", "video") and not mime_type.startswith(kind + "/"):
        raise ValidationFailed(f"an {kind} needs an {kind}/* MIME type", field="mime_type")
    if not 0 <= size_bytes <= MAX_MEDIA_BYTES:
        raise ValidationFailed("size_bytes is out of range", field="size_bytes")
    if not url.startswith(("https://", "/")):
        raise ValidationFailed("url must be https:// or a path on this site", field="url")
