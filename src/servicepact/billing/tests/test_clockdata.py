"""The bulk clock data agrees with the engine's per-ticket clocks, as of any cut-off."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from servicepact.billing.clockdata import METRICS, NONE, load_clocks
from servicepact.billing.testing import june_month, ny
from servicepact.core.time import to_epoch
from servicepact.tickets import services as ts
from servicepact.tickets.models import SlaClock
from servicepact.tickets.testing import world

pytestmark = pytest.mark.django_db


def test_bulk_clocks_match_the_stored_engine_clocks(clock):
    """As of now (1 Jul 12:00) the 21 stopped clocks (T6 3, T1 4, T2 4, T3 3, T4 4, T7 1, T5 2)
    have the state, elapsed time and breach instant that ``refresh_clocks`` stored with
    ``evaluate_clock``; T7's resolution is the one clock still running."""
    june = june_month(clock)
    cut = ny(2025, 7, 1, 12)
    data = load_clocks(since=ny(2025, 1, 1), cutoff=cut, contract_ids=[june.contract.pk])
    stored = {
        c.pk: c
        for c in SlaClock.objects.filter(ticket__contract=june.contract, stopped_at__isnull=False)
    }
    assert (len(stored), int(data.stopped.sum()), len(data)) == (21, 21, 22)
    for i in np.flatnonzero(data.stopped).tolist():
        c = stored[int(data.clock_id[i])]
        assert METRICS[data.metric[i]] == c.metric
        assert int(data.elapsed[i]) == c.elapsed_seconds
        assert ("breached" if data.breached[i] else "met") == c.state
        if data.breached[i]:
            assert int(data.deadline[i]) == to_epoch(c.breached_at)


def test_a_cutoff_before_the_stop_sees_a_running_clock(clock):
    """T2's first response (P1, 30 min, opened Tue 09:00, acknowledged 09:45): as of 09:20 it
    runs with 20 min; as of 09:40 it is breached since 09:30 though still running."""
    june = june_month(clock)
    t2 = june.tickets["T2"]
    for cut, elapsed, breached, decided in (
        (ny(2025, 6, 3, 9, 20), 1200, False, NONE),
        (ny(2025, 6, 3, 9, 40), 2400, True, to_epoch(ny(2025, 6, 3, 9, 30))),
    ):
        data = load_clocks(since=ny(2025, 6, 1), cutoff=cut, contract_ids=[june.contract.pk])
        row = int(np.flatnonzero((data.ticket_id == t2.pk) & (data.metric == 0))[0])
        assert (int(data.stop[row]), int(data.elapsed[row])) == (NONE, elapsed)
        assert (bool(data.breached[row]), int(data.decided_at[row])) == (breached, decided)


def test_reopened_resolution_clock_skips_the_time_it_was_stopped(clock):
    """P3 resolution (960 min) opened Mon 2 Jun 09:00, resolved 13:00 (240), reopened Wed 09:00,
    resolved again Wed 12:00 (+180): 420 min with the gap Mon 13:00 -> Wed 09:00 as idle time.
    As of Tue 12:00 it is stopped (met, 240 min)."""
    clock.at(ny(2025, 6, 1))
    w = world()
    clock.at(ny(2025, 6, 4, 12))
    t = ts.open_ticket(
        customer=w.customer, subject="Slow", impact=3, urgency=2, opened_at=ny(2025, 6, 2, 9)
    )
    ts.acknowledge_ticket(ticket=t, actor=w.agent, at=ny(2025, 6, 2, 9, 30))
    ts.resolve_ticket(ticket=t, actor=w.agent, at=ny(2025, 6, 2, 13))
    ts.reopen_ticket(ticket=t, actor=w.agent, reason="Back", at=ny(2025, 6, 4, 9))
    ts.resolve_ticket(ticket=t, actor=w.agent, at=ny(2025, 6, 4, 12))
    data = load_clocks(
        since=ny(2025, 6, 1), cutoff=ny(2025, 6, 4, 12), contract_ids=[w.contract.pk]
    )
    row = int(np.flatnonzero(data.metric == METRICS.index("resolution"))[0])
    assert int(data.elapsed[row]) == 420 * 60
    assert data.pause_rows(row) == [(to_epoch(ny(2025, 6, 2, 13)), to_epoch(ny(2025, 6, 4, 9)))]
    earlier = load_clocks(
        since=ny(2025, 6, 1), cutoff=ny(2025, 6, 3, 12), contract_ids=[w.contract.pk]
    )
    row = int(np.flatnonzero(earlier.metric == METRICS.index("resolution"))[0])
    assert (int(earlier.stop[row]), int(earlier.elapsed[row])) == (
        to_epoch(ny(2025, 6, 2, 13)),
        240 * 60,
    )


