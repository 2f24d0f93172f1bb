"""A contract's compliance in the current period (the calendar month in the customer's zone),
by the statement's rule.

The clocks counted are those ``billing.facts.period_facts`` decides in the month, exactly as
the statement counts them: a clock is decided when it stops or when its deadline passes
(breached), and belongs to the month it was decided in, whenever its ticket was opened.
Met = decided in time, breached = decided late; open = still running and not yet due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from servicepact.billing.facts import period_facts
from servicepact.contracts.metrics import label_of, labels
from servicepact.contracts.models import Contract
from servicepact.core.periods import Period


@dataclass(frozen=True)
class MetricCompliance:
    metric: str
    total: int
    met: int
    breached: int
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or label_of(self.metric)

    @property
    def decided(self) -> int:
        return self.met + self.breached

    @property
    def open(self) -> int:
        return self.total - self.decided

    @property
    def percent(self) -> float | None:
        return round(100 * self.met / self.decided, 1) if self.decided else None


def contract_compliance(contract: Contract, now: datetime) -> tuple[Period, list[MetricCompliance]]:
    """The month containing ``now`` in the customer's zone, and per metric its met, breached
    and still-open clocks as of ``now`` (metrics without a clock are left out)."""
    period = Period.containing(now, contract.customer.timezone)
    facts = period_facts(contract, period, now=now, with_availability=False)
    month, running = facts.month, facts.clocks
    rows = []
    names = labels()
    for code, metric in enumerate(month.metrics):
        in_month = month.metric == code
        met = int((in_month & ~month.breached).sum())
        breached = int((in_month & month.breached).sum())
        still_open = int(((running.metric == code) & ~running.decided).sum())
        if met + breached + still_open:
            rows.append(
                MetricCompliance(
                    metric, met + breached + still_open, met, breached, names.get(metric, "")
                )
            )
    return period, rows
