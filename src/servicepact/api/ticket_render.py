"""What a ticket looks like over the API: summary (lists) and detail (with live SLA clocks).

The detail evaluates every clock at request time with the engine from the ticket's events
under its terms (``tickets.live.clocks_for_ticket``), so elapsed and remaining are current
to the second; it writes nothing. Lists show the stored snapshot (``evaluated_at`` says when).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from ninja import Schema

from servicepact.api.common import ListOut, Ref, UserRef, is_staff, user_ref
from servicepact.api.lines import AssetRef
from servicepact.contracts.metrics import MetricDef, metric_codes, pause_label, stage_label
from servicepact.tickets.live import clocks_for_ticket
from servicepact.tickets.models import SlaClock, Ticket
from servicepact.tickets.selectors import visible_comments, visible_events
from servicepact.tickets.vendor_clocks import vendor_clocks


class CoverageOut(Schema):
    status: str
    explanation: str
    explanation_code: str
    contract_id: int | None
    contract_number: str | None
    version: int | None
    expires_on: date | None
    # Coverage "warranty": the entitlement whose tier measures the ticket (no contract).
    warranty_id: int | None = None


class ClockSummary(Schema):
    metric: str
    state: str
    target_seconds: int
    deadline: datetime | None
    breached_at: datetime | None
    evaluated_at: datetime


class MetricOut(Schema):
    """What a metric measures (``contracts.models.SlaMetric``)."""

    id: int
    code: str
    name: str  # in the reader's language
    name_en: str
    name_zh: str
    description: str
    start_event: str
    start_event_label: str
    stop_events: list[str]
    stop_event_labels: list[str]
    end_events: list[str]
    pause_statuses: list[str]
    pause_status_labels: list[str]
    restart_on_reopen: bool
    categories: list[str]  # empty: every category
    kinds: list[str]  # empty: every kind
    position: int


class ClockDefinition(Schema):
    """The definition a clock measures by (the API's ticket detail)."""

    code: str
    name: str
    start_event: str
    start_event_label: str
    stop_events: list[str]
    stop_event_labels: list[str]
    pause_statuses: list[str]
    pause_status_labels: list[str]


class ClockOut(Schema):
    metric: str
    state: str
    priority: int
    target_seconds: int
    target_source: str
    calendar: Ref
    timezone: str
    started_at: datetime | None
    stopped_at: datetime | None
    deadline: datetime | None
    elapsed_seconds: int
    remaining_seconds: int
    breached_at: datetime | None
    breached_by_seconds: int
    fraction: float
    next_check_at: datetime | None = None


class EventOut(Schema):
    id: int
    kind: str
    at: datetime
    recorded_at: datetime
    actor: UserRef | None
    data: dict[str, Any]
    public: bool


class CommentOut(Schema):
    id: int
    author: UserRef | None
    # The customer's contact who wrote it by e-mail without a portal account (author null).
    contact: Ref | None = None
    body: str
    internal: bool
    created_at: datetime


class TicketOut(Schema):
    id: int
    number: str
    kind: str
    status: str
    subject: str
    customer: Ref
    contact: Ref | None
    asset: AssetRef | None
    site: Ref | None
    channel: str
    category: str
    impact: int
    urgency: int
    priority: int
    priority_name: str
    waiting_reason: str
    support_level: int  # 1st, 2nd or 3rd level support (functional escalation)
    support_level_label: str
    assignee: UserRef | None
    team: Ref | None
    opened_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    next_deadline_at: datetime | None
    coverage: CoverageOut
    clocks: list[ClockSummary]


class VendorClockOut(Schema):
    """A vendor's back-to-back clock on the ticket (``tickets.vendor_clocks``): measured
    beside ours, never a customer credit."""

    vendor_contract: int
    vendor: str
    vendor_kind: str
    metric: str
    metric_name: str
    target_seconds: int
    calendar: Ref
    timezone: str
    state: str
    started_at: datetime | None
    stopped_at: datetime | None
    deadline: datetime | None
    elapsed_seconds: int
    remaining_seconds: int
    breached_by_seconds: int


class TicketDetail(TicketOut):
    description: str
    opened_by: UserRef | None
    evaluated_at: datetime
    clocks: list[ClockOut]  # type: ignore[assignment]
    # What each clock measures, in the clocks' order (one per metric; ``code`` = its metric).
    clock_definitions: list[ClockDefinition]
    events: list[EventOut]
    comments: list[CommentOut]
    # Staff only (a contact gets []): the vendors' clocks, "where the risk comes from".
    vendor_clocks: list[VendorClockOut] = []


class TicketList(ListOut):
    items: list[TicketOut]
    count: int


def _ref(obj: Any, attr: str = "name") -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, attr: getattr(obj, attr)}


