"""What a new ticket would get if filed now: coverage, priority and each target's deadline.

Read-only by construction: coverage resolution and the engine's deadline arithmetic only read
the database (compiled calendars are cached in memory). Shares the site and zone choice with
``tickets.services.open_ticket`` (``ticket_site``, ``ticket_zone``) and the metrics that apply
to the category (``contracts.metrics.MetricDef.applies``), so the preview matches the ticket. Used
by the portal's and the desk's new-ticket forms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from servicepact.assets.coverage import Coverage, resolve_coverage
from servicepact.assets.models import Asset
from servicepact.contracts.calendars import compiled_calendar
from servicepact.contracts.choices import ClockStage
from servicepact.contracts.metrics import MetricDef, load_metrics
from servicepact.contracts.models import Calendar
from servicepact.core.time import local_date
from servicepact.customers.models import Contact, Customer, Site
from servicepact.slaclock import SpanError


@dataclass(frozen=True)
class DeadlinePreview:
    metric: str
    target_seconds: int
    deadline_at: datetime | None  # None only if the calendar never opens within its span
    definition: MetricDef | None = None

    @property
    def label(self) -> str:
        return self.definition.label if self.definition is not None else self.metric


@dataclass(frozen=True)
class TicketPreview:
    coverage: Coverage
    priority: int
    priority_name: str
    at: datetime
    deadlines: list[DeadlinePreview] = field(default_factory=list)


def ticket_site(asset: Asset | None, contact: Contact | None) -> Site | None:
    """A ticket's site: the asset's, else the contact's."""
    return (asset.site if asset else None) or (contact.site if contact else None)


def ticket_zone(site: Site | None, customer: Customer) -> str:
    """A ticket's zone (measured in it when a target says "in the site's zone")."""
    return site.timezone if site else customer.timezone


def preview_ticket(
    *,
    customer: Customer,
    contact: Contact | None,
    asset: Asset | None,
    impact: int,
    urgency: int,
    category: str,
    at: datetime,
) -> TicketPreview:
    coverage = resolve_coverage(
        customer=customer, asset=asset, at=at, impact=impact, urgency=urgency
    )
    terms = coverage.terms
    priority = terms.priority_for(impact, urgency)
    zone = ticket_zone(ticket_site(asset, contact), customer)
    calendars: dict[int, Calendar] = {}
    deadlines = []
    # Only clocks that start at the opening have a deadline now; the others (from the fault's
    # confirmation, a dispatch ...) start later.
    for metric, definition in load_metrics().items():
        if definition.start != ClockStage.OPENED or not definition.applies(category):
            continue
        term = terms.target(priority, metric, category)
        if term is None:
            continue
        calendar = calendars.get(term.calendar_id)
        if calendar is None:
            calendar = calendars[term.calendar_id] = Calendar.objects.get(pk=term.calendar_id)
        zone_name = zone if term.measure_in_site_timezone else calendar.timezone
        day = local_date(at, zone_name)
        compiled = compiled_calendar(calendar, timezone=zone_name, first=day, last=day)
        try:
            deadline: datetime | None = compiled.deadline(at, term.target_seconds)
        except SpanError:
            deadline = None
        deadlines.append(DeadlinePreview(metric, term.target_seconds, deadline, definition))
    return TicketPreview(
        coverage=coverage,
        priority=priority,
        priority_name=terms.priority_name(priority),
        at=at,
        deadlines=deadlines,
    )