@pytest.mark.parametrize("contracts", [True, False], ids=["one-contract", "all-contracts"])
@pytest.mark.parametrize("ratio", [10**9, 0], ids=["id-range", "by-id"])
def test_bulk_clocks_equal_evaluate_clock_at_every_cutoff(clock, monkeypatch, ratio, contracts):
    """Tickets with two waits, a wait still open, a wait after the restore, a reopening and
    an irregular resume: at 14 cut-offs across the week, every clock's stop, elapsed time,
    breach and breach instant equal ``slaclock.evaluate_clock`` on its events. Both ways of
    reading the tickets and their pauses (an id range, or by id when they are sparse), for
    a statement's contract and for every contract (the dashboard)."""
    from servicepact.billing import clockdata

    monkeypatch.setattr(clockdata, "_SPARSE_RATIO", ratio)
    from servicepact.contracts.calendars import compiled_calendar
    from servicepact.slaclock import evaluate_clock
    from servicepact.tickets.clocks import EventFact, clock_events
    from servicepact.tickets.models import TicketEvent

    clock.at(ny(2025, 6, 1))
    w = world()
    clock.at(ny(2025, 6, 13, 18))
    a = w.agent

    def opened(hour: int, **kw):
        return ts.open_ticket(
            customer=w.customer, asset=w.asset, subject="x", opened_at=ny(2025, 6, 9, hour), **kw
        )

    t1 = opened(9, impact=1, urgency=1)  # two waits, restored between them
    ts.acknowledge_ticket(ticket=t1, actor=a, at=ny(2025, 6, 9, 9, 10))
    ts.pause_ticket(ticket=t1, actor=a, reason="r", at=ny(2025, 6, 9, 10))
    ts.resume_ticket(ticket=t1, actor=a, at=ny(2025, 6, 9, 12))
    ts.record_restore(ticket=t1, actor=a, at=ny(2025, 6, 9, 13))
    ts.pause_ticket(ticket=t1, actor=a, reason="r", at=ny(2025, 6, 9, 14))
    ts.resume_ticket(ticket=t1, actor=a, at=ny(2025, 6, 10, 10))
    ts.resolve_ticket(ticket=t1, actor=a, at=ny(2025, 6, 10, 15))
    t2 = opened(11, impact=2, urgency=2)  # a wait that is still open
    ts.acknowledge_ticket(ticket=t2, actor=a, at=ny(2025, 6, 9, 11, 30))
    ts.pause_ticket(ticket=t2, actor=a, reason="r", at=ny(2025, 6, 9, 15))
    t3 = opened(12, impact=3, urgency=2)  # resolved, reopened, waited, resolved
    ts.acknowledge_ticket(ticket=t3, actor=a, at=ny(2025, 6, 9, 12, 30))
    ts.resolve_ticket(ticket=t3, actor=a, at=ny(2025, 6, 9, 16))
    ts.reopen_ticket(ticket=t3, actor=a, reason="back", at=ny(2025, 6, 11, 10))
    ts.pause_ticket(ticket=t3, actor=a, reason="r", at=ny(2025, 6, 11, 11))
    ts.resume_ticket(ticket=t3, actor=a, at=ny(2025, 6, 12, 9))
    ts.resolve_ticket(ticket=t3, actor=a, at=ny(2025, 6, 12, 17))
    tickets = [t1, t2, t3]
    stored = list(SlaClock.objects.filter(ticket__in=tickets).select_related("calendar"))
    events = {
        t.pk: [EventFact(at=e.at, kind=e.kind) for e in TicketEvent.objects.filter(ticket=t)]
        for t in tickets
    }
    cutoffs = [ny(2025, 6, d, h) for d in (9, 10, 11, 12) for h in (10, 13, 17)] + [
        ny(2025, 6, 9, 15),
        ny(2025, 6, 13, 18),
    ]
    for cut in cutoffs:
        data = load_clocks(
            since=ny(2025, 6, 1), cutoff=cut, contract_ids=[w.contract.pk] if contracts else None
        )
        rows = {int(c): i for i, c in enumerate(data.clock_id.tolist())}
        for c in stored:
            compiled = compiled_calendar(
                c.calendar, timezone=c.timezone, first=date(2025, 6, 1), last=date(2025, 6, 30)
            )
            want = evaluate_clock(
                compiled, c.target_seconds, clock_events(c.metric, events[c.ticket_id]), cut
            )
            if c.started_at >= cut:  # not started yet: not a candidate
                assert c.pk not in rows
                continue
            i = rows[c.pk]
            got_stop = None if data.stop[i] == NONE else int(data.stop[i])
            assert got_stop == (want.stopped_at and to_epoch(want.stopped_at)), (cut, c.metric)
            assert int(data.elapsed[i]) == want.elapsed_seconds, (cut, c.ticket_id, c.metric)
            assert bool(data.breached[i]) == (want.state == "breached"), (cut, c.metric)
            if data.breached[i]:
                assert int(data.deadline[i]) == to_epoch(want.breached_at), (cut, c.metric)


