"""The Django + DRF peer of the benchmark (bench/peers/django_peer) loads and routes.

Django is in the ``bench`` extra only, so this is skipped where it is not installed.
The check runs in a child process (``django.setup()`` configures Django for the whole
process) and touches no database: it resolves our paths to the peer's views and builds
their queries' SQL.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap

import pytest

from app.config import PROJECT_ROOT

PEER_DIR = PROJECT_ROOT / "bench" / "peers" / "django_peer"

CHECK = textwrap.dedent("""
    import django
    from django.test import RequestFactory
    from django.urls import resolve

    django.setup()
    from peer import models, views

    assert resolve("/health/live").func is views.live
    s2 = resolve("/api/v1/content")
    assert s2.func.view_class is views.ContentList
    s1 = resolve("/api/v1/content/article/statya-1")
    assert s1.func.view_class is views.ContentDetail
    assert s1.kwargs == {"type_name": "article", "slug": "statya-1"}
    assert not any(m._meta.managed for m in (models.ContentItem, models.Topic, models.Tag,
        models.ContentItemTopic, models.ContentItemTag, models.MediaAsset, models.ContentMedia))

    request = RequestFactory().get("/api/v1/content?topic=anxiety")
    view = views.ContentList()
    view.setup(request)
    view.request = view.initialize_request(request)
    listing = str(view.get_queryset().query)
    assert '"content_item_topics"' in listing and '"body_markdown"' not in listing, listing
    detail = views.ContentDetail()
    detail.setup(request, **s1.kwargs)
    assert '"content_items"."type" = article' in str(detail.get_queryset().query)
    print("peer ok")
""")


@pytest.mark.skipif(
    importlib.util.find_spec("django") is None
    or importlib.util.find_spec("rest_framework") is None,
    reason="django and djangorestframework are in the bench extra only",
)
def test_the_peer_project_imports_and_resolves_our_paths() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "peer.settings",
           "PEER_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/unused"}  # fmt: skip
    done = subprocess.run([sys.executable, "-c", CHECK], cwd=PEER_DIR, env=env,
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "peer ok"
