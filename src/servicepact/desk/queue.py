"""The desk queue: open tickets ordered by time to breach, with live clock states and counts.

Order: ``Ticket.next_deadline_at`` ascending with nulls last — a running clock past its
deadline has the earliest deadline of all, so breached tickets come first, then the next to
breach; tickets without a running clock (paused, out of contract) close the list. Ties go by
priority, opening time and id, the key of the partial index ``ticket_open_queue_idx``.

Everything is bounded by the page: one page of rows (``LIMIT``, keyset pages beyond the first
with ``?after=<cursor>``), their clocks prefetched and advanced to now with one engine call per
calendar, and the counts per SLA state on the columns that ``tickets.refresh`` stores
(``sla_state``, ``at_risk_from``, ``breach_from``): for every open ticket (no filter) the
running counts the database keeps (``tickets.open_counts``, ADR 0024), for a filtered queue
ONE aggregate query over the tickets it shows (``tickets.sla_state.count_by_state``).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

import numpy as np
from django.db.models import F, Field, Q, QuerySet
from django.utils.dateparse import parse_datetime

from servicepact.contracts.calendars import compiled_calendar
from servicepact.contracts.metrics import load_metrics
from servicepact.contracts.models import Calendar
from servicepact.core.sql import ids_in, plain_rows
from servicepact.core.time import local_date, to_epoch
from servicepact.customers.selectors import is_staff
from servicepact.tickets.live import LiveClock, next_clock, snapshot_at, snapshot_runs, ticket_state
from servicepact.tickets.models import SlaClock, Ticket
from servicepact.tickets.open_counts import open_counts
from servicepact.tickets.selectors import ticket_list
from servicepact.tickets.sla_state import SlaState, count_by_state

PAGE_SIZE = 50
QUEUE_ORDER = (F("next_deadline_at").asc(nulls_last=True), "priority", "opened_at", "pk")

Cursor = tuple[datetime | None, int, datetime, int]  # the sort key of the last row shown


@cache
def _choices(name: str) -> dict[Any, Any]:
    """A Ticket field's choices, value -> (lazy) label; the labels translate when shown."""
    field = Ticket._meta.get_field(name)
    assert isinstance(field, Field)
    return dict(field.flatchoices)


def _display(name: str, value: Any) -> str:
    """What ``Ticket.get_<name>_display()`` returns, in the active language."""
    return str(_choices(name).get(value, value))


@dataclass(frozen=True)
class QueueRow:
    ticket: Ticket
    state: str
    clock: LiveClock | None  # the running clock with the nearest deadline
    clocks: list[LiveClock]

    @property
    def category_label(self) -> str:
        """``get_category_display()`` without Django's per-call hashing of every choice."""
        return _display("category", self.ticket.category)

    @property
    def status_label(self) -> str:
        """``get_status_display()``, the same way."""
        return _display("status", self.ticket.status)

    @property
    def state_label(self) -> str:
        return str(SlaState(self.state).label)


@dataclass(frozen=True)
class Queue:
    rows: list[QueueRow]  # at most PAGE_SIZE
    total: int  # open tickets matching the filters, on every page
    counts: list[tuple[str, str, int]]  # (state, label, count) in SlaState order
    after: str = ""  # the cursor this page starts after ("" on the first page)
    next_cursor: str = ""  # the cursor of the next page ("" on the last page)


# ---------------------------------------------------------------- cursor


def encode_cursor(ticket: Ticket) -> str:
    key = [
        ticket.next_deadline_at.isoformat() if ticket.next_deadline_at else None,
        ticket.priority,
        ticket.opened_at.isoformat(),
        ticket.pk,
    ]
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def decode_cursor(value: str) -> Cursor | None:
    """The sort key in a cursor; None for a missing or malformed one (the first page)."""
    if not value:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
        deadline_s, priority, opened_s, pk = raw
        deadline = parse_datetime(deadline_s) if deadline_s is not None else None
        opened = parse_datetime(opened_s)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        return None
    if opened is None or opened.tzinfo is None or (deadline_s is not None and deadline is None):
        return None
    if deadline is not None and deadline.tzinfo is None:
        return None
    if not isinstance(priority, int) or not isinstance(pk, int):
        return None
    return deadline, priority, opened, pk


def after_cursor(cursor: Cursor) -> Q:
    """Rows strictly after the cursor in QUEUE_ORDER (nulls last)."""
    deadline, priority, opened, pk = cursor
    tail = Q(priority__gt=priority) | Q(priority=priority, opened_at__gt=opened)
    tail |= Q(priority=priority, opened_at=opened, pk__gt=pk)
    if deadline is None:
        return Q(next_deadline_at__isnull=True) & tail
    return (
        Q(next_deadline_at__gt=deadline)
        | Q(next_deadline_at__isnull=True)
        | (Q(next_deadline_at=deadline) & tail)
    )


# ---------------------------------------------------------------- queries


def queue_tickets(user: Any, filters: dict[str, Any], now: datetime) -> QuerySet[Ticket]:
    """The open tickets matching the filters, in queue order (no rows read yet)."""
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
    return qs.prefetch_related(None).order_by(*QUEUE_ORDER)


FILTERS = ("status", "priority", "customer", "mine", "within")


def every_open(user: Any, filters: dict[str, Any]) -> bool:
    """Whether the queue is every open ticket (staff, no filter): its counts are then the
    database's running counts (``tickets.open_counts``), not an aggregate over the tickets."""
    return is_staff(user) and not any(filters.get(name) for name in FILTERS)


