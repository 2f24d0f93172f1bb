"""Vendor back-to-back clocks: a vendor contract's targets measured on a ticket beside ours.

A ticket relies on a vendor contract in force on its opening day that is linked to the
ticket's asset or to its contract. Each vendor target whose metric applies to the ticket
and has started is evaluated live from the ticket's events with the same engine and rules
as our clocks (``refresh.evaluate_metric``), on the vendor's calendar. Nothing is stored:
no escalation, no statement line and never a customer credit (docs/field-service.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from servicepact.assets.models import VendorContract, VendorTarget
from servicepact.contracts.metrics import MetricDef, load_metrics
from servicepact.contracts.models import Calendar
from servicepact.contracts.terms import TargetTerm
from servicepact.core.time import local_date
from servicepact.slaclock import ClockResult
from servicepact.tickets.choices import ClockState, stored_clock_state
from servicepact.tickets.models import Ticket
from servicepact.tickets.refresh import evaluate_metric, event_facts, started


@dataclass(frozen=True)
class VendorClock:
    vendor_contract: VendorContract
    target: VendorTarget
    definition: MetricDef
    term: TargetTerm
    result: ClockResult
    calendar: Calendar
    timezone: str

    @property
    def state(self) -> str:
        """The stored-clock vocabulary (running, paused, met, breached, not required)."""
        return str(stored_clock_state(self.result.state))

    @property
    def state_label(self) -> str:
        return str(ClockState(self.state).label)


def relied_on(ticket: Ticket) -> list[VendorContract]:
    """The vendor contracts the ticket relies on (in force on its opening day, linked to its
    asset or its contract)."""
    if ticket.asset_id is None and ticket.contract_id is None:
        return []
    day = local_date(ticket.opened_at, ticket.timezone)
    links = Q(assets=ticket.asset_id) if ticket.asset_id else Q()
    if ticket.contract_id:
        links |= Q(contracts=ticket.contract_id)
    rows = VendorContract.objects.filter(links, start_date__lte=day, end_date__gte=day)
    return list(rows.distinct().select_related("calendar").prefetch_related("targets"))


def vendor_clocks(ticket: Ticket, now: datetime) -> list[VendorClock]:
    """The vendor clocks of ``ticket`` at ``now``, by vendor then metric order."""
    contracts = relied_on(ticket)
    if not contracts:
        return []
    facts = event_facts(ticket)
    metrics = load_metrics()
    calendars: dict[int, Calendar] = {}
    out: list[VendorClock] = []
    for contract in contracts:
        calendars.setdefault(contract.calendar_id, contract.calendar)
        order = {code: i for i, code in enumerate(metrics)}
        targets = sorted(contract.targets.all(), key=lambda t: order.get(t.metric, len(order)))
        for target in targets:
            definition = metrics.get(target.metric)
            if definition is None or not definition.applies(ticket.category, ticket.kind):
                continue
            if not started(definition, facts):
                continue
            term = TargetTerm(
                priority=ticket.priority,
                metric=target.metric,
                target_seconds=target.target_minutes * 60,
                calendar_id=contract.calendar_id,
                measure_in_site_timezone=False,
                source=f"vendor {contract.vendor}",
            )
            result, calendar, zone = evaluate_metric(
                ticket, term, facts, now, calendars, definition
            )
            out.append(VendorClock(contract, target, definition, term, result, calendar, zone))
    return out
