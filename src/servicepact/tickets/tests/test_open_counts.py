"""The open-ticket counts kept by the database (``tickets.open_counts``, ADR 0024) equal the
aggregate over every open ticket (``count_by_state``) at every instant: through the services
(open, acknowledge, pause, priority, resolve, reopen, close), time alone turning stored states
stale, bulk ``QuerySet.update``, ``bulk_create``, raw SQL, deletes, and the worker's folding of
the rows — on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from django.db import connection

from servicepact.tickets import services as ts
from servicepact.tickets.choices import OPEN_STATUSES, Category, Status
from servicepact.tickets.models import OpenSlaCount, Ticket
from servicepact.tickets.open_counts import compact, ensure, open_counts
from servicepact.tickets.sla_state import SlaState, count_by_state
from servicepact.tickets.testing import ny

pytestmark = pytest.mark.django_db

PROBES = (
    timedelta(0),
    timedelta(minutes=25),
    timedelta(minutes=50),
    timedelta(minutes=95),
    timedelta(hours=2, seconds=1),
    timedelta(hours=7),
    timedelta(days=2),
    timedelta(days=9),
)


def expected(now: datetime) -> tuple[int, dict[str, int]]:
    return count_by_state(Ticket.objects.filter(status__in=OPEN_STATUSES), now)


def assert_same(now: datetime) -> tuple[int, dict[str, int]]:
    """Equal now and at later instants with nothing refreshed in between (stale rows)."""
    for offset in PROBES:
        assert open_counts(now + offset) == expected(now + offset), offset
    return expected(now)


def _open(world, subject: str, priority: int = 3) -> Ticket:
    return ts.open_ticket(
        customer=world.customer,
        asset=world.asset,
        subject=subject,
        priority=priority,
        category=Category.NETWORK,
    )


def test_migration_knows_the_open_statuses():
    """The triggers (a migration: frozen history) count the statuses the code calls open."""
    from importlib import import_module

    migration = import_module("servicepact.tickets.migrations.0017_open_sla_counts")
    assert tuple(s.value for s in OPEN_STATUSES) == migration.OPEN


def test_empty():
    """No ticket: zero everywhere, the same keys as the aggregate."""
    now = ny(2025, 3, 3, 9)
    assert open_counts(now) == expected(now) == (0, dict.fromkeys(expected(now)[1], 0))


def test_services_lifecycle_and_time(clock, acme):
    """Each service step, then probes later in time with no refresh (running clocks turn at
    risk and breached while the stored state still says on track)."""
    clock.at(ny(2025, 3, 3, 9))
    tickets = [_open(acme, f"t{i}", priority=1 + i % 4) for i in range(8)]
    total, tally = assert_same(ny(2025, 3, 3, 9))
    assert total == 8 and tally[SlaState.ON_TRACK] == 8
    # Two hours later without the worker: stale rows exist and are moved.
    later = ny(2025, 3, 3, 11, 1)
    stale = Ticket.objects.filter(breach_from__lte=later, sla_state=SlaState.ON_TRACK).count()
    assert stale > 0
    assert open_counts(later)[1][SlaState.BREACHED] == expected(later)[1]["breached"] > 0

    clock.at(ny(2025, 3, 3, 9, 30))
    ts.acknowledge_ticket(ticket=tickets[0], actor=acme.agent)
    ts.acknowledge_ticket(ticket=tickets[1], actor=acme.agent)
    ts.acknowledge_ticket(ticket=tickets[3], actor=acme.agent)
    ts.pause_ticket(ticket=tickets[1], actor=acme.agent, reason="logs")
    assert_same(ny(2025, 3, 3, 9, 30))

    clock.at(ny(2025, 3, 3, 10))
    ts.change_priority(ticket=tickets[2], actor=acme.agent, priority=1, reason="outage")
    ts.resolve_ticket(ticket=tickets[3], actor=acme.agent)
    assert_same(ny(2025, 3, 3, 10))
    assert open_counts(ny(2025, 3, 3, 10))[0] == 7

    clock.at(ny(2025, 3, 4, 9))
    ts.resume_ticket(ticket=tickets[1], actor=acme.agent)
    ts.reopen_ticket(ticket=tickets[3], actor=acme.agent, reason="back again")
    assert_same(ny(2025, 3, 4, 9))
    assert open_counts(ny(2025, 3, 4, 9))[0] == 8


def test_bulk_update_delete_create_and_raw_sql(clock, acme):
    """Writes that bypass the services and the ORM's per-object paths are counted too."""
    clock.at(ny(2025, 3, 3, 9))
    for i in range(10):
        _open(acme, f"t{i}", priority=1 + i % 4)
    now = ny(2025, 3, 3, 9)
    # Bulk status change: closing several at once, then reopening some of them.
    some = list(Ticket.objects.order_by("pk").values_list("pk", flat=True)[:4])
    Ticket.objects.filter(pk__in=some).update(status=Status.CLOSED)
    assert_same(now)
    Ticket.objects.filter(pk__in=some[:2]).update(status=Status.WAITING)
    assert_same(now)
    # Bulk state change (as a bulk refresh writes it), to every state, stale or not.
    Ticket.objects.filter(pk=some[2]).update(status=Status.NEW, sla_state=SlaState.PAUSED)
    Ticket.objects.filter(priority=2).update(sla_state=SlaState.AT_RISK)
    Ticket.objects.filter(priority=4).update(sla_state=SlaState.NOT_REQUIRED)
    assert_same(now)
    # A change of a column the counts do not read changes nothing.
    Ticket.objects.update(subject="renamed")
    assert_same(now)
    # bulk_create of a copy (a new ticket that is open and on track).
    twin = Ticket.objects.order_by("pk").last()
    assert twin is not None
    twin.pk = None
    twin.number = "T-TWIN"
    twin.status = Status.IN_PROGRESS
    twin.sla_state = SlaState.ON_TRACK
    Ticket.objects.bulk_create([twin])
    assert_same(now)
    # Raw SQL: the triggers see it as well.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Ticket._meta.db_table} SET sla_state = %s WHERE priority = %s",
            [SlaState.MET.value, 3],
        )
    assert_same(now)
    # Deletes, one and many.
    Ticket.objects.filter(pk=twin.pk).delete()
    assert_same(now)
    Ticket.objects.filter(priority=1).delete()
    assert_same(now)
    Ticket.objects.all().delete()
    assert open_counts(now) == expected(now) == (0, dict.fromkeys(expected(now)[1], 0))