def coverage_of(ticket: Ticket) -> dict[str, Any]:
    return {
        "status": ticket.coverage,
        "explanation": ticket.coverage_text,
        "explanation_code": ticket.coverage_code,
        "contract_id": ticket.contract_id,
        "contract_number": ticket.contract.number if ticket.contract else None,
        "version": ticket.contract_version.number if ticket.contract_version else None,
        "expires_on": ticket.coverage_expires_on,
        "warranty_id": ticket.warranty_id,
    }


def _fields(ticket: Ticket, *, staff: bool = True) -> dict[str, Any]:
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "kind": ticket.kind,
        "status": ticket.status,
        # Contacts never read a monitoring alert's name (Ticket.customer_subject).
        "subject": ticket.subject if staff else ticket.customer_subject,
        "customer": _ref(ticket.customer),
        "contact": _ref(ticket.contact),
        "asset": _ref(ticket.asset, "hostname"),
        "site": _ref(ticket.site),
        "channel": ticket.channel,
        "category": ticket.category,
        "impact": ticket.impact,
        "urgency": ticket.urgency,
        "priority": ticket.priority,
        "priority_name": ticket.priority_name,
        "waiting_reason": ticket.waiting_reason,
        "support_level": ticket.support_level,
        "support_level_label": str(ticket.get_support_level_display()),
        "assignee": user_ref(ticket.assignee),
        "team": _ref(ticket.team),
        "opened_at": ticket.opened_at,
        "acknowledged_at": ticket.acknowledged_at,
        "resolved_at": ticket.resolved_at,
        "closed_at": ticket.closed_at,
        "next_deadline_at": ticket.next_deadline_at,
        "coverage": coverage_of(ticket),
    }


# What ``render_summary`` reads, and nothing else: a list row leaves the long texts
# (description) and the related rows' other columns (the contract version's matrices, the
# plan, users' passwords) in the database.
SUMMARY_FIELDS = (
    "number", "kind", "status", "subject", "channel", "category", "impact", "urgency",
    "priority", "priority_name", "waiting_reason", "support_level", "opened_at", "acknowledged_at",
    "resolved_at", "closed_at", "next_deadline_at", "coverage", "coverage_explanation",
    "coverage_facts", "coverage_expires_on", "customer__name", "contact__name", "asset__hostname", "site__name",
    "assignee__username", "assignee__first_name", "assignee__last_name", "team__name",
    "contract__number", "contract_version__number",
)  # fmt: skip
SUMMARY_RELATED = ("customer", "contact", "asset", "site", "assignee", "team", "contract",
                   "contract_version")  # fmt: skip
SUMMARY_CLOCK_FIELDS = (
    "ticket_id", "metric", "state", "target_seconds", "deadline_at", "breached_at",
    "evaluated_at",
)  # fmt: skip


