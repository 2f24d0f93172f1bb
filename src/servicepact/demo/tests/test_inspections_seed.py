"""The demo's inspections (demo/inspections_seed.py): Globex's quarterly plan has last
quarter's visit performed, with the failed fan check's one ticket, advice and signature, and
next quarter's visit scheduled. (Run on a test world: the whole ``seed_demo`` takes minutes.)"""

from __future__ import annotations

from datetime import date

from servicepact.assets.models import Asset
from servicepact.core.testing import utc
from servicepact.demo.inspections_seed import seed_inspections
from servicepact.inspections.models import Visit
from servicepact.tickets.models import Ticket
from servicepact.tickets.testing import globex  # noqa: F401 (fixture)


def test_demo_inspections(clock, globex):  # noqa: F811
    """On 2025-12-05 (Shanghai): the plan counts quarters from 2024-10-01; the last first
    Monday of a quarter is 2025-10-06 (09:00 CST = 01:00 UTC), the next 2026-01-05."""
    clock.at(utc(2025, 12, 5, 4))
    servers = [
        globex.asset,
        *(
            Asset.objects.create(customer=globex.customer, site=globex.site, hostname=f"gx-{n}")
            for n in (2, 3)
        ),
    ]
    plan = seed_inspections(
        contract=globex.contract,
        assets=servers,
        contact=globex.contact,
        engineer=globex.agent,
        team=None,
        progress=lambda _: None,
    )
    visits = list(Visit.objects.filter(plan=plan))
    assert [(v.occurs_on, v.status) for v in visits] == [
        (date(2025, 10, 6), "signed"),
        (date(2026, 1, 5), "scheduled"),
    ]
    done = visits[0]
    assert done.scheduled_at == utc(2025, 10, 6, 1)
    assert done.signer_name == globex.contact.name and done.advice
    failed = list(done.results.filter(passed=False).values_list("item__label", "asset__hostname"))
    assert failed == [("All fans spin", "gx-2")]
    ticket = Ticket.objects.get(customer=globex.customer)
    assert done.results.get(passed=False).ticket_id == ticket.pk
    assert ticket.asset.hostname == "gx-2"