def test_random_writes_with_stale_columns(clock, acme):
    """Seeded random writes of status, stored state and the two instants (any mix, also ones
    no refresh would store), each followed by a comparison at several instants."""
    clock.at(ny(2025, 3, 3, 9))
    for i in range(12):
        _open(acme, f"t{i}", priority=1 + i % 4)
    rng = random.Random(12)
    ids = list(Ticket.objects.values_list("pk", flat=True))
    base = ny(2025, 3, 3, 9)
    states = [s.value for s in SlaState]
    statuses = [s.value for s in Status]
    for step in range(40):
        pick = rng.sample(ids, rng.randint(1, 5))
        change: dict[str, object] = {}
        if rng.random() < 0.5:
            change["status"] = rng.choice(statuses)
        if rng.random() < 0.6:
            change["sla_state"] = rng.choice(states)
        for column in ("at_risk_from", "breach_from"):
            if rng.random() < 0.4:
                change[column] = (
                    None if rng.random() < 0.3 else base + timedelta(minutes=rng.randint(-60, 600))
                )
        Ticket.objects.filter(pk__in=pick).update(**change)
        if step % 10 == 9:
            compact()
        assert_same(base)


def test_compact_folds_rows_and_keeps_the_numbers(clock, acme):
    """The worker's folding leaves one row per state (PostgreSQL; SQLite keeps one already)
    and the same numbers; nothing to fold is a no-op."""
    clock.at(ny(2025, 3, 3, 9))
    for i in range(6):
        _open(acme, f"t{i}", priority=1 + i % 4)
    Ticket.objects.filter(priority=1).update(status=Status.CLOSED)
    now = ny(2025, 3, 3, 9)
    before = open_counts(now)
    rows = OpenSlaCount.objects.count()
    folded = compact()
    states = OpenSlaCount.objects.values("sla_state").distinct().count()
    assert OpenSlaCount.objects.count() == states
    if connection.vendor == "postgresql":
        assert rows > states and folded == rows
    else:
        assert rows == states and folded == 0
    assert open_counts(now) == before == expected(now)
    assert compact() == 0
    assert open_counts(now) == before


def test_a_dropped_trigger_is_put_back_after_migrate_and_the_counts_rebuilt(clock, acme):
    """What a SQLite table rebuild does to ``tickets_ticket``'s triggers: without them a new
    open ticket goes uncounted (the figure differs); ``ensure`` (post_migrate) installs them
    again and counts from the tickets."""
    clock.at(ny(2025, 6, 2, 9, 0))
    _open(acme, "before")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER tickets_open_sla_insert ON tickets_ticket")
        else:
            cursor.execute("DROP TRIGGER tickets_open_sla_insert")
    _open(acme, "while the trigger was gone")
    now = ny(2025, 6, 2, 9, 0)
    assert open_counts(now) != expected(now)  # the negative case: a ticket missed

    assert ensure() is True
    assert open_counts(now) == expected(now)
    _open(acme, "after")
    assert open_counts(now) == expected(now)
    assert ensure() is False  # present: nothing to do
