"""The replay's big reads split by blocks over two connections (``billing.sliced``, ADR 0027)
give exactly what the single read gives: the same ClockSet, column by column, with the
tables cut at every row (a ticket's events spread over many slices, read alternately by the
two connections), same-second events included; and every slice reads the one snapshot.

These need committed rows (a second connection sees nothing of the test's transaction), so
they run outside one (``transaction=True``), on PostgreSQL only; SQLite and reads inside a
transaction keep the single read, checked too."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import numpy as np
import pytest
from django.db import connection, transaction

from servicepact.billing import clockdata, sliced
from servicepact.billing.clockdata import ClockSet, fetch_ints
from servicepact.billing.sliced import SlicedReads
from servicepact.billing.testing import june_month, ny
from servicepact.tickets.choices import EventKind
from servicepact.tickets.models import Ticket, TicketEvent
from servicepact.tiers.comparison import plan_terms_of
from servicepact.tiers.replay import _candidates, replay_clocks
from servicepact.tiers.tests.test_replay_ties import NOW, resumed_and_paused_in_one_second

postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")

# Every array column of a ClockSet (the calendars, pauses and metrics are compared apart).
_COLUMNS = tuple(
    f.name for f in fields(ClockSet) if f.name not in ("calendars", "pauses", "metrics")
)


def _every_row(self: SlicedReads, qs: Any) -> list[str]:
    """Edges at every row of the queried table: each row its own slice."""
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(qs.model._meta.db_table)
        # By the tid, not by its text (an output column named ctid would order by that).
        cursor.execute(f"SELECT ctid::text AS edge FROM {table} ORDER BY ctid")
        return [str(row[0]) for row in cursor.fetchall()[1:]]


class _Spy:
    """Counts the slices read and the connections that read them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.connections: set[int] = set()
        self.slices = 0
        self.rows: dict[str, int] = {"tickets_ticketevent": 0, "tickets_ticket": 0}
        real = clockdata.read_packed

        def spy(conn: Any, query: str, *args: Any) -> Any:
            self.connections.add(id(conn))
            self.slices += 1
            found = real(conn, query, *args)
            assert found is not None
            table = "tickets_ticketevent" if '"tickets_ticketevent"' in query else "tickets_ticket"
            self.rows[table] += found.shape[0]
            return found

        monkeypatch.setattr(sliced, "read_packed", spy)


SINCE = ny(2025, 5, 1)  # June's tickets and July's


def _replay(june: Any) -> ClockSet:
    contract = june.contract
    return replay_clocks(
        contract_ids=[contract.pk],
        since=SINCE,
        cutoff=NOW,
        terms_of=plan_terms_of(contract, contract.plan),
    )


def _assert_same(a: ClockSet, b: ClockSet) -> None:
    for name in _COLUMNS:
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert np.array_equal(a.pauses.offsets, b.pauses.offsets)
    assert np.array_equal(a.pauses.start, b.pauses.start)
    assert np.array_equal(a.pauses.end, b.pauses.end)
    assert [(u.calendar.pk, u.timezone) for u in a.calendars] == [
        (u.calendar.pk, u.timezone) for u in b.calendars
    ]
    assert a.metrics == b.metrics


@postgres
@pytest.mark.django_db(transaction=True)
def test_sliced_replay_equals_the_single_read(clock, monkeypatch):
    june = june_month(clock)
    # Resumed and paused again in one second; the resume's row moved after the pause's.
    ticket = resumed_and_paused_in_one_second(june, clock)
    TicketEvent.objects.filter(ticket=ticket, kind=EventKind.RESUMED).update(public=True)

    monkeypatch.setattr(sliced, "ENABLED", False)
    single = _replay(june)
    assert len(single) > 10 and np.any(single.pauses.offsets[1:] > 0)

    monkeypatch.setattr(sliced, "ENABLED", True)
    monkeypatch.setattr(SlicedReads, "_edges", _every_row)
    spy = _Spy(monkeypatch)
    split = _replay(june)
    _assert_same(split, single)
    # Really cut at every row and read by both connections.
    events, tickets = TicketEvent.objects.count(), Ticket.objects.count()
    assert spy.slices == events + tickets
    assert len(spy.connections) == 2
    # Each row once: the candidates, and the events of their id range.
    candidates = list(_candidates([june.contract.pk], SINCE, NOW).values_list("pk", flat=True))
    assert spy.rows["tickets_ticket"] == len(candidates)
    in_range = TicketEvent.objects.filter(
        ticket_id__gte=min(candidates), ticket_id__lte=max(candidates)
    )
    assert spy.rows["tickets_ticketevent"] == in_range.count()


