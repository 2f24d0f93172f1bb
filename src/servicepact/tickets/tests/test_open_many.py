"""``open_tickets_many`` writes, for each request, exactly what ``open_ticket`` writes: the same
ticket columns (coverage, priority, queue columns), the same ``opened`` and breach events, the
same clocks; numbers follow the ids in the order of the requests; and its queries do not grow
with the number of tickets."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from servicepact.assets.coverage import resolve_coverage
from servicepact.assets.models import Asset, ContractLine
from servicepact.contracts.choices import CoverageStatus
from servicepact.contracts.services import create_contract
from servicepact.core.errors import DomainValidationError
from servicepact.tickets import services as ts
from servicepact.tickets.models import SlaClock, Ticket, TicketEvent
from servicepact.tickets.testing import always_calendar, plan, user, world

from .conftest import ny

pytestmark = pytest.mark.django_db

# Columns that must differ between two openings of the same request (the row's identity).
_IDENTITY = {"id", "number"}


def _columns(row: Model, skip: set[str]) -> dict[str, Any]:
    return {
        f.attname: getattr(row, f.attname)
        for f in row._meta.concrete_fields
        if f.name not in skip and f.attname not in skip
    }


def _snapshot(ticket: Ticket) -> dict[str, Any]:
    """Everything the opening wrote for the ticket, without the ids."""
    row = Ticket.objects.get(pk=ticket.pk)
    return {
        "ticket": _columns(row, _IDENTITY),
        "events": [
            _columns(e, {"id", "ticket"})
            for e in TicketEvent.objects.filter(ticket=row).order_by("id")
        ],
        "clocks": [
            _columns(c, {"id", "ticket"})
            for c in SlaClock.objects.filter(ticket=row).order_by("metric")
        ],
    }


def _requests(clock: Any) -> list[ts.OpenRequest]:
    """A covered asset on two contracts (the strictest wins), an asset in grace, an asset
    without a contract line, a customer-level ticket, P1 given, P4 from the matrix, a ticket
    opened in the past whose first response is already breached, a contact and an actor."""
    clock.at(ny(2025, 1, 2, 10))
    acme = world()
    gold = plan(
        always_calendar(), code="gold", targets={(3, "first_response"): 60, (3, "resolution"): 480}
    )
    extra = create_contract(
        number="ACME-GOLD",
        customer=acme.customer,
        plan=gold,
        start_date=date(2025, 1, 1),
        end_date=date(2026, 12, 31),
    )
    ContractLine.objects.create(contract=extra, asset=acme.asset, start_date=date(2025, 1, 1))
    graced = world(code="globex", end=date(2025, 5, 31))
    spare = Asset.objects.create(customer=acme.customer, site=acme.site, hostname="spare01")
    second = Asset.objects.create(customer=acme.customer, site=acme.site, hostname="acme-srv02")
    ContractLine.objects.create(contract=acme.contract, asset=second, start_date=date(2025, 1, 1))
    clock.at(ny(2025, 6, 10, 10))
    agent = user("opener", staff=True)
    return [
        ts.OpenRequest(customer=acme.customer, asset=acme.asset, subject=" two contracts "),
        ts.OpenRequest(customer=graced.customer, asset=graced.asset, subject="in grace"),
        ts.OpenRequest(customer=acme.customer, asset=spare, subject="no line", impact=1),
        ts.OpenRequest(
            customer=acme.customer, subject="customer level", category="request", urgency=2
        ),
        ts.OpenRequest(customer=acme.customer, asset=second, subject="P1", priority=1, actor=agent),
        ts.OpenRequest(
            customer=acme.customer,
            asset=second,
            contact=acme.contact,
            subject="P4",
            impact=4,
            urgency=4,
            channel="email",
            description="  body  ",
        ),
        ts.OpenRequest(
            customer=acme.customer,
            asset=acme.asset,
            subject="opened days ago",
            opened_at=ny(2025, 6, 5, 9),
        ),
    ]


def test_bulk_opening_writes_what_opening_one_by_one_writes(clock):
    requests = _requests(clock)
    one_by_one = [ts.open_ticket(**vars(r)) for r in requests]
    bulk = ts.open_tickets_many(requests)
    assert [_snapshot(t) for t in bulk] == [_snapshot(t) for t in one_by_one]
    # ... and the batch's cached reads give what resolving each one from the database gives.
    for request, ticket in zip(requests, bulk, strict=True):
        alone = resolve_coverage(
            customer=request.customer,
            asset=request.asset,
            at=ticket.opened_at,
            impact=request.impact,
            urgency=request.urgency,
            priority=request.priority,
        )
        assert (alone.status, alone.explanation, alone.version) == (
            ticket.coverage,
            ticket.coverage_explanation,
            ticket.contract_version,
        )
    # The cases the requests are meant to cover are really there.
    first = _snapshot(one_by_one[0])
    assert first["ticket"]["coverage_explanation"].startswith(
        "Asset acme-srv01 is covered by contract ACME-GOLD"
    )
    coverages = [t.coverage for t in bulk]
    assert coverages[1] == CoverageStatus.GRACE
    assert coverages[2] == CoverageStatus.OUT_OF_CONTRACT
    assert [t.priority for t in bulk][4:6] == [1, 4]
    assert TicketEvent.objects.filter(ticket=bulk[6], kind="breached").exists()
    covered = [t for t in bulk if t.coverage != CoverageStatus.OUT_OF_CONTRACT]
    assert all(SlaClock.objects.filter(ticket=t).exists() for t in covered)


def test_numbers_follow_the_ids_in_the_order_of_the_requests(clock):
    requests = _requests(clock)
    tickets = ts.open_tickets_many(requests)
    stored = list(Ticket.objects.filter(pk__in=[t.pk for t in tickets]).order_by("pk"))
    assert [t.subject for t in stored] == [r.subject.strip() for r in requests]
    assert [t.number for t in stored] == [f"SP-{t.pk:06d}" for t in stored]
    assert len({t.number for t in stored}) == len(stored)


def test_an_invalid_request_writes_nothing(clock):
    requests = _requests(clock)
    bad = ts.OpenRequest(customer=requests[0].customer, subject=" ")
    with pytest.raises(DomainValidationError) as raised:
        ts.open_tickets_many([*requests, bad])
    assert "subject" in raised.value.errors
    assert not Ticket.objects.exists()


def test_the_queries_do_not_grow_with_the_number_of_tickets(clock):
    """Assets of the same contract: opening 3 or 12 tickets costs the same statements."""
    clock.at(ny(2025, 6, 9, 10))
    w = world()
    assets = [w.asset]
    for n in range(2, 13):
        asset = Asset.objects.create(customer=w.customer, site=w.site, hostname=f"acme-srv{n:02d}")
        ContractLine.objects.create(contract=w.contract, asset=asset, start_date=date(2025, 1, 1))
        assets.append(asset)

    def opening(count: int) -> int:
        requests = [
            ts.OpenRequest(customer=w.customer, asset=a, subject=a.hostname, impact=2)
            for a in assets[:count]
        ]
        with CaptureQueriesContext(connection) as queries:
            ts.open_tickets_many(requests)
        return len(queries)

    clock.at(ny(2025, 6, 9, 10) + timedelta(minutes=1))
    opening(1)  # the process-wide caches (compiled calendars) warm
    few = opening(3)
    assert opening(12) == few


@pytest.mark.postgres
def test_on_postgresql_tickets_clocks_and_events_are_copied_not_inserted(clock):
    """PostgreSQL: the tickets (keys drawn from their sequence first), their clocks and their
    ``opened`` events are written by COPY, not by INSERT statements built from model
    instances (``core.bulk.insert_instances``); the numbers still follow the ids."""
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's; elsewhere one INSERT ... RETURNING per table")
    requests = _requests(clock)
    with CaptureQueriesContext(connection) as queries:
        opened = ts.open_tickets_many(requests)
    inserts = [q["sql"][:40] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert inserts == []
    tickets = list(Ticket.objects.filter(pk__in=[t.pk for t in opened]).order_by("id"))
    assert [t.number for t in tickets] == [f"SP-{t.pk:06d}" for t in tickets]
    assert [t.subject for t in tickets] == [r.subject.strip() for r in requests]
    assert SlaClock.objects.filter(ticket__in=tickets).count() > len(tickets)
    assert TicketEvent.objects.filter(ticket__in=tickets, kind="opened").count() == len(tickets)
