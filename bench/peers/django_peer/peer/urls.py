"""The paths of our API for S1 and S2, and B0 (``/health/live``)."""

from __future__ import annotations

from django.urls import path

from peer import views

urlpatterns = [
    path("health/live", views.live, name="live"),
    path("api/v1/content", views.ContentList.as_view(), name="content-list"),
    path(
        "api/v1/content/<str:type_name>/<str:slug>",
        views.ContentDetail.as_view(),
        name="content-detail",
    ),
]