# What a row shows and the cursor and the clocks need: a page reads only these columns (the
# ticket's other columns and those of its customer, asset and assignee are left unread).
ROW_COLUMNS = (
    "number",
    "subject",
    "category",
    "status",
    "priority",
    "priority_name",
    "opened_at",
    "customer_replied_at",
    "next_deadline_at",
    "customer__name",
    "asset__hostname",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__username",
)


def page_rows(tickets: QuerySet[Ticket], cursor: Cursor | None) -> list[Ticket]:
    """One page (plus one row that tells whether another page follows)."""
    if cursor is not None:
        tickets = tickets.filter(after_cursor(cursor))
    return list(
        tickets.select_related(None)
        .select_related("customer", "asset", "assignee")
        .only(*ROW_COLUMNS)[: PAGE_SIZE + 1]
    )


# ---------------------------------------------------------------- live clocks, in bulk


@dataclass(slots=True)
class ClockRow:
    """A stored clock's columns as the queue reads them: plain values, no model instance
    (``tickets.live.StoredClock``); the calendar is shared by the clocks that use it."""

    pk: int
    ticket_id: int
    metric: str
    state: str
    priority: int
    target_seconds: int
    target_source: str
    calendar_id: int
    calendar_revision: int
    timezone: str
    started_at: datetime | None
    stopped_at: datetime | None
    deadline_at: datetime | None
    breached_at: datetime | None
    elapsed_seconds: int
    evaluated_at: datetime
    next_check_at: datetime | None
    calendar: Calendar


CLOCK_COLUMNS = (
    "pk",
    "ticket_id",
    "metric",
    "state",
    "priority",
    "target_seconds",
    "target_source",
    "calendar_id",
    "calendar_revision",
    "timezone",
    "started_at",
    "stopped_at",
    "deadline_at",
    "breached_at",
    "elapsed_seconds",
    "evaluated_at",
    "next_check_at",
)


CALENDAR_COLUMNS = [field.attname for field in Calendar._meta.concrete_fields]


def page_clocks(tickets: list[Ticket]) -> dict[int, list[ClockRow]]:
    """The stored clocks of the page's tickets in metric order, with their calendars (every
    column, as ``Calendar.objects.in_bulk`` would read them; one instance per calendar): one
    query, read as plain rows (``core.sql.plain_rows``)."""
    width = len(CLOCK_COLUMNS)
    rows = plain_rows(
        SlaClock.objects.filter(ids_in("ticket_id", [t.pk for t in tickets]))
        .order_by("ticket_id", "metric")
        .values_list(*CLOCK_COLUMNS, *(f"calendar__{name}" for name in CALENDAR_COLUMNS))
    )
    calendars: dict[int, Calendar] = {}
    out: dict[int, list[ClockRow]] = {t.pk: [] for t in tickets}
    for row in rows:
        calendar = calendars.get(row[7])
        if calendar is None:
            calendar = calendars[row[7]] = Calendar.from_db(
                SlaClock.objects.db, CALENDAR_COLUMNS, row[width:]
            )
        out[row[1]].append(ClockRow(*row[:width], calendar))  # type: ignore[call-arg]
    return out


def advance_page(tickets: list[Ticket], now: datetime) -> dict[int, list[LiveClock]]:
    """Every stored clock of the page advanced to ``now``: for the running ones, the
    business seconds since their snapshot in one engine call per calendar and zone."""
    stored = page_clocks(tickets)
    opened = {t.pk: t.opened_at for t in tickets}
    groups: dict[tuple[int, int, str], list[ClockRow]] = defaultdict(list)
    elapsed: dict[int, int] = {}
    for clocks in stored.values():
        for clock in clocks:
            elapsed[clock.pk] = clock.elapsed_seconds
            if snapshot_runs(clock) and now > clock.evaluated_at:
                key = (clock.calendar_id, clock.calendar.revision, clock.timezone)
                groups[key].append(clock)
    for (_cal, _rev, zone), members in groups.items():
        first: date = min(local_date(opened[c.ticket_id], zone) for c in members)
        compiled = compiled_calendar(
            members[0].calendar,
            timezone=zone,
            first=first,
            last=max(first, local_date(now, zone)),
        )
        since = np.array([to_epoch(c.evaluated_at) for c in members])
        until = np.full(len(members), to_epoch(now))
        accrued = compiled.business_seconds_many(since, until)
        for clock, seconds in zip(members, accrued, strict=True):
            elapsed[clock.pk] += int(seconds)
    metrics = load_metrics()  # once per page: each clock is shown with its metric's name
    return {
        pk: [snapshot_at(c, elapsed[c.pk], metrics.get(c.metric)) for c in clocks]
        for pk, clocks in stored.items()
    }


# ---------------------------------------------------------------- the queue


def build_queue(user: Any, filters: dict[str, Any], now: datetime, after: str = "") -> Queue:
    tickets = queue_tickets(user, filters, now)
    cursor = decode_cursor(after)
    page = page_rows(tickets, cursor)
    shown = page[:PAGE_SIZE]
    live = advance_page(shown, now)
    rows = [
        QueueRow(t, ticket_state(live[t.pk]), next_clock(live[t.pk]), live[t.pk]) for t in shown
    ]
    total, tally = open_counts(now) if every_open(user, filters) else count_by_state(tickets, now)
    counts = [
        (state, str(label), tally[state])
        for state, label in SlaState.choices
        # "Not required" colours a clock, never a ticket (tickets.sla_state.state_of).
        if state != SlaState.NOT_REQUIRED and (state != SlaState.MET or tally[state])
    ]
    return Queue(
        rows=rows,
        total=total,
        counts=counts,
        after=after if cursor is not None else "",
        next_cursor=encode_cursor(shown[-1]) if len(page) > PAGE_SIZE else "",
    )
