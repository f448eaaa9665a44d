"""The console's pages: one Controller module a page; ``PAGES`` is what the router mounts."""

from __future__ import annotations

from litestar import Controller

from app.adapters.console.pages.appointment import AppointmentPages
from app.adapters.console.pages.clients import ClientsPage
from app.adapters.console.pages.content import ContentPage
from app.adapters.console.pages.dashboards import DashboardsPage
from app.adapters.console.pages.moderation import ModerationPages
from app.adapters.console.pages.payments import PaymentsPage
from app.adapters.console.pages.schedule import SchedulePage
from app.adapters.console.pages.settings import SettingsPages
from app.adapters.console.pages.sign_in import SignInPages
from app.adapters.console.pages.today import TodayPage

PAGES: list[type[Controller]] = [SignInPages, TodayPage, AppointmentPages]
PAGES.append(ModerationPages)
PAGES.append(DashboardsPage)
PAGES.append(SettingsPages)
PAGES.append(SchedulePage)
PAGES.append(ClientsPage)
PAGES.append(PaymentsPage)
PAGES.append(ContentPage)
