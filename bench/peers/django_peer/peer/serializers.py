"""DRF serializers giving the JSON of our answers (field names and nesting)."""

from __future__ import annotations

from rest_framework import serializers

from peer.models import ContentItem, ContentMedia, Tag, Topic


class TopicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ("code", "title", "description")


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ("slug", "title")


class MediaSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="media_asset.id")
    kind = serializers.CharField(source="media_asset.kind")
    url = serializers.CharField(source="media_asset.url")
    mime_type = serializers.CharField(source="media_asset.mime_type")
    width = serializers.IntegerField(source="media_asset.width", allow_null=True)
    height = serializers.IntegerField(source="media_asset.height", allow_null=True)
    alt_text = serializers.CharField(source="media_asset.alt_text", allow_null=True)

    class Meta:
        model = ContentMedia
        fields = ("id", "role", "kind", "url", "mime_type", "width", "height", "alt_text")


class ContentDetailSerializer(serializers.ModelSerializer):
    """S1: one published item with its topics, tags and media."""

    topics = TopicSerializer(many=True, read_only=True)
    tags = TagSerializer(many=True, read_only=True)
    media = MediaSerializer(source="media_uses", many=True, read_only=True)

    class Meta:
        model = ContentItem
        fields = (
            "id", "type", "slug", "title", "summary", "body_markdown", "seo_title",
            "seo_description", "published_at", "updated_at", "version", "topics", "tags",
            "media",
        )  # fmt: skip


class ContentSummarySerializer(serializers.ModelSerializer):
    """S2: a list item: topic codes and tag slugs, no body."""

    topics = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")

    class Meta:
        model = ContentItem
        fields = ("id", "type", "slug", "title", "summary", "published_at", "topics", "tags")
