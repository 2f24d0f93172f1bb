"""The ticket history a customer reads: the public events without the engine's internal steps.

Staff see the whole log on the desk. Contacts do not see:

- a breach that was later withdrawn, nor its withdrawal: an event recorded late (an on-site
  arrival typed in afterwards) proved the promise kept, so nothing was ever missed;
- deadline moves: re-measurements after a priority change, a calendar edit or new contract
  terms. The clocks always show the deadline in force, and the cause (a priority change, new
  terms) is on the timeline itself;
- escalation thresholds (never public anyway).

A breach that stands is shown in plain words ("deadline missed", ``_event_text.html``).
"""

from __future__ import annotations

from collections.abc import Iterable

from servicepact.tickets.choices import EventKind
from servicepact.tickets.models import TicketEvent

HIDDEN_FROM_CUSTOMERS = frozenset({EventKind.DEADLINE_MOVED, EventKind.THRESHOLD_CROSSED})


def customer_history(events: Iterable[TicketEvent]) -> list[TicketEvent]:
    """``events`` (public ones, in timeline order) as the customer reads them."""
    events = list(events)
    hidden: set[int] = set()
    standing: dict[str, TicketEvent] = {}  # metric -> its latest breach not yet withdrawn
    for event in events:
        metric = str(event.data.get("metric", ""))
        if event.kind == EventKind.BREACHED:
            standing[metric] = event
        elif event.kind == EventKind.UPDATED and event.data.get("breach_withdrawn"):
            hidden.add(event.pk)
            breach = standing.pop(metric, None)
            if breach is not None:
                hidden.add(breach.pk)
    return [e for e in events if e.pk not in hidden and e.kind not in HIDDEN_FROM_CUSTOMERS]
