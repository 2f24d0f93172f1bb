"""The desk queue: open tickets ordered by time to breach, with live clock states and counts.

Order: ``Ticket.next_deadline_at`` ascending with nulls last — a running clock past its
deadline has the earliest deadline of all, so breached tickets come first, then the next to
breach; tickets without a running clock (paused, out of contract) close the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Prefetch, QuerySet

from servicepact.tickets.live import LiveClock, SlaState, advance_snapshot, next_clock, ticket_state
from servicepact.tickets.models import SlaClock, Ticket
from servicepact.tickets.selectors import ticket_list

MAX_ROWS = 200


@dataclass(frozen=True)
class QueueRow:
    ticket: Ticket
    state: str
    clock: LiveClock | None  # the running clock with the nearest deadline
    clocks: list[LiveClock]

    @property
    def state_label(self) -> str:
        return str(SlaState(self.state).label)


@dataclass(frozen=True)
class Queue:
    rows: list[QueueRow]  # at most MAX_ROWS
    total: int
    counts: list[tuple[str, str, int]]  # (state, label, count) in SlaState order


def queue_tickets(user: Any, filters: dict[str, Any], now: datetime) -> QuerySet[Ticket]:
    within = filters.get("within")
    customer = filters.get("customer")
    qs = ticket_list(
        user,
        open_only=True,
        status=filters.get("status") or None,
        priority=filters.get("priority"),
        customer=customer.pk if customer else None,
        assignee=user.pk if filters.get("mine") else None,
        breaching_before=now + timedelta(hours=within) if within else None,
    )
    return (
        qs.prefetch_related(None)
        .prefetch_related(
            Prefetch(
                "clocks", queryset=SlaClock.objects.select_related("calendar").order_by("metric")
            )
        )
        .order_by(F("next_deadline_at").asc(nulls_last=True), "priority", "opened_at", "pk")
    )


def build_queue(user: Any, filters: dict[str, Any], now: datetime) -> Queue:
    rows = []
    for ticket in queue_tickets(user, filters, now):
        clocks = [advance_snapshot(c, ticket, now) for c in ticket.clocks.all()]
        rows.append(QueueRow(ticket, ticket_state(clocks), next_clock(clocks), clocks))
    tally = {state: 0 for state in SlaState.values}
    for row in rows:
        tally[row.state] += 1
    counts = [
        (state, str(label), tally[state])
        for state, label in SlaState.choices
        if state not in (SlaState.MET, SlaState.NOT_REQUIRED) or tally[state]
    ]
    return Queue(rows=rows[:MAX_ROWS], total=len(rows), counts=counts)
