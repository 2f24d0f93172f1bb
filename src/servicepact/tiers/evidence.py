"""TCO inputs from the customer's own history, not guesses (docs/tier-replay.md).

- Incidents per year per unit: the customer's hardware incidents on an asset opened in the
  window, divided by its assets and the window's length in years.
- Restore hours under a tier: the customer's hardware restore clocks of the window replayed
  under the tier's plan (``tiers.replay``), each taken as the time to the restore or to the
  promised restore when later (``comparison``: the promise kept), averaged.
- Restore hours without cover: the same clocks as they happened (the stored clocks), start
  to restore.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np

from servicepact.assets.models import Asset
from servicepact.billing.clockdata import CATEGORIES, ClockSet, load_clocks
from servicepact.contracts.choices import Category, ClockStage
from servicepact.contracts.metrics import load_metrics
from servicepact.contracts.models import Contract, ServicePlan
from servicepact.contracts.terms import terms_for_plan
from servicepact.customers.models import Customer
from servicepact.tickets.choices import TicketKind
from servicepact.tickets.models import Ticket
from servicepact.tiers.replay import replay_clocks
from servicepact.tiers.tco import History

WINDOW = timedelta(days=365)
HOUR = Decimal(3600)


@dataclass(frozen=True)
class Evidence:
    history: History
    incidents: int
    assets: int
    restores: int  # restore clocks the actual hours are the mean of
    since: datetime
    until: datetime


def _restore_hours(
    clocks: ClockSet, since: datetime, until: datetime, kept: bool
) -> tuple[Decimal, int]:
    """Mean hours of the decided hardware restore clocks (``kept``: to the promised restore)."""
    month = clocks.take(clocks.decided_between(since, until))
    restore = [i for i, m in enumerate(load_metrics().values()) if ClockStage.RESTORED in m.stops]
    mask = np.isin(month.metric, restore) & (month.category == CATEGORIES.index(Category.HARDWARE))
    if not mask.any():
        return Decimal(0), 0
    ends = month.decided_at[mask] if kept else month.end[mask]
    seconds = int((ends - month.start[mask]).sum())
    count = int(mask.sum())
    return (Decimal(seconds) / HOUR / count).quantize(Decimal("0.01")), count


def customer_evidence(customer: Customer, *, now: datetime) -> Evidence:
    since = now - WINDOW
    incidents = Ticket.objects.filter(
        customer=customer,
        kind=TicketKind.INCIDENT,
        category=Category.HARDWARE,
        asset__isnull=False,
        opened_at__gte=since,
        opened_at__lt=now,
    ).count()
    assets = Asset.objects.filter(customer=customer).count()
    contracts = list(Contract.objects.filter(customer=customer).values_list("pk", flat=True))
    actual = load_clocks(since=since, cutoff=now, contract_ids=contracts)
    hours, restores = _restore_hours(actual, since, now, kept=False)
    rate = Decimal(incidents) / Decimal(max(assets, 1)) * Decimal(365) / Decimal(WINDOW.days)
    return Evidence(
        history=History(
            incidents_per_year=rate.quantize(Decimal("0.0001")), uncovered_restore_hours=hours
        ),
        incidents=incidents,
        assets=assets,
        restores=restores,
        since=since,
        until=now,
    )


def tier_restore_hours(customer: Customer, plan: ServicePlan, *, now: datetime) -> Decimal:
    """Mean restore hours of the customer's hardware incidents of the window under ``plan``
    with its promises kept."""
    since = now - WINDOW
    contracts = list(Contract.objects.filter(customer=customer).values_list("pk", flat=True))
    terms = terms_for_plan(plan)
    clocks = replay_clocks(
        contract_ids=contracts, since=since, cutoff=now, terms_of=lambda _v: terms
    )
    return _restore_hours(clocks, since, now, kept=True)[0]
