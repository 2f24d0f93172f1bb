"""The demo's dispatch (demo/dispatch_seed.py) on the test world: one visit planned, one on
site whose arrival stopped the ticket's on-site clock."""

from __future__ import annotations

from servicepact.core.testing import ny
from servicepact.demo.dispatch_seed import seed_dispatch
from servicepact.fieldservice.models import Engineer
from servicepact.tickets import services as ts
from servicepact.tickets.choices import Category, EventKind
from servicepact.tickets.testing import acme, user  # noqa: F401 (fixtures)


def test_demo_dispatch(clock, acme):  # noqa: F811
    clock.at(ny(2025, 7, 15, 9))
    older = ts.open_ticket(
        customer=acme.customer,
        asset=acme.asset,
        subject="PSU",
        impact=2,
        urgency=2,
        category=Category.HARDWARE,
    )
    clock.at(ny(2025, 7, 15, 12))
    newer = ts.open_ticket(
        customer=acme.customer,
        asset=acme.asset,
        subject="Array",
        impact=1,
        urgency=1,
        category=Category.HARDWARE,
    )
    erin = user("erin", staff=True)
    planned, on_site = seed_dispatch(
        customer=acme.customer, engineer_user=erin, actor=acme.agent, progress=lambda _: None
    )
    assert (planned.ticket, planned.status) == (newer, "planned")
    assert (on_site.ticket, on_site.status) == (older, "on_site")
    assert on_site.arrived_at == ny(2025, 7, 15, 11, 40)  # dispatched 10:00, +1 h 40 min
    assert older.events.get(kind=EventKind.ONSITE_ARRIVED).at == ny(2025, 7, 15, 11, 40)
    assert Engineer.objects.get().home_depot.name == "Ashburn depot"
