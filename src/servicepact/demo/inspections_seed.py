"""Demo preventive inspections: Globex's servers (the hardware customer) have a quarterly
plan on the first Monday of the quarter at 09:00 Shanghai time; last quarter's visit is
performed (one fan check failed and opened a ticket; advice to the customer) and signed by
Globex's contact; next quarter's visit is scheduled."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

from servicepact.contracts.models import Contract
from servicepact.core.time import local_date
from servicepact.core.time import now as current_time
from servicepact.customers.models import Contact
from servicepact.inspections.checks import Expectation, ItemSpec
from servicepact.inspections.models import InspectionPlan, Visit
from servicepact.inspections.services import (
    ResultSpec,
    create_inspection_plan,
    generate_plan_visits,
    record_visit_results,
    sign_visit,
)

Progress = Callable[[str], None]
QUARTERLY = "FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO;BYSETPOS=1"
ADVICE = (
    "1. Replace the stuck rear fan (ticket opened) and keep a spare fan module on site.\n"
    "2. Clean the dust filters of rack B every three months: inlet temperatures are near the top "
    "of the range."
)


def checklist() -> list[ItemSpec]:
    return [
        ItemSpec(
            label="Inlet temperature",
            expectation=Expectation(
                kind="number", min_value=Decimal("18"), max_value=Decimal("27"), unit="°C"
            ),
        ),
        ItemSpec(label="All fans spin", expectation=Expectation(kind="yesno", expected_yes=True)),
        ItemSpec(
            label="RAID battery healthy", expectation=Expectation(kind="yesno", expected_yes=True)
        ),
        ItemSpec(
            label="BMC firmware version",
            expectation=Expectation(kind="text", expected_text="2.4.1"),
        ),
        ItemSpec(label="Power supply redundancy", expectation=Expectation(kind="text")),
    ]


def _quarter_start_a_year_ago(today: date) -> date:
    """So that INTERVAL=3 counts calendar quarters (January, April, July, October)."""
    return date(today.year - 1, (today.month - 1) // 3 * 3 + 1, 1)


def seed_inspections(
    *,
    contract: Contract,
    assets: Sequence[Any],
    contact: Contact,
    engineer: Any,
    team: Any,
    progress: Progress,
) -> InspectionPlan:
    moment = current_time().replace(microsecond=0)
    tz = contract.customer.timezone
    servers = list(assets[:3])
    plan = create_inspection_plan(
        name="Quarterly server inspection",
        rrule=QUARTERLY,
        starts_on=_quarter_start_a_year_ago(local_date(moment, tz)),
        time_of_day=time(9, 0),
        contract=contract,
        assets=servers,
        team=team,
        items=checklist(),
        actor=engineer,
    )
    # Last quarter's visit too (a plan generates from now on; the demo back-fills it).
    generate_plan_visits(plan=plan, now=moment, since=moment - timedelta(days=100))
    last = Visit.objects.filter(plan=plan, scheduled_at__lt=moment).order_by("-scheduled_at")[0]
    items = {i.label: i for i in plan.items.all()}
    results = []
    for n, server in enumerate(servers):
        stuck = n == 1
        for label, value, note in (
            ("Inlet temperature", ["24.5", "26.0", "22.0"][n % 3], ""),
            ("All fans spin", "no" if stuck else "yes", "rear fan 2 stuck" if stuck else ""),
            ("RAID battery healthy", "yes", ""),
            ("BMC firmware version", "2.4.1", ""),
            ("Power supply redundancy", "2 of 2 PSUs online", ""),
        ):
            results.append(
                ResultSpec(item_id=items[label].pk, asset_id=server.pk, value=value, note=note)
            )
    performed_at = last.scheduled_at + timedelta(hours=2)
    record_visit_results(
        visit=last, results=results, advice=ADVICE, performed_at=performed_at, actor=engineer
    )
    sign_visit(
        visit=last,
        signer_name=contact.name,
        signed_at=performed_at + timedelta(minutes=30),
        actor=engineer,
    )
    progress("inspections: a quarterly plan, last quarter's visit signed, the next one scheduled")
    return plan
