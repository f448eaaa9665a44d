"""The Google Calendar adapter against the real google client with its own HTTP mocks
(`HttpMockSequence`, the bundled discovery document): no network."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.auth.exceptions import RefreshError
from googleapiclient.errors import HttpError
from googleapiclient.http import HttpMockSequence

from app.adapters.google_calendar.gateway import (
    GoogleCalendarGateway,
    MeetLinkPending,
    event_id_for,
)
from app.domain.shared.time_range import TimeRange

CALENDAR = "practice@example.org"
WINDOW = TimeRange(datetime(2030, 6, 3, tzinfo=UTC), datetime(2030, 6, 10, tzinfo=UTC))


def ok(body: dict[str, Any]) -> tuple[dict[str, str], str]:
    return {"status": "200"}, json.dumps(body)


def error(status: int, reason: str = "") -> tuple[dict[str, str], str]:
    return {"status": str(status)}, json.dumps({"error": {"code": status, "message": reason}})


class Recorder(HttpMockSequence):  # type: ignore[misc]
    """HttpMockSequence that also remembers which requests were made."""

    def __init__(self, responses: list[tuple[dict[str, str], str]]) -> None:
        super().__init__(responses)
        self.calls: list[tuple[str, str]] = []

    def request(self, uri: str, method: str = "GET", body: Any = None, headers: Any = None,
                redirections: int = 1, connection_type: Any = None) -> Any:  # fmt: skip
        self.calls.append((method, uri.split("?", maxsplit=1)[0]))
        return super().request(uri, method, body, headers, redirections, connection_type)


def gateway(http: Any, **kw: Any) -> GoogleCalendarGateway:
    return GoogleCalendarGateway(CALENDAR, lambda: http, **kw)


async def test_busy_time_is_parsed_and_cached() -> None:
    http = Recorder([ok({"calendars": {CALENDAR: {"busy": [
        {"start": "2030-06-04T07:00:00Z", "end": "2030-06-04T08:30:00Z"},
        {"start": "2030-06-05T10:00:00+03:00", "end": "2030-06-05T11:00:00+03:00"}]}}})])  # fmt: skip
    now = [0.0]
    calendar = gateway(http, monotonic=lambda: now[0])
    busy = await calendar.busy(WINDOW)
    assert busy == [
        TimeRange(datetime(2030, 6, 4, 7, tzinfo=UTC), datetime(2030, 6, 4, 8, 30, tzinfo=UTC)),
        TimeRange(datetime(2030, 6, 5, 7, tzinfo=UTC), datetime(2030, 6, 5, 8, tzinfo=UTC)),
    ]
    now[0] = 30.0
    assert await calendar.busy(WINDOW) == busy  # cached: no second request
    assert len(http.calls) == 1
    assert http.calls[0] == ("POST", "https://www.googleapis.com/calendar/v3/freeBusy")
    assert calendar.problem is None


async def test_an_outage_degrades_to_no_busy_time_with_a_health_flag() -> None:
    calendar = gateway(Recorder([error(503, "backend error")]))
    assert await calendar.busy(WINDOW) == []
    assert calendar.problem == "freebusy failed: HttpError"


class RevokedHttp:
    """The far side refusing the refresh token, as google-auth reports it."""

    def request(self, *args: Any, **kwargs: Any) -> Any:
        raise RefreshError("invalid_grant: Token has been expired or revoked.")


async def test_a_revoked_token_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    calendar = gateway(RevokedHttp())
    assert await calendar.busy(WINDOW) == []
    assert calendar.problem == "credentials revoked or expired (invalid_grant)"
    assert "calendar_credentials_invalid" in capsys.readouterr().err


async def test_insert_uses_our_event_id_and_a_retry_becomes_an_update() -> None:
    appointment = uuid.UUID("6f1c7d4e-2a5b-4c3d-9e8f-0a1b2c3d4e5f")
    session = TimeRange(datetime(2030, 6, 4, 7, tzinfo=UTC), datetime(2030, 6, 4, 8, tzinfo=UTC))
    http = Recorder([error(409, "duplicate"), ok({"id": event_id_for(appointment)})])
    made = await gateway(http).upsert_event(appointment, session, "Консультация")
    event_id = made.event_id
    assert event_id == event_id_for(appointment)
    assert made.meeting_url is None  # Meet links off: none asked for, none taken
    assert set(event_id) <= set("0123456789abcdefghijklmnopqrstuv")
    assert 5 <= len(event_id) <= 1024
    assert [m for m, _ in http.calls] == ["POST", "PUT"]
    assert http.calls[1][1].endswith(f"/events/{event_id}")


class BodyRecorder(Recorder):
    """Also keeps the request bodies (the insert's conferenceData request)."""

    def __init__(self, responses: list[tuple[dict[str, str], str]]) -> None:
        super().__init__(responses)
        self.bodies: list[Any] = []

    def request(self, uri: str, method: str = "GET", body: Any = None, headers: Any = None,
                redirections: int = 1, connection_type: Any = None) -> Any:  # fmt: skip
        self.bodies.append(json.loads(body) if body else None)
        return super().request(uri, method, body, headers, redirections, connection_type)


MEET = "https://meet.google.com/abc-defg-hij"


async def test_insert_with_a_meet_link_keeps_the_link_google_made() -> None:
    appointment = uuid.uuid4()
    http = BodyRecorder([ok({"id": event_id_for(appointment), "hangoutLink": MEET})])
    session = TimeRange(datetime(2030, 6, 4, 7, tzinfo=UTC), datetime(2030, 6, 4, 8, tzinfo=UTC))
    made = await gateway(http, meet_links=True).upsert_event(appointment, session, "Онлайн")
    assert made.meeting_url == MEET
    assert made.event_id == event_id_for(appointment)
    assert http.calls == [
        ("POST", "https://www.googleapis.com/calendar/v3/calendars/practice%40example.org/events")
    ]
    request = http.bodies[0]["conferenceData"]["createRequest"]
    assert request["conferenceSolutionKey"] == {"type": "hangoutsMeet"}


async def test_a_meet_link_from_the_conference_entry_points_of_a_retried_insert() -> None:
    answer = {"id": "x", "conferenceData": {"entryPoints": [
        {"entryPointType": "phone", "uri": "tel:+1-555"},
        {"entryPointType": "video", "uri": MEET}]}}  # fmt: skip
    http = Recorder([error(409, "duplicate"), ok(answer)])
    session = TimeRange(datetime(2030, 6, 4, 7, tzinfo=UTC), datetime(2030, 6, 4, 8, tzinfo=UTC))
    made = await gateway(http, meet_links=True).upsert_event(uuid.uuid4(), session, "Онлайн")
    assert made.meeting_url == MEET
    assert [m for m, _ in http.calls] == ["POST", "PUT"]


async def test_a_meet_link_still_pending_is_retried_by_the_outbox() -> None:
    pending = {"id": "x", "conferenceData": {
        "createRequest": {"status": {"statusCode": "pending"}}}}  # fmt: skip
    session = TimeRange(datetime(2030, 6, 4, 7, tzinfo=UTC), datetime(2030, 6, 4, 8, tzinfo=UTC))
    with pytest.raises(MeetLinkPending):
        await gateway(Recorder([ok(pending)]), meet_links=True).upsert_event(
            uuid.uuid4(), session, "Онлайн"
        )


@pytest.mark.parametrize("status", [404, 410])
async def test_deleting_an_event_that_is_gone_is_done(status: int) -> None:
    await gateway(Recorder([error(status)])).delete_event(uuid.uuid4())


async def test_other_failures_propagate_so_the_outbox_retries() -> None:
    with pytest.raises(HttpError):
        await gateway(Recorder([error(500)])).delete_event(uuid.uuid4())
    session = TimeRange(
        datetime(2030, 6, 4, tzinfo=UTC), datetime(2030, 6, 4, tzinfo=UTC) + timedelta(hours=1)
    )
    with pytest.raises(HttpError):
        await gateway(Recorder([error(403, "forbidden")])).upsert_event(uuid.uuid4(), session, "x")
