"""Our content tables as Django models (``managed = False``: Django never changes them)."""

from __future__ import annotations

from django.db import models


class Topic(models.Model):
    id = models.UUIDField(primary_key=True)
    code = models.TextField(unique=True)
    title = models.TextField()
    description = models.TextField(null=True)
    sort_order = models.IntegerField(default=0)

    class Meta:
        managed = False
        db_table = "topics"


class Tag(models.Model):
    id = models.UUIDField(primary_key=True)
    slug = models.TextField(unique=True)
    title = models.TextField()

    class Meta:
        managed = False
        db_table = "tags"


class MediaAsset(models.Model):
    id = models.UUIDField(primary_key=True)
    kind = models.TextField()
    storage_key = models.TextField(unique=True)
    url = models.TextField()
    mime_type = models.TextField()
    size_bytes = models.BigIntegerField()
    width = models.IntegerField(null=True)
    height = models.IntegerField(null=True)
    alt_text = models.TextField(null=True)
    created_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "media_assets"


class ContentItem(models.Model):
    id = models.UUIDField(primary_key=True)
    type = models.TextField()
    slug = models.TextField()
    title = models.TextField()
    summary = models.TextField(null=True)
    body_markdown = models.TextField()
    status = models.TextField()
    seo_title = models.TextField(null=True)
    seo_description = models.TextField(null=True)
    author_id = models.UUIDField(null=True)
    published_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.IntegerField()
    topics = models.ManyToManyField(Topic, through="ContentItemTopic", related_name="items")
    tags = models.ManyToManyField(Tag, through="ContentItemTag", related_name="items")

    class Meta:
        managed = False
        db_table = "content_items"


class ContentItemTopic(models.Model):
    pk = models.CompositePrimaryKey("content_item_id", "topic_id")
    content_item = models.ForeignKey(ContentItem, on_delete=models.CASCADE)
    topic = models.ForeignKey(Topic, on_delete=models.RESTRICT)

    class Meta:
        managed = False
        db_table = "content_item_topics"


class ContentItemTag(models.Model):
    pk = models.CompositePrimaryKey("content_item_id", "tag_id")
    content_item = models.ForeignKey(ContentItem, on_delete=models.CASCADE)
    tag = models.ForeignKey(Tag, on_delete=models.RESTRICT)

    class Meta:
        managed = False
        db_table = "content_item_tags"


class ContentMedia(models.Model):
    pk = models.CompositePrimaryKey("content_item_id", "media_asset_id", "role")
    content_item = models.ForeignKey(
        ContentItem, on_delete=models.CASCADE, related_name="media_uses"
    )
    media_asset = models.ForeignKey(MediaAsset, on_delete=models.RESTRICT)
    role = models.TextField()
    sort_order = models.IntegerField(default=0)

    class Meta:
        managed = False
        db_table = "content_media"
