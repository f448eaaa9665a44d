"""S1 and S2 as DRF generic views, and B0 as a plain Django view."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import cache_control
from rest_framework import generics
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from peer.models import ContentItem, ContentMedia, Tag, Topic
from peer.serializers import ContentDetailSerializer, ContentSummarySerializer

public = method_decorator(cache_control(public=True, max_age=60), name="dispatch")


def live(request: HttpRequest) -> JsonResponse:
    """B0: the framework's ceiling (routing, middleware, a JSON answer)."""
    return JsonResponse({"status": "ok"})


def _topics() -> Prefetch:
    return Prefetch("topics", queryset=Topic.objects.order_by("sort_order", "code"))


def _tags() -> Prefetch:
    return Prefetch("tags", queryset=Tag.objects.order_by("slug"))


class ContentPagination(CursorPagination):
    """Newest first, ``?limit=`` (1–100) and an opaque ``cursor``; our page shape."""

    ordering = ("-published_at", "-id")
    page_size = 20
    page_size_query_param = "limit"
    max_page_size = 100

    def get_paginated_response(self, data: Any) -> Response:
        link = self.get_next_link()
        cursor = parse_qs(urlsplit(link).query).get("cursor", [None])[0] if link else None
        return Response({"items": data, "next_cursor": cursor})


@public
class ContentList(generics.ListAPIView):  # type: ignore[type-arg]
    """S2: ``GET /api/v1/content?topic=&type=&tag=&limit=``."""

    serializer_class = ContentSummarySerializer
    pagination_class = ContentPagination

    def get_queryset(self) -> QuerySet[ContentItem]:
        items = (
            ContentItem.objects.filter(status="published")
            .defer("body_markdown")
            .prefetch_related(_topics(), _tags())
        )
        params = self.request.query_params
        if kind := params.get("type"):
            items = items.filter(type=kind)
        if topic := params.get("topic"):
            items = items.filter(topics__code=topic)
        if tag := params.get("tag"):
            items = items.filter(tags__slug=tag)
        return items


@public
class ContentDetail(generics.RetrieveAPIView):  # type: ignore[type-arg]
    """S1: ``GET /api/v1/content/<type>/<slug>`` with an ETag (304 on If-None-Match)."""

    serializer_class = ContentDetailSerializer
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[ContentItem]:
        media = ContentMedia.objects.select_related("media_asset").order_by(
            "role", "sort_order", "media_asset_id"
        )
        return ContentItem.objects.filter(
            status="published", type=self.kwargs["type_name"]
        ).prefetch_related(_topics(), _tags(), Prefetch("media_uses", queryset=media))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        key = f"{item.id}:{item.version}".encode()
        etag = '"' + hashlib.sha256(key).hexdigest()[:32] + '"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(self.get_serializer(item).data, headers={"ETag": etag})
