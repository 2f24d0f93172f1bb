"""The SLA clocks a customer sees on a ticket, re-evaluated from the ticket's events (read-only).

The evaluation itself is ``tickets.refresh.evaluate_live``, shared with the desk and the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from servicepact.contracts.choices import Metric
from servicepact.tickets.choices import ClockState
from servicepact.tickets.models import Ticket
from servicepact.tickets.refresh import evaluate_live

AT_RISK_FRACTION = 0.75
TONE_LABELS = {
    "breached": _("Breached"),
    "at_risk": _("At risk"),
    "on_track": _("On track"),
    "paused": _("Paused"),
    "met": _("Met"),
    "not_required": _("Not required"),
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
        if self.state in (ClockState.MET, ClockState.PAUSED, ClockState.NOT_REQUIRED):
            return str(self.state)
        return "at_risk" if self.fraction >= AT_RISK_FRACTION else "on_track"

    @property
    def tone_label(self) -> str:
        return str(TONE_LABELS[self.tone])


def customer_clocks(ticket: Ticket, now: datetime) -> list[CustomerClock]:
    """The ticket's clocks as of ``now``, in metric order."""
    return [
        CustomerClock(
            metric=live.clock.metric,
            state=str(live.result.state),
            target_seconds=live.term.target_seconds,
            elapsed_seconds=live.result.elapsed_seconds,
            started_at=live.result.started_at,
            stopped_at=live.result.stopped_at,
            deadline_at=live.result.deadline,
            breached_at=live.result.breached_at,
            calendar_name=live.calendar.name,
            timezone=live.timezone,
            source=live.term.source,
        )
        for live in evaluate_live(ticket, now)
        if live.result is not None and live.term is not None
    ]
