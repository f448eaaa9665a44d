"""Domain errors map to problem details with the right status and a stable code."""

from __future__ import annotations

import msgspec
import pytest

from app.adapters.http.problems import PROBLEM_JSON, Problem, handle_domain_error
from app.domain.errors import Conflict, DomainError, NotFound


class SlotTaken(Conflict):
    code = "slot_unavailable"
    title = "The slot is no longer available"


class TooLate(DomainError):
    code = "cancellation_window_closed"
    title = "Too late to cancel online"


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (NotFound(), 404, "not_found"),
        (Conflict("Edited by someone else."), 409, "conflict"),
        (SlotTaken(), 409, "slot_unavailable"),  # inherits its parent's status
        (TooLate(), 422, "cancellation_window_closed"),  # unmapped: a rule, 422
    ],
)
def test_domain_error_becomes_problem(error: DomainError, status: int, code: str) -> None:
    response = handle_domain_error(None, error)  # type: ignore[arg-type]
    assert response.status_code == status
    assert response.media_type == PROBLEM_JSON
    body = msgspec.convert(response.content, Problem)
    assert body.code == code
    assert body.type.endswith(code)
    assert body.status == status
    assert body.title == error.title
    assert body.detail == error.detail