@postgres
@pytest.mark.django_db(transaction=True)
def test_a_lost_slice_would_show(clock, monkeypatch):
    """The comparison above can fail: a slice read as empty (one row: a ticket's opening)
    changes the clocks."""
    june = june_month(clock)
    monkeypatch.setattr(sliced, "ENABLED", False)
    single = _replay(june)
    monkeypatch.setattr(sliced, "ENABLED", True)
    monkeypatch.setattr(SlicedReads, "_edges", _every_row)
    # The last ticket's opening: without it, its clocks never start.
    opened = TicketEvent.objects.filter(kind=EventKind.OPENED).order_by("pk").last()
    assert opened is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT ctid::text FROM tickets_ticketevent WHERE id = %s", [opened.pk])
        ctid = cursor.fetchone()[0]
    real = clockdata.read_packed
    lost = []

    def lose_the_opening(conn: Any, query: str, params: Any, width: int, instants: Any) -> Any:
        found = real(conn, query, params, width, instants)
        if f">= '{ctid}'::tid" in query and "tickets_ticketevent" in query:
            lost.append(found)
            return found[:0]
        return found

    monkeypatch.setattr(sliced, "read_packed", lose_the_opening)
    broken = _replay(june)
    assert len(lost) == 1 and lost[0].shape == (1, 2)
    with pytest.raises(AssertionError):
        _assert_same(broken, single)


def _in_order(rows: Any) -> Any:
    """The rows by their first column (unique ids), whole rows kept together."""
    return rows[np.argsort(rows[:, 0], kind="stable")]


@postgres
@pytest.mark.django_db(transaction=True)
def test_every_slice_reads_one_snapshot(clock, monkeypatch):
    """An event deleted by another session after the reads began is still read by the
    second connection (opened later, at the first split read): it imports the snapshot."""
    june_month(clock)
    monkeypatch.setattr(SlicedReads, "_edges", _every_row)
    rows = TicketEvent.objects.order_by().values_list("id", "ticket_id")
    before = _in_order(fetch_ints(rows, 2))
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM tickets_ticketevent ORDER BY ctid")
        second = int(cursor.fetchall()[1][0])  # the second slice: the other connection's
    with SlicedReads() as reads:
        assert reads.parallel  # the snapshot is taken; the second connection not open yet
        other = connection.get_new_connection(connection.get_connection_params())
        try:
            other.autocommit = True
            other.execute("DELETE FROM tickets_ticketevent WHERE id = %s", [second])
        finally:
            other.close()
        parts = reads.fetch(rows, 2, (), np.asarray)
    assert len(parts) == TicketEvent.objects.count() + 1
    assert np.array_equal(_in_order(np.concatenate(parts)), before)
    assert second not in set(TicketEvent.objects.values_list("id", flat=True))


@pytest.mark.django_db
def test_inside_a_transaction_the_read_is_the_usual_one(clock, monkeypatch):
    """In a transaction (here the test's; also on SQLite) nothing is split: another
    connection would not see its rows."""
    june_month(clock)
    monkeypatch.setattr(SlicedReads, "_edges", _every_row)
    rows = TicketEvent.objects.order_by().values_list("id", "ticket_id")
    assert transaction.get_connection().in_atomic_block
    with SlicedReads() as reads:
        assert not reads.parallel
        parts = reads.fetch(rows, 2, (), np.asarray)
    assert len(parts) == 1
    assert np.array_equal(parts[0], fetch_ints(rows, 2))