def test_integer_rows_read_packed_equal_the_rows(clock):
    """``_fetch`` (one packed bytea on PostgreSQL) gives the rows the query returns, as
    int64; a row with a NULL (which the packing would drop) is read the ordinary way, which
    refuses it as before rather than losing the row."""
    from django.db.models import BigIntegerField, Case, F, Value, When

    from servicepact.billing.clockdata import _fetch

    june_month(clock)
    clocks = SlaClock.objects.order_by().values_list(
        "id", "ticket_id", "priority", "target_seconds"
    )
    got = _fetch(clocks, 4)
    assert got.dtype == np.int64
    assert sorted(map(tuple, got.tolist())) == sorted(clocks)
    assert len(got) == SlaClock.objects.count() > 20
    holed = SlaClock.objects.order_by().annotate(
        p=Case(When(priority=1, then=Value(None)), default=F("priority"),
               output_field=BigIntegerField()),
    ).values_list("id", "p")  # fmt: skip
    assert None in {p for _, p in holed}
    with pytest.raises(TypeError):
        _fetch(holed, 2)


def test_packed_read_is_not_copied_into_bytes(clock, monkeypatch):
    """On PostgreSQL numpy reads the packed bytea where libpq holds it (a memoryview, no
    ``bytes`` copy of the whole read), and the rows are still right once the result is let
    go (they were converted before)."""
    from django.db import connection

    from servicepact.billing import clockdata

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    june_month(clock)
    seen = []
    real = np.frombuffer

    def spy(data, *args, **kwargs):
        seen.append(type(data))
        return real(data, *args, **kwargs)

    monkeypatch.setattr(clockdata.np, "frombuffer", spy)
    clocks = SlaClock.objects.order_by().values_list("id", "ticket_id", "target_seconds")
    got = clockdata._fetch(clocks, 3)
    monkeypatch.undo()
    assert seen == [memoryview]
    assert sorted(map(tuple, got.tolist())) == sorted(clocks)
