"""The ``CalendarGateway`` over google-api-python-client.

The client is synchronous (httplib2, not thread-safe): every call runs in a thread with
a fresh authorised ``Http``. Busy time is cached briefly; a failure degrades to "no
external busy time" (booking never stops because Google is down) and is remembered as
the calendar's health, shown on /health/ready. A revoked or expired refresh token
(``invalid_grant``) is logged at error: a calendar that silently stops syncing is the
worst failure of comparable products. Event ids derive from appointment ids, so a
retried insert is an update and a repeated delete is a no-op.
"""

from __future__ import annotations

import asyncio
import base64
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import structlog
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from app.application.booking.ports import CalendarEvent
from app.application.recent_reads import RecentReads
from app.domain.shared.time_range import TimeRange

logger = structlog.get_logger(__name__)

CACHE_SECONDS = 60.0


def event_id_for(appointment_id: uuid.UUID) -> str:
    """Google's event id alphabet is base32hex (a-v, 0-9): 26 characters from a UUID."""
    return base64.b32hexencode(appointment_id.bytes).decode().lower().rstrip("=")


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class GoogleCalendarGateway:
    def __init__(
        self,
        calendar_id: str,
        http_factory: Callable[[], Any],
        *,
        meet_links: bool = False,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._calendar_id = calendar_id
        self._http_factory = http_factory
        self._meet = meet_links
        self._busy: RecentReads[tuple[datetime, datetime], list[TimeRange]] = RecentReads(
            CACHE_SECONDS, list, monotonic=monotonic
        )
        self.problem: str | None = None

    def _service(self) -> Any:
        return build(
            "calendar", "v3", http=self._http_factory(), static_discovery=True,
            cache_discovery=False,
        )  # fmt: skip

    def _record(self, exc: Exception, action: str) -> None:
        if "invalid_grant" in str(exc):
            self.problem = "credentials revoked or expired (invalid_grant)"
            logger.error("calendar_credentials_invalid", action=action)
        else:
            self.problem = f"{action} failed: {type(exc).__name__}"
            logger.warning("calendar_unavailable", action=action, error=type(exc).__name__)

    async def busy(self, window: TimeRange) -> list[TimeRange]:
        key = (window.start, window.end)
        cached = self._busy.get(key)
        if cached is not None:
            return cached
        try:
            busy = await asyncio.to_thread(self._freebusy, window)
        except Exception as exc:  # Google down or refusing: book without its busy time
            self._record(exc, "freebusy")
            return []
        self.problem = None
        self._busy.put(key, busy)
        return busy

    def _freebusy(self, window: TimeRange) -> list[TimeRange]:
        body = {
            "timeMin": window.start.isoformat(),
            "timeMax": window.end.isoformat(),
            "items": [{"id": self._calendar_id}],
        }
        answer = self._service().freebusy().query(body=body).execute()
        calendar = answer.get("calendars", {}).get(self._calendar_id, {})
        if calendar.get("errors"):
            raise RuntimeError(f"freebusy errors: {calendar['errors'][0].get('reason')}")
        return [
            TimeRange(_parse_time(b["start"]), _parse_time(b["end"]))
            for b in calendar.get("busy", [])
        ]

    async def upsert_event(
        self, appointment_id: uuid.UUID, session: TimeRange, title: str
    ) -> CalendarEvent:
        """Create (or update) the practitioner's event; the title carries no client data.
        With Meet links on, the answer's Meet link comes back with the event id."""
        return await asyncio.to_thread(self._upsert, appointment_id, session, title)

    def _upsert(self, appointment_id: uuid.UUID, session: TimeRange, title: str) -> CalendarEvent:
        event_id = event_id_for(appointment_id)
        body: dict[str, Any] = {
            "id": event_id,
            "summary": title,
            "start": {"dateTime": session.start.isoformat()},
            "end": {"dateTime": session.end.isoformat()},
        }
        extra: dict[str, Any] = {}
        if self._meet:
            meet = {"type": "hangoutsMeet"}
            body["conferenceData"] = {
                "createRequest": {"requestId": event_id, "conferenceSolutionKey": meet}
            }
            extra["conferenceDataVersion"] = 1
        events = self._service().events()
        try:
            answer = events.insert(calendarId=self._calendar_id, body=body, **extra).execute()
        except HttpError as exc:
            if exc.status_code != 409:
                raise
            # Already there (a retried delivery): bring it up to date instead.
            answer = events.update(
                calendarId=self._calendar_id, eventId=event_id, body=body, **extra
            ).execute()
        return CalendarEvent(event_id, meet_link(answer) if self._meet else None)

    async def delete_event(self, appointment_id: uuid.UUID) -> None:
        await asyncio.to_thread(self._delete, appointment_id)

    def _delete(self, appointment_id: uuid.UUID) -> None:
        try:
            self._service().events().delete(
                calendarId=self._calendar_id, eventId=event_id_for(appointment_id)
            ).execute()
        except HttpError as exc:
            if exc.status_code not in (404, 410):  # already gone
                raise


class MeetLinkPending(RuntimeError):
    """Google accepted the Meet request but has not made the link yet: the outbox
    retries the calendar step, whose update then returns the link."""


def meet_link(answer: dict[str, Any]) -> str | None:
    """The event's video link: ``hangoutLink``, else the conference's video entry point
    (https only); a request still pending is retried."""
    conference = answer.get("conferenceData") or {}
    candidates = [answer.get("hangoutLink")] + [
        point.get("uri") for point in conference.get("entryPoints", [])
        if point.get("entryPointType") == "video"
    ]  # fmt: skip
    for uri in candidates:
        if isinstance(uri, str) and uri.startswith("https://"):
            return uri
    status = conference.get("createRequest", {}).get("status", {}).get("statusCode")
    if status == "pending":
        raise MeetLinkPending("meet link pending")
    return None


def authorized_http_factory(credentials_file: str) -> Callable[[], Any]:
    """An ``Http`` factory from an OAuth user file (primary) or a service account."""
    import json  # noqa: PLC0415

    import google_auth_httplib2  # noqa: PLC0415
    import httplib2  # noqa: PLC0415
    from google.oauth2 import credentials as user_credentials  # noqa: PLC0415
    from google.oauth2 import service_account  # noqa: PLC0415

    scopes = ["https://www.googleapis.com/auth/calendar"]
    with open(credentials_file, encoding="utf-8") as handle:
        kind = json.load(handle).get("type")
    creds: Any
    if kind == "service_account":
        account: Any = service_account.Credentials
        creds = account.from_service_account_file(credentials_file, scopes=scopes)
    else:
        user: Any = user_credentials.Credentials
        creds = user.from_authorized_user_file(credentials_file, scopes)

    def factory() -> Any:
        return google_auth_httplib2.AuthorizedHttp(creds, http=httplib2.Http(timeout=15))

    return factory
