"""All writes to tickets. Each public function is one transaction that appends events.

Clocks are never patched: after every change ``refresh_clocks`` re-derives them from the
ticket's events with the engine (docs/sla-clock.md, "Ticket clocks").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction

from servicepact.assets.coverage import Coverage, resolve_coverage
from servicepact.assets.models import Asset
from servicepact.contracts.choices import CoverageStatus
from servicepact.contracts.terms import Terms
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.time import now as current_time
from servicepact.core.time import require_aware
from servicepact.customers.models import Contact, Customer
from servicepact.tickets.choices import Category, Channel, EventKind, Status, TicketKind
from servicepact.tickets.models import Comment, Ticket, TicketEvent
from servicepact.tickets.refresh import refresh_clocks
from servicepact.tickets.refresh import ticket_terms as _ticket_terms

# ---------------------------------------------------------------- helpers


def record_event(
    ticket: Ticket,
    *,
    kind: str,
    actor: Any = None,
    at: datetime | None = None,
    data: dict[str, Any] | None = None,
    public: bool = True,
    recorded_at: datetime | None = None,
) -> TicketEvent:
    recorded = recorded_at or current_time()
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        at=at or recorded,
        recorded_at=recorded,
        actor=actor if getattr(actor, "pk", None) else None,
        data=data or {},
        public=public,
    )


def _lock(ticket: Ticket) -> Ticket:
    """Re-reads the ticket under a row lock so concurrent transitions serialise."""
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _check_from(ticket: Ticket, action: str, allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    if ticket.status not in allowed:
        names = ", ".join(str(Status(s).label) for s in allowed)
        raise TransitionError(
            f"cannot {action} ticket {ticket.number}: it is {Status(ticket.status).label!s}; "
            f"allowed from: {names}"
        )


def _instant(at: datetime | None, ticket: Ticket, field: str = "at") -> datetime:
    """An event instant: now by default; a given one must be aware, not future, not before opening."""
    moment = current_time()
    if at is None:
        return moment
    require_aware(at, field)
    if at > moment:
        raise DomainValidationError({field: ["must not be in the future"]})
    if at < ticket.opened_at:
        raise DomainValidationError({field: ["must not be before the ticket was opened"]})
    return at


def ticket_terms(ticket: Ticket) -> Terms:
    return _ticket_terms(ticket)


def _validate_choice(value: str, choices: type, field: str, errors: dict[str, list[str]]) -> None:
    if value not in choices.values:  # type: ignore[attr-defined]
        errors[field] = [f"must be one of {', '.join(choices.values)}"]  # type: ignore[attr-defined]


# ---------------------------------------------------------------- opening


def _validate_open(
    customer: Customer,
    contact: Contact | None,
    asset: Asset | None,
    subject: str,
    impact: int,
    urgency: int,
    priority: int | None,
    channel: str,
    category: str,
    kind: str,
) -> None:
    errors: dict[str, list[str]] = {}
    if not subject.strip():
        errors["subject"] = ["must not be empty"]
    for name, value in (("impact", impact), ("urgency", urgency)):
        if value not in (1, 2, 3, 4):
            errors[name] = ["must be 1 (highest) to 4 (lowest)"]
    if priority is not None and priority not in (1, 2, 3, 4):
        errors["priority"] = ["must be 1 to 4"]
    if asset is not None and asset.customer_id != customer.pk:
        errors["asset"] = [f"asset {asset.hostname} does not belong to {customer.name}"]
    if contact is not None and contact.customer_id != customer.pk:
        errors["contact"] = [f"contact {contact.name} does not belong to {customer.name}"]
    _validate_choice(channel, Channel, "channel", errors)
    _validate_choice(category, Category, "category", errors)
    _validate_choice(kind, TicketKind, "kind", errors)
    if errors:
        raise DomainValidationError(errors)


@transaction.atomic
def open_ticket(
    *,
    customer: Customer,
    subject: str,
    description: str = "",
    contact: Contact | None = None,
    asset: Asset | None = None,
    channel: str = Channel.PORTAL,
    category: str = Category.HARDWARE,
    kind: str = TicketKind.INCIDENT,
    impact: int = 3,
    urgency: int = 3,
    priority: int | None = None,
    actor: Any = None,
    opened_at: datetime | None = None,
) -> Ticket:
    """Opens a ticket: resolves coverage, derives the priority, starts the clocks.

    ``opened_at`` may lie in the past (imports, e-mail received earlier); never in the future.
    """
    _validate_open(
        customer, contact, asset, subject, impact, urgency, priority, channel, category, kind
    )
    moment = current_time()
    at = require_aware(opened_at, "opened_at") if opened_at else moment
    if at > moment:
        raise DomainValidationError({"opened_at": ["must not be in the future"]})
    coverage = resolve_coverage(
        customer=customer, asset=asset, at=at, impact=impact, urgency=urgency, priority=priority
    )
    final_priority = priority or coverage.terms.priority_for(impact, urgency)
    site = (asset.site if asset else None) or (contact.site if contact else None)
    ticket = Ticket.objects.create(
        kind=kind,
        customer=customer,
        contact=contact,
        asset=asset,
        site=site,
        channel=channel,
        category=category,
        impact=impact,
        urgency=urgency,
        priority=final_priority,
        priority_name=coverage.terms.priority_name(final_priority),
        subject=subject.strip(),
        description=description,
        status=Status.NEW,
        coverage=coverage.status,
        coverage_explanation=coverage.explanation,
        coverage_expires_on=coverage.expires_on,
        contract=coverage.contract,
        contract_version=coverage.version,
        timezone=site.timezone if site else customer.timezone,
        opened_at=at,
        opened_by=actor if getattr(actor, "pk", None) else None,
    )
    ticket.number = f"SP-{ticket.pk:06d}"
    ticket.save(update_fields=["number"])
    record_event(
        ticket,
        kind=EventKind.OPENED,
        actor=actor,
        at=at,
        recorded_at=moment,
        data=_opened_data(ticket, coverage),
    )
    refresh_clocks(ticket, now=moment)
    return ticket


def _opened_data(ticket: Ticket, coverage: Coverage) -> dict[str, Any]:
    return {
        "priority": ticket.priority,
        "impact": ticket.impact,
        "urgency": ticket.urgency,
        "coverage": coverage.status,
        "contract": coverage.contract.number if coverage.contract else None,
        "version": coverage.version.number if coverage.version else None,
        "explanation": coverage.explanation,
        "in_grace": coverage.status == CoverageStatus.GRACE,
    }


# ---------------------------------------------------------------- lifecycle


def _simple_transition(
    ticket: Ticket,
    *,
    action: str,
    allowed: Iterable[str],
    to: str | None,
    event: str,
    actor: Any,
    at: datetime | None = None,
    data: dict[str, Any] | None = None,
    public: bool = True,
    set_fields: dict[str, Any] | None = None,
) -> Ticket:
    ticket = _lock(ticket)
    _check_from(ticket, action, allowed)
    moment = _instant(at, ticket)
    before = ticket.status
    fields = dict(set_fields or {})
    if to is not None:
        fields["status"] = to
    for name, value in fields.items():
        setattr(ticket, name, value(moment) if callable(value) else value)
    ticket.save(update_fields=[*fields, "updated_at"])
    record_event(
        ticket,
        kind=event,
        actor=actor,
        at=moment,
        data={"status": [before, ticket.status], **(data or {})},
        public=public,
    )
    refresh_clocks(ticket, now=current_time())
    return ticket


@transaction.atomic
def acknowledge_ticket(*, ticket: Ticket, actor: Any, at: datetime | None = None) -> Ticket:
    """First response: new -> acknowledged (stops the first-response clock)."""
    return _simple_transition(
        ticket,
        action="acknowledge",
        allowed=[Status.NEW],
        to=Status.ACKNOWLEDGED,
        event=EventKind.ACKNOWLEDGED,
        actor=actor,
        at=at,
        set_fields={"acknowledged_at": lambda m: m},
    )


@transaction.atomic
def start_work(*, ticket: Ticket, actor: Any, at: datetime | None = None) -> Ticket:
    return _simple_transition(
        ticket,
        action="start work on",
        allowed=[Status.ACKNOWLEDGED],
        to=Status.IN_PROGRESS,
        event=EventKind.STARTED,
        actor=actor,
        at=at,
    )


@transaction.atomic
def pause_ticket(*, ticket: Ticket, actor: Any, reason: str, at: datetime | None = None) -> Ticket:
    """Waiting on customer: pauses the restore and resolution clocks. A reason is required."""
    if not reason.strip():
        raise DomainValidationError({"reason": ["say why the ticket waits on the customer"]})
    return _simple_transition(
        ticket,
        action="pause",
        allowed=[Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.SOLUTION_PROPOSED],
        to=Status.WAITING,
        event=EventKind.PAUSED,
        actor=actor,
        at=at,
        data={"reason": reason.strip()},
        set_fields={"waiting_reason": reason.strip()},
    )


@transaction.atomic
def resume_ticket(*, ticket: Ticket, actor: Any, at: datetime | None = None) -> Ticket:
    return _simple_transition(
        ticket,
        action="resume",
        allowed=[Status.WAITING],
        to=Status.IN_PROGRESS,
        event=EventKind.RESUMED,
        actor=actor,
        at=at,
        set_fields={"waiting_reason": ""},
    )


@transaction.atomic
def record_restore(
    *, ticket: Ticket, actor: Any, note: str = "", at: datetime | None = None
) -> Ticket:
    """Service restored by a workaround: stops the restore clock; the ticket stays open."""
    if ticket.events.filter(kind=EventKind.RESTORED).exists():
        raise TransitionError(f"service restoration is already recorded on {ticket.number}")
    return _simple_transition(
        ticket,
        action="record restoration on",
        allowed=[Status.ACKNOWLEDGED, Status.IN_PROGRESS],
        to=None,
        event=EventKind.RESTORED,
        actor=actor,
        at=at,
        data={"note": note},
    )


@transaction.atomic
def record_onsite_arrival(
    *, ticket: Ticket, actor: Any, at: datetime | None = None, engineer: str = ""
) -> Ticket:
    """The engineer arrived on site (``at`` may be earlier than now: recorded after the fact)."""
    if ticket.events.filter(kind=EventKind.ONSITE_ARRIVED).exists():
        raise TransitionError(f"on-site arrival is already recorded on {ticket.number}")
    return _simple_transition(
        ticket,
        action="record on-site arrival on",
        allowed=[
            Status.NEW,
            Status.ACKNOWLEDGED,
            Status.IN_PROGRESS,
            Status.WAITING,
            Status.SOLUTION_PROPOSED,
        ],
        to=None,
        event=EventKind.ONSITE_ARRIVED,
        actor=actor,
        at=at,
        data={"engineer": engineer},
    )


@transaction.atomic
def propose_solution(
    *, ticket: Ticket, actor: Any, solution: str, at: datetime | None = None
) -> Ticket:
    if not solution.strip():
        raise DomainValidationError({"solution": ["describe the proposed solution"]})
    return _simple_transition(
        ticket,
        action="propose a solution for",
        allowed=[Status.ACKNOWLEDGED, Status.IN_PROGRESS],
        to=Status.SOLUTION_PROPOSED,
        event=EventKind.SOLUTION_PROPOSED,
        actor=actor,
        at=at,
        data={"solution": solution.strip()},
    )


@transaction.atomic
def resolve_ticket(
    *, ticket: Ticket, actor: Any, resolution: str = "", at: datetime | None = None
) -> Ticket:
    """Stops the resolution (and restore) clocks."""
    return _simple_transition(
        ticket,
        action="resolve",
        allowed=[Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.SOLUTION_PROPOSED],
        to=Status.RESOLVED,
        event=EventKind.RESOLVED,
        actor=actor,
        at=at,
        data={"resolution": resolution.strip()},
        set_fields={"resolved_at": lambda m: m},
    )


@transaction.atomic
def close_ticket(
    *, ticket: Ticket, actor: Any, automatic: bool = False, at: datetime | None = None
) -> Ticket:
    """Resolved -> closed: the customer confirms, staff close, or the worker after N days."""
    return _simple_transition(
        ticket,
        action="close",
        allowed=[Status.RESOLVED],
        to=Status.CLOSED,
        event=EventKind.CLOSED,
        actor=actor,
        at=at,
        data={"automatic": automatic},
        set_fields={"closed_at": lambda m: m},
    )


@transaction.atomic
def reopen_ticket(*, ticket: Ticket, actor: Any, reason: str, at: datetime | None = None) -> Ticket:
    """Resolved -> in progress: the resolution clock continues where it stopped."""
    if not reason.strip():
        raise DomainValidationError({"reason": ["say why the ticket is reopened"]})
    return _simple_transition(
        ticket,
        action="reopen",
        allowed=[Status.RESOLVED],
        to=Status.IN_PROGRESS,
        event=EventKind.REOPENED,
        actor=actor,
        at=at,
        data={"reason": reason.strip()},
        set_fields={"resolved_at": None},
    )


@transaction.atomic
def change_priority(
    *, ticket: Ticket, actor: Any, priority: int, reason: str, at: datetime | None = None
) -> Ticket:
    """Moves the ticket to another priority; the clocks are re-measured against its targets."""
    if priority not in (1, 2, 3, 4):
        raise DomainValidationError({"priority": ["must be 1 to 4"]})
    if not reason.strip():
        raise DomainValidationError({"reason": ["say why the priority changes"]})
    ticket = _lock(ticket)
    _check_from(
        ticket,
        "change the priority of",
        [s for s in Status.values if s not in (Status.RESOLVED, Status.CLOSED)],
    )
    if priority == ticket.priority:
        raise TransitionError(f"ticket {ticket.number} already has priority P{priority}")
    moment = _instant(at, ticket)
    before = ticket.priority
    terms = ticket_terms(ticket)
    ticket.priority = priority
    ticket.priority_name = terms.priority_name(priority)
    ticket.save(update_fields=["priority", "priority_name", "updated_at"])
    record_event(
        ticket,
        kind=EventKind.PRIORITY_CHANGED,
        actor=actor,
        at=moment,
        data={"priority": [before, priority], "reason": reason.strip()},
    )
    refresh_clocks(
        ticket, now=current_time(), reason=f"priority P{before} -> P{priority}: {reason.strip()}"
    )
    return ticket


@transaction.atomic
def assign_ticket(
    *,
    ticket: Ticket,
    actor: Any,
    assignee: Any = None,
    team: Any = None,
    at: datetime | None = None,
) -> Ticket:
    ticket = _lock(ticket)
    _check_from(ticket, "assign", [s for s in Status.values if s != Status.CLOSED])
    if assignee is not None and not getattr(assignee, "is_staff", False):
        raise DomainValidationError({"assignee": ["only provider staff can be assigned"]})
    before = [
        ticket.assignee.get_username() if ticket.assignee else None,
        ticket.team.name if ticket.team else None,
    ]
    ticket.assignee, ticket.team = assignee, team
    ticket.save(update_fields=["assignee", "team", "updated_at"])
    after = [assignee.get_username() if assignee else None, team.name if team else None]
    record_event(
        ticket,
        kind=EventKind.ASSIGNED,
        actor=actor,
        at=_instant(at, ticket),
        data={"assignee": [before[0], after[0]], "team": [before[1], after[1]]},
        public=False,
    )
    return ticket


@transaction.atomic
def add_comment(
    *, ticket: Ticket, author: Any, body: str, internal: bool = False, at: datetime | None = None
) -> Comment:
    if not body.strip():
        raise DomainValidationError({"body": ["must not be empty"]})
    if internal and not getattr(author, "is_staff", False):
        raise DomainValidationError({"internal": ["only provider staff write internal comments"]})
    moment = _instant(at, ticket)
    comment = Comment.objects.create(
        ticket=ticket, author=author, body=body.strip(), is_internal=internal, created_at=moment
    )
    record_event(
        ticket,
        kind=EventKind.COMMENTED,
        actor=author,
        at=moment,
        data={"comment_id": comment.pk, "internal": internal},
        public=not internal,
    )
    return comment


# ---------------------------------------------------------------- recompute after terms or calendars change


def reassess_contract_tickets(*, contract: Any, reason: str) -> int:
    """After an amendment: re-pick each open ticket's version in force at its opening.

    Returns how many tickets changed version; their moved deadlines are recorded with ``reason``.
    """
    from servicepact.contracts.terms import version_in_force

    changed = 0
    moment = current_time()
    for ticket in Ticket.objects.filter(contract=contract).exclude(
        status__in=[Status.RESOLVED, Status.CLOSED]
    ):
        with transaction.atomic():
            ticket = _lock(ticket)
            version = version_in_force(contract, ticket.opened_at)
            if version is None or version.pk == ticket.contract_version_id:
                continue
            before = ticket.contract_version.number if ticket.contract_version else None
            ticket.contract_version = version
            ticket.save(update_fields=["contract_version", "updated_at"])
            record_event(
                ticket,
                kind=EventKind.UPDATED,
                at=moment,
                public=True,
                data={"contract_version": [before, version.number], "reason": reason},
            )
            refresh_clocks(
                ticket, now=moment, reason=f"contract {contract.number} v{version.number}: {reason}"
            )
            changed += 1
    return changed


def recompute_stale_clocks(*, limit: int = 500) -> int:
    """Clocks measured on an older calendar revision are re-derived (each move is recorded).

    Found by a column comparison, not by scanning: running clocks whose stored revision differs
    from their calendar's current one. Also running clocks of tickets that are no longer open
    (stored before on-site clocks ended with the resolution): they become "not required", or
    stay breached if they were (tickets.refresh.settle).
    """
    from django.db.models import F, Q

    from servicepact.tickets.models import SlaClock

    ticket_ids = list(
        SlaClock.objects.filter(stopped_at__isnull=True)
        .filter(
            ~Q(calendar_revision=F("calendar__revision"))
            | Q(ticket__status__in=(Status.RESOLVED, Status.CLOSED))
        )
        .order_by("ticket_id")
        .values_list("ticket_id", flat=True)
        .distinct()[:limit]
    )
    moment = current_time()
    for ticket_id in ticket_ids:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
            refresh_clocks(ticket, now=moment)
    return len(ticket_ids)
