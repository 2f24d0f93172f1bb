"""The SLA clocks a customer sees on a ticket, re-evaluated from the ticket's events (read-only).

The desk has the same evaluation in ``desk/live.py``; the two apps may not import each other
(import-linter: independent siblings), so this is the customer's small copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from servicepact.contracts.choices import Metric
from servicepact.contracts.models import Calendar
from servicepact.contracts.terms import METRIC_ORDER
from servicepact.tickets.choices import ClockState
from servicepact.tickets.models import SlaClock, Ticket
from servicepact.tickets.refresh import evaluate_metric, event_facts, ticket_terms

AT_RISK_FRACTION = 0.75
TONE_LABELS = {
    "breached": _("Breached"),
    "at_risk": _("At risk"),
    "on_track": _("On track"),
    "paused": _("Paused"),
    "met": _("Met"),
}


@dataclass(frozen=True)
class CustomerClock:
    metric: str
    state: str
    target_seconds: int
    elapsed_seconds: int
    started_at: datetime | None
    stopped_at: datetime | None
    deadline_at: datetime | None
    breached_at: datetime | None
    calendar_name: str
    timezone: str
    source: str

    @property
    def label(self) -> str:
        return str(Metric(self.metric).label)

    @property
    def fraction(self) -> float:
        if self.target_seconds == 0:
            return 1.0 if self.started_at else 0.0
        return self.elapsed_seconds / self.target_seconds

    @property
    def remaining_seconds(self) -> int:
        return max(0, self.target_seconds - self.elapsed_seconds)

    @property
    def breached_by_seconds(self) -> int:
        return max(0, self.elapsed_seconds - self.target_seconds)

    @property
    def tone(self) -> str:
        if self.state == ClockState.BREACHED:
            return "breached"
        if self.state in (ClockState.MET, ClockState.PAUSED):
            return str(self.state)
        return "at_risk" if self.fraction >= AT_RISK_FRACTION else "on_track"

    @property
    def tone_label(self) -> str:
        return str(TONE_LABELS[self.tone])


def customer_clocks(ticket: Ticket, now: datetime) -> list[CustomerClock]:
    """The ticket's clocks as of ``now``, in metric order."""
    stored = {c.metric for c in SlaClock.objects.filter(ticket=ticket).only("metric")}
    if not stored:
        return []
    terms = ticket_terms(ticket)
    facts = event_facts(ticket)
    calendars: dict[int, Calendar] = {}
    clocks = []
    for metric in METRIC_ORDER:
        term = terms.target(ticket.priority, metric) if metric in stored else None
        if term is None:
            continue
        result, calendar, zone_name = evaluate_metric(ticket, term, facts, now, calendars)
        clocks.append(
            CustomerClock(
                metric=metric,
                state=str(result.state),
                target_seconds=term.target_seconds,
                elapsed_seconds=result.elapsed_seconds,
                started_at=result.started_at,
                stopped_at=result.stopped_at,
                deadline_at=result.deadline,
                breached_at=result.breached_at,
                calendar_name=calendar.name,
                timezone=zone_name,
                source=term.source,
            )
        )
    return clocks
