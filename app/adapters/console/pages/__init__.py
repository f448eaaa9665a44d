"""The console's pages: one Controller module a page; ``PAGES`` is what the router mounts."""

from __future__ import annotations

from litestar import Controller

from app.adapters.console.pages.content import ContentPage
from app.adapters.console.pages.sign_in import SignInPages
from app.adapters.console.pages.today import TodayPage

PAGES: list[type[Controller]] = [SignInPages, TodayPage]
PAGES.append(ContentPage)