def summary_queryset(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """``tickets`` reading only what list rows show: the columns of SUMMARY_FIELDS, their
    related rows joined, the clock snapshots prefetched with their shown columns."""
    clocks = SlaClock.objects.only(*SUMMARY_CLOCK_FIELDS).order_by("metric")
    return (
        tickets.select_related(None)
        .select_related(*SUMMARY_RELATED)
        .prefetch_related(None)
        .prefetch_related(Prefetch("clocks", queryset=clocks))
        .only(*SUMMARY_FIELDS)
    )


def metric_rank() -> dict[str, int]:
    """Metric code -> display position (one query; a list reads it once per page)."""
    return {code: i for i, code in enumerate(metric_codes())}


def render_summary(
    ticket: Ticket, *, staff: bool = True, rank: dict[str, int] | None = None
) -> dict[str, Any]:
    """A list row: the stored clock snapshots (prefetched), no per-row queries (pass
    ``rank``, ``metric_rank()``, read once per page)."""
    rank = metric_rank() if rank is None else rank
    clocks = sorted(ticket.clocks.all(), key=lambda c: rank.get(c.metric, len(rank)))
    return {
        **_fields(ticket, staff=staff),
        "clocks": [
            {
                "metric": c.metric,
                "state": c.state,
                "target_seconds": c.target_seconds,
                "deadline": c.deadline_at,
                "breached_at": c.breached_at,
                "evaluated_at": c.evaluated_at,
            }
            for c in clocks
        ],
    }


def clock_definition(found: MetricDef | None) -> dict[str, Any] | None:
    if found is None:
        return None
    stops = sorted(found.stops)
    pauses = sorted(found.pause_statuses)
    return {
        "code": found.code,
        "name": found.label,
        "start_event": found.start,
        "start_event_label": stage_label(found.start),
        "stop_events": stops,
        "stop_event_labels": [stage_label(s) for s in stops],
        "pause_statuses": pauses,
        "pause_status_labels": [pause_label(p) for p in pauses],
    }


def live_clocks(ticket: Ticket, moment: datetime, *, staff: bool) -> list[dict[str, Any]]:
    """Every stored clock as of ``moment`` (``tickets.live.clocks_for_ticket``, read-only)."""
    return [
        {
            "metric": c.metric,
            "definition": clock_definition(c.definition),  # for clock_definitions
            "priority": c.priority,
            "target_seconds": c.target_seconds,
            "target_source": c.source,
            "calendar": {"id": c.calendar_id, "name": c.calendar_name},
            "timezone": c.timezone,
            "state": c.state,
            "started_at": c.started_at,
            "stopped_at": c.stopped_at,
            "deadline": c.deadline_at,
            "elapsed_seconds": c.elapsed_seconds,
            "remaining_seconds": c.remaining_seconds,
            "breached_at": c.breached_at,
            "breached_by_seconds": c.breached_by_seconds,
            "fraction": c.fraction,
            # The worker's schedule, not a customer's concern.
            "next_check_at": c.next_check_at if staff else None,
        }
        for c in clocks_for_ticket(ticket, moment)
    ]


def render_detail(request: HttpRequest, ticket: Ticket, moment: datetime) -> dict[str, Any]:
    user = request.user
    staff = is_staff(request)
    return {
        **_fields(ticket, staff=staff),
        "description": ticket.description if staff else ticket.customer_description,
        "opened_by": user_ref(ticket.opened_by),
        "evaluated_at": moment,
        "clocks": (clocks := live_clocks(ticket, moment, staff=is_staff(request))),
        "clock_definitions": [c["definition"] for c in clocks if c["definition"] is not None],
        "events": [render_event(e) for e in visible_events(user, ticket)],
        "comments": [render_comment(c) for c in visible_comments(user, ticket)],
        "vendor_clocks": render_vendor_clocks(ticket, moment) if staff else [],
    }


def render_vendor_clocks(ticket: Ticket, moment: datetime) -> list[dict[str, Any]]:
    return [
        {
            "vendor_contract": v.vendor_contract.pk,
            "vendor": v.vendor_contract.vendor,
            "vendor_kind": v.vendor_contract.kind,
            "metric": v.target.metric,
            "metric_name": v.definition.label,
            "target_seconds": v.term.target_seconds,
            "calendar": {"id": v.calendar.pk, "name": v.calendar.name},
            "timezone": v.timezone,
            "state": v.state,
            "started_at": v.result.started_at,
            "stopped_at": v.result.stopped_at,
            "deadline": v.result.deadline,
            "elapsed_seconds": v.result.elapsed_seconds,
            "remaining_seconds": v.result.remaining_seconds,
            "breached_by_seconds": v.result.breached_by_seconds,
        }
        for v in vendor_clocks(ticket, moment)
    ]


def render_event(event: Any) -> dict[str, Any]:
    return {
        "id": event.pk,
        "kind": event.kind,
        "at": event.at,
        "recorded_at": event.recorded_at,
        "actor": user_ref(event.actor),
        "data": event.data,
        "public": event.public,
    }


def render_comment(comment: Any) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "author": user_ref(comment.author),
        "contact": _ref(comment.contact),
        "body": comment.text,
        "internal": comment.is_internal,
        "created_at": comment.created_at,
    }
