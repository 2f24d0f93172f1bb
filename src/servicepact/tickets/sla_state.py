"""A ticket's SLA state (its colour in the queue) and the at-risk rule: the one copy.

The desk computes the state of the rows it shows from live clocks (``tickets.live``); the queue
counts it in SQL from columns that ``tickets.refresh`` stores on the ticket
(``sla_state``, ``at_risk_from``, ``breach_from``). Both use the rule below.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

# A running clock that has used this share of its target is at risk.
AT_RISK_FRACTION = 0.75


class SlaState(models.TextChoices):
    """A ticket's colour in the queue; ordered from the most to the least alarming."""

    BREACHED = "breached", _("Breached")
    AT_RISK = "at_risk", _("At risk")
    ON_TRACK = "on_track", _("On track")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    NOT_REQUIRED = "not_required", _("Not required")
    NO_SLA = "no_sla", _("No SLA")


def used_fraction(elapsed_seconds: int, target_seconds: int, started: bool) -> float:
    """The share of the target used (a zero target is all used once the clock started)."""
    if target_seconds == 0:
        return 1.0 if started else 0.0
    return elapsed_seconds / target_seconds


def clock_tone(state: str, fraction: float) -> str | None:
    """One clock's colour from its ClockState value and the share of its target used.

    Breached, met and paused clocks show their state; a running (or not yet started) clock is
    at risk from AT_RISK_FRACTION of its target; a clock not required (an on-site visit the
    ticket ended without needing) shows that. Any other state has no colour: None.
    """
    if state in (SlaState.BREACHED, SlaState.MET, SlaState.PAUSED, SlaState.NOT_REQUIRED):
        return state
    if state in ("running", "pending"):
        return SlaState.AT_RISK if fraction >= AT_RISK_FRACTION else SlaState.ON_TRACK
    return None


def state_of(tones: Iterable[str | None]) -> str:
    """The ticket's state from its clocks' tones: the most alarming one, else met (a clock
    not required colours only itself, never its ticket).

    The caller decides "no SLA" (a ticket without clocks)."""
    present = set(tones)
    for state in SlaState.values:
        if state == SlaState.NOT_REQUIRED:
            continue
        if state in present:
            return state
    return SlaState.MET


def state_filters(now: datetime) -> dict[str, Q]:
    """Per state, the SQL condition on the stored columns that a ticket is in it at ``now``.

    ``sla_state`` is the state when the clocks were last stored; only running clocks change
    state with time, at ``at_risk_from`` and then ``breach_from`` (both stored).
    """
    breached = Q(sla_state=SlaState.BREACHED) | Q(breach_from__lte=now)
    at_risk = ~breached & (Q(sla_state=SlaState.AT_RISK) | Q(at_risk_from__lte=now))
    calm = ~breached & ~at_risk
    filters = {SlaState.BREACHED.value: breached, SlaState.AT_RISK.value: at_risk}
    for state in (SlaState.ON_TRACK, SlaState.PAUSED, SlaState.MET, SlaState.NO_SLA):
        filters[state.value] = calm & Q(sla_state=state)
    return filters


def count_by_state(tickets: QuerySet[Any], now: datetime) -> tuple[int, dict[str, int]]:
    """The number of ``tickets`` and the number in each SLA state at ``now`` (one aggregate
    query on the stored columns; ``COUNT(*) FILTER (WHERE ...)`` on PostgreSQL). The desk
    queue's counts and the Prometheus gauge both read it."""
    filters = state_filters(now)
    aggregates = {f"n_{state}": Count("pk", filter=q) for state, q in filters.items()}
    row = tickets.order_by().aggregate(total=Count("pk"), **aggregates)
    return row["total"], {state: row[f"n_{state}"] for state in filters}
