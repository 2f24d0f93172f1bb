"""The ticket event log's schema: one typed, keyword-only constructor per event kind, and
``append``, the one function that writes a ``TicketEvent`` (``EventBatch``: the same for many
tickets, one INSERT).

A service builds the payload here and appends it: ``append(ticket, events.paused(status=...,
reason=...), actor=..., at=...)``. What each kind stores is therefore read in this file
only (Saleor's ``order/events.py`` is the model). ``status`` is ``(before, after)``.
Instants in payloads are ISO 8601 strings; ``None`` stays ``null``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from servicepact.accounts.actors import Actor
from servicepact.core.bulk import insert_rows
from servicepact.core.time import now as current_time
from servicepact.tickets.choices import EventKind
from servicepact.tickets.models import Ticket, TicketEvent
from servicepact.tickets.system_notes import Reason, reason_data

Pair = tuple[Any, Any]  # (before, after)


@dataclass(frozen=True)
class EventPayload:
    kind: str
    data: dict[str, Any]
    public: bool = True


def append(
    ticket: Ticket,
    event: EventPayload,
    *,
    actor: Actor = None,
    at: datetime | None = None,
    recorded_at: datetime | None = None,
) -> TicketEvent:
    """Appends the event (``at`` = when it happened, default when it is recorded)."""
    row = _row(ticket, event, actor=actor, at=at, recorded_at=recorded_at)
    row.save(force_insert=True)
    return row


class EventBatch:
    """Events appended for many tickets, written with one INSERT (``write``).

    ``append`` takes what ``events.append`` takes; nothing is written before ``write``,
    which keeps the order of the appends (the ids follow it). The rows are plain values
    (``core.bulk.insert_rows``: COPY on PostgreSQL), the same ``events.append`` saves."""

    def __init__(self) -> None:
        self.rows: list[tuple[Any, ...]] = []

    def append(
        self,
        ticket: Ticket,
        event: EventPayload,
        *,
        actor: Actor = None,
        at: datetime | None = None,
        recorded_at: datetime | None = None,
    ) -> None:
        at, recorded, author = _when_and_who(actor, at, recorded_at)
        self.rows.append(
            (ticket.pk, event.kind, at, recorded, author and author.pk, event.data, event.public)
        )

    def write(self) -> int:
        """Writes the appended events; returns how many."""
        rows, self.rows = self.rows, []
        return insert_rows(TicketEvent, _BATCH_FIELDS, rows)


_BATCH_FIELDS = ("ticket", "kind", "at", "recorded_at", "actor", "data", "public")


def _row(
    ticket: Ticket,
    event: EventPayload,
    *,
    actor: Actor,
    at: datetime | None,
    recorded_at: datetime | None,
) -> TicketEvent:
    at, recorded, author = _when_and_who(actor, at, recorded_at)
    return TicketEvent(
        ticket=ticket,
        kind=event.kind,
        at=at,
        recorded_at=recorded,
        actor=author,
        data=event.data,
        public=event.public,
    )


def _when_and_who(
    actor: Actor, at: datetime | None, recorded_at: datetime | None
) -> tuple[datetime, datetime, Actor]:
    """(when it happened, when recorded, the acting user or None): ``at`` defaults to the
    recording instant, itself now by default; the system and anonymous actors are None."""
    recorded = recorded_at or current_time()
    return at or recorded, recorded, actor if getattr(actor, "pk", None) else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _status(status: Pair) -> dict[str, Any]:
    return {"status": list(status)}


# ---------------------------------------------------------------- opening and status changes


def opened(
    *,
    priority: int,
    impact: int,
    urgency: int,
    coverage: str,
    contract: str | None,
    version: int | None,
    explanation: str,
    in_grace: bool,
    facts: dict[str, Any] | None = None,
) -> EventPayload:
    """``explanation``: the coverage explanation in English; ``facts``: the same as data
    (``assets.coverage.explain`` writes it in the reader's language)."""
    return EventPayload(
        EventKind.OPENED,
        {
            "priority": priority,
            "impact": impact,
            "urgency": urgency,
            "coverage": coverage,
            "contract": contract,
            "version": version,
            "explanation": explanation,
            "explanation_facts": facts or {},
            "in_grace": in_grace,
        },
    )


def acknowledged(*, status: Pair) -> EventPayload:
    return EventPayload(EventKind.ACKNOWLEDGED, _status(status))


def started(*, status: Pair) -> EventPayload:
    return EventPayload(EventKind.STARTED, _status(status))


def paused(*, status: Pair, reason: str) -> EventPayload:
    return EventPayload(EventKind.PAUSED, {**_status(status), "reason": reason})


def resumed(*, status: Pair, customer_reply: int | None = None) -> EventPayload:
    """``customer_reply``: the comment whose arrival resumed the ticket, if one did."""
    data = _status(status)
    if customer_reply is not None:
        data["customer_reply"] = customer_reply
    return EventPayload(EventKind.RESUMED, data)


def restored(*, status: Pair, note: str) -> EventPayload:
    return EventPayload(EventKind.RESTORED, {**_status(status), "note": note})


def fault_confirmed(*, status: Pair, note: str) -> EventPayload:
    """The fault is confirmed (问题确认): clocks "after confirmation" start here."""
    return EventPayload(EventKind.FAULT_CONFIRMED, {**_status(status), "note": note})


def dispatched(*, status: Pair, engineer: str) -> EventPayload:
    """An engineer is dispatched (派遣) to the customer."""
    return EventPayload(EventKind.DISPATCHED, {**_status(status), "engineer": engineer})


def escalated(*, status: Pair, level: tuple[int, int], reason: str) -> EventPayload:
    """Functional escalation to the next support level (``level`` = before, after)."""
    kind = EventKind.ESCALATED_L3 if level[1] >= 3 else EventKind.ESCALATED_L2
    return EventPayload(kind, {**_status(status), "level": list(level), "reason": reason})


def part_ordered(*, status: Pair, part_number: str, quantity: int) -> EventPayload:
    """The first spare part reserved or ordered for the ticket (``servicepact.stock``)."""
    data = {**_status(status), "part_number": part_number, "quantity": quantity}
    return EventPayload(EventKind.PART_ORDERED, data)


def part_delivered(*, status: Pair, part_number: str) -> EventPayload:
    """Every part the ticket waited for is delivered (``part_number``: the last one)."""
    return EventPayload(EventKind.PART_DELIVERED, {**_status(status), "part_number": part_number})


def onsite_arrived(*, status: Pair, engineer: str) -> EventPayload:
    return EventPayload(EventKind.ONSITE_ARRIVED, {**_status(status), "engineer": engineer})


def solution_proposed(*, status: Pair, solution: str) -> EventPayload:
    return EventPayload(EventKind.SOLUTION_PROPOSED, {**_status(status), "solution": solution})


def solution_declined(*, status: Pair, reason: str) -> EventPayload:
    return EventPayload(EventKind.SOLUTION_DECLINED, {**_status(status), "reason": reason})


def resolved(*, status: Pair, resolution: str, accepted: bool = False) -> EventPayload:
    """``accepted``: the customer accepted the proposed solution (stored only when true)."""
    data = {**_status(status), "resolution": resolution}
    if accepted:
        data["accepted"] = True
    return EventPayload(EventKind.RESOLVED, data)


def closed(*, status: Pair, automatic: bool, accepted: bool = False) -> EventPayload:
    data = {**_status(status), "automatic": automatic}
    if accepted:
        data["accepted"] = True
    return EventPayload(EventKind.CLOSED, data)


def reopened(*, status: Pair, reason: Reason) -> EventPayload:
    return EventPayload(EventKind.REOPENED, {**_status(status), **reason_data(reason)})


# ---------------------------------------------------------------- other changes of the ticket


def priority_changed(*, before: int, after: int, reason: str) -> EventPayload:
    return EventPayload(EventKind.PRIORITY_CHANGED, {"priority": [before, after], "reason": reason})


def assigned(*, assignee: Pair, team: Pair) -> EventPayload:
    """Usernames and team names, (before, after); staff-only."""
    return EventPayload(
        EventKind.ASSIGNED, {"assignee": list(assignee), "team": list(team)}, public=False
    )


def commented(*, comment_id: int, internal: bool) -> EventPayload:
    return EventPayload(
        EventKind.COMMENTED, {"comment_id": comment_id, "internal": internal}, public=not internal
    )


def terms_updated(*, contract_version: Pair, reason: Reason) -> EventPayload:
    """The ticket moved to another contract version (numbers, before and after)."""
    return EventPayload(
        EventKind.UPDATED, {"contract_version": list(contract_version), **reason_data(reason)}
    )


def coverage_reinstated(*, coverage: Pair, contract_version: Pair, reason: Reason) -> EventPayload:
    """A ticket opened in grace is covered after all: its contract was renewed."""
    return EventPayload(
        EventKind.UPDATED,
        {
            "coverage": list(coverage),
            "contract_version": list(contract_version),
            **reason_data(reason),
        },
    )


def breach_withdrawn(*, metric: str) -> EventPayload:
    """A retroactive event (e.g. an on-site arrival recorded late) proved the promise kept."""
    return EventPayload(EventKind.UPDATED, {"metric": metric, "breach_withdrawn": True})


# ---------------------------------------------------------------- clocks


def deadline_moved(
    *, metric: str, before: datetime | None, after: datetime | None, reason: Reason
) -> EventPayload:
    """A deadline moved for a reason that is not itself a ticket event (``after`` None: the
    clock no longer applies). A system-written reason is stored as a note too
    (``tickets.system_notes.reason_data``) and shown in the reader's language."""
    return EventPayload(
        EventKind.DEADLINE_MOVED,
        {"metric": metric, "before": _iso(before), "after": _iso(after), **reason_data(reason)},
    )


def threshold_crossed(*, metric: str, percent: int, deadline: datetime | None) -> EventPayload:
    return EventPayload(
        EventKind.THRESHOLD_CROSSED,
        {"metric": metric, "percent": percent, "deadline": _iso(deadline)},
        public=False,
    )


def breached(*, metric: str, deadline: datetime | None, target_seconds: int) -> EventPayload:
    return EventPayload(
        EventKind.BREACHED,
        {"metric": metric, "deadline": _iso(deadline), "target_seconds": target_seconds},
    )


# The constructors of each kind (a test checks that every kind has one, and only these).
CONSTRUCTORS: dict[str, tuple[Callable[..., EventPayload], ...]] = {
    EventKind.OPENED: (opened,),
    EventKind.ACKNOWLEDGED: (acknowledged,),
    EventKind.STARTED: (started,),
    EventKind.PAUSED: (paused,),
    EventKind.RESUMED: (resumed,),
    EventKind.RESTORED: (restored,),
    EventKind.FAULT_CONFIRMED: (fault_confirmed,),
    EventKind.DISPATCHED: (dispatched,),
    EventKind.ESCALATED_L2: (escalated,),
    EventKind.ESCALATED_L3: (escalated,),
    EventKind.ONSITE_ARRIVED: (onsite_arrived,),
    EventKind.PART_ORDERED: (part_ordered,),
    EventKind.PART_DELIVERED: (part_delivered,),
    EventKind.SOLUTION_PROPOSED: (solution_proposed,),
    EventKind.SOLUTION_DECLINED: (solution_declined,),
    EventKind.RESOLVED: (resolved,),
    EventKind.CLOSED: (closed,),
    EventKind.REOPENED: (reopened,),
    EventKind.PRIORITY_CHANGED: (priority_changed,),
    EventKind.ASSIGNED: (assigned,),
    EventKind.COMMENTED: (commented,),
    EventKind.DEADLINE_MOVED: (deadline_moved,),
    EventKind.THRESHOLD_CROSSED: (threshold_crossed,),
    EventKind.BREACHED: (breached,),
    EventKind.UPDATED: (terms_updated, breach_withdrawn, coverage_reinstated),
}
