"""Today / week: the landing page of the console."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.response import Template

from app.adapters.console.session import View


class TodayPage(Controller):
    path = "/"

    @get("/", name="console_today")
    async def today(self, view: NamedDependency[View]) -> Template:
        return view.render("today.html")
