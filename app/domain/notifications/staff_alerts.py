"""Staff alerts: the kinds of event staff are told about, who may receive each and who
does by default. An alert names the kind, a time, a service title at most and a staff
link; never anything a client wrote, nor a health fact beside a person."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum

from app.domain.identity.model import Role


class AlertKind(StrEnum):
    BOOKING_PAID = "booking_paid"
    BOOKING_CHANGED = "booking_changed"  # a cancellation or a reschedule
    CRISIS = "crisis"  # a crisis-flagged question or self-check
    SLA = "sla"  # a moderation item near its SLA
    PAYMENT_ATTENTION = "payment_attention"  # a mismatch or a failed refund
    CALENDAR = "calendar"  # the Google Calendar link failing


ALL_KINDS = frozenset(AlertKind)
# What each role works on (privacy-security.md, "Roles"): editors moderate, so they may
# hear of crisis items and SLAs, not of bookings or payments.
KINDS_BY_ROLE: Mapping[Role, frozenset[AlertKind]] = {
    Role.OWNER: ALL_KINDS,
    Role.ASSISTANT: ALL_KINDS,
    Role.EDITOR: frozenset({AlertKind.CRISIS, AlertKind.SLA}),
}


def allowed_kinds(roles: Iterable[str]) -> frozenset[AlertKind]:
    """The kinds a person holding ``roles`` may receive."""
    kinds: set[AlertKind] = set()
    for role in roles:
        if role in KINDS_BY_ROLE:
            kinds |= KINDS_BY_ROLE[Role(role)]
    return frozenset(kinds)


def receives(kind: AlertKind, roles: Iterable[str], choice: bool | None) -> bool:
    """Whether a person with ``roles`` receives ``kind``: their own ``choice`` when they
    made one, else the default — on for the owner, off for everyone else."""
    roles = frozenset(roles)
    if kind not in allowed_kinds(roles):
        return False
    return choice if choice is not None else Role.OWNER in roles


def preferences(roles: Iterable[str], choices: Mapping[str, bool]) -> dict[AlertKind, bool]:
    """Every kind the person may receive, with whether they do."""
    roles = frozenset(roles)
    return {
        kind: receives(kind, roles, choices.get(kind.value))
        for kind in sorted(allowed_kinds(roles))
    }
