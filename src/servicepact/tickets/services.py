"""All writes to tickets. Each public function is one transaction that appends events.

Clocks are never patched: after every change ``refresh_clocks`` re-derives them from the
ticket's events with the engine (docs/sla-clock.md, "Ticket clocks").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from servicepact.accounts.actors import Actor
from servicepact.assets.coverage import (
    Coverage,
    CoverageLookups,
    explain,
    reinstated_facts,
    resolve_coverage,
)
from servicepact.assets.models import Asset
from servicepact.contracts.choices import CoverageStatus
from servicepact.contracts.terms import Terms
from servicepact.core.bulk import insert_instances, insert_rows_with_ids, update_rows
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.time import now as current_time
from servicepact.core.time import require_aware
from servicepact.customers.models import Contact, Customer
from servicepact.customers.selectors import contact_for, is_staff
from servicepact.tickets import events, system_notes
from servicepact.tickets.choices import (
    OPEN_STATUSES,
    REASON_MAX_CHARS,
    SUBJECT_MAX_CHARS,
    TEXT_MAX_CHARS,
    Category,
    Channel,
    EventKind,
    Status,
    SupportLevel,
    TicketKind,
)
from servicepact.tickets.events import EventPayload
from servicepact.tickets.models import Comment, Ticket
from servicepact.tickets.notify import TO_CUSTOMER as TO_CUSTOMER_STEPS
from servicepact.tickets.notify import Step, notify_step
from servicepact.tickets.preview import ticket_site, ticket_zone
from servicepact.tickets.refresh import refresh_clocks, refresh_many, thresholds_for
from servicepact.tickets.refresh import ticket_terms as _ticket_terms
from servicepact.tickets.system_notes import (
    PLAN_TARGET_SET,
    PRIORITY_MOVED,
    TERMS_MOVED,
    Reason,
    SystemNote,
    reason_data,
)
from servicepact.tickets.transitions import ALLOWED

# ---------------------------------------------------------------- helpers


# Appends an event built by a ``tickets.events`` constructor (the name callers know).
record_event = events.append


def _lock(ticket: Ticket) -> Ticket:
    """Re-reads the ticket under a row lock so concurrent transitions serialise."""
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _check_from(ticket: Ticket, action: str, allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    if ticket.status not in allowed:
        names = ", ".join(str(Status(s).label) for s in allowed)
        raise TransitionError(
            _("cannot %(action)s ticket %(ticket)s: it is %(label)s; allowed from: %(names)s")
            % {
                "action": action,
                "ticket": ticket.number,
                "label": str(Status(ticket.status).label),
                "names": names,
            }
        )


def _instant(at: datetime | None, ticket: Ticket, field: str = "at") -> datetime:
    """An event instant: now by default; a given one must be aware, not future, not before opening."""
    moment = current_time()
    if at is None:
        return moment
    require_aware(at, field)
    if at > moment:
        raise DomainValidationError({field: [_("must not be in the future")]})
    if at < ticket.opened_at:
        raise DomainValidationError({field: [_("must not be before the ticket was opened")]})
    return at


def _too_long(errors: dict[str, list[str]], field: str, value: str, limit: int) -> None:
    if len(value) > limit:
        errors.setdefault(field, []).append(
            _("must be at most %(limit)s characters (it has %(length)s)")
            % {"limit": format(limit, ","), "length": format(len(value), ",")}
        )


def _text(field: str, value: str, limit: int = TEXT_MAX_CHARS, *, required: str = "") -> str:
    """A stripped free-text input: a field error when too long, or empty but ``required``."""
    errors: dict[str, list[str]] = {}
    if required and not value.strip():
        errors[field] = [required]
    _too_long(errors, field, value.strip(), limit)
    if errors:
        raise DomainValidationError(errors)
    return value.strip()


def _is_customer(actor: Actor) -> bool:
    """A person of the customer (not staff, not the system)."""
    return getattr(actor, "pk", None) is not None and not is_staff(actor)


def ticket_terms(ticket: Ticket) -> Terms:
    return _ticket_terms(ticket)


def _validate_choice(value: str, choices: type, field: str, errors: dict[str, list[str]]) -> None:
    if value not in choices.values:  # type: ignore[attr-defined]
        errors[field] = [_("must be one of %(choices)s") % {"choices": ", ".join(choices.values)}]  # type: ignore[attr-defined]


# ---------------------------------------------------------------- opening


def _validate_open(
    customer: Customer,
    contact: Contact | None,
    asset: Asset | None,
    subject: str,
    description: str,
    impact: int,
    urgency: int,
    priority: int | None,
    channel: str,
    category: str,
    kind: str,
) -> None:
    errors: dict[str, list[str]] = {}
    if not subject.strip():
        errors["subject"] = [_("must not be empty")]
    _too_long(errors, "subject", subject.strip(), SUBJECT_MAX_CHARS)
    _too_long(errors, "description", description, TEXT_MAX_CHARS)
    for name, value in (("impact", impact), ("urgency", urgency)):
        if value not in (1, 2, 3, 4):
            errors[name] = [_("must be 1 (highest) to 4 (lowest)")]
    if priority is not None and priority not in (1, 2, 3, 4):
        errors["priority"] = [_("must be 1 to 4")]
    if asset is not None and asset.customer_id != customer.pk:
        errors["asset"] = [
            _("asset %(asset)s does not belong to %(customer)s")
            % {"asset": asset.hostname, "customer": customer.name}
        ]
    if contact is not None and contact.customer_id != customer.pk:
        errors["contact"] = [
            _("contact %(contact)s does not belong to %(customer)s")
            % {"contact": contact.name, "customer": customer.name}
        ]
    _validate_choice(channel, Channel, "channel", errors)
    _validate_choice(category, Category, "category", errors)
    _validate_choice(kind, TicketKind, "kind", errors)
    if errors:
        raise DomainValidationError(errors)


@dataclass(frozen=True)
class OpenRequest:
    """What ``open_ticket`` takes, for ``open_tickets_many``."""

    customer: Customer
    subject: str
    description: str = ""
    contact: Contact | None = None
    asset: Asset | None = None
    channel: str = Channel.PORTAL
    category: str = Category.HARDWARE
    kind: str = TicketKind.INCIDENT
    impact: int = 3
    urgency: int = 3
    priority: int | None = None
    actor: Actor = None
    opened_at: datetime | None = None


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
    actor: Actor = None,
    opened_at: datetime | None = None,
) -> Ticket:
    """Opens a ticket: resolves coverage, derives the priority, starts the clocks.

    ``opened_at`` may lie in the past (imports, e-mail received earlier); never in the future.
    The one-ticket case of ``open_tickets_many``.
    """
    request = OpenRequest(
        customer=customer,
        subject=subject,
        description=description,
        contact=contact,
        asset=asset,
        channel=channel,
        category=category,
        kind=kind,
        impact=impact,
        urgency=urgency,
        priority=priority,
        actor=actor,
        opened_at=opened_at,
    )
    return open_tickets_many([request])[0]


@transaction.atomic
def open_tickets_many(requests: Sequence[OpenRequest]) -> list[Ticket]:
    """Opens many tickets in one transaction, each exactly as ``open_ticket`` would, in the
    order given (numbers follow it): every request is validated first (the first invalid
    one raises, nothing is written); coverage reads are shared (``CoverageLookups``: one
    query for the contract lines of all assets, each contract's versions and terms once);
    one INSERT of the tickets (ids returned), one UPDATE batch of their numbers, one INSERT
    of the ``opened`` events (``events.EventBatch``) and the clocks with ``refresh_many``
    (one INSERT of the clocks, breaches of a past opening included). Opening notifies nobody
    (as ``open_ticket`` never did: the callers that tell someone do it themselves)."""
    if not requests:
        return []
    moment = current_time()
    instants = [_open_instant(r, moment) for r in requests]
    lookups = CoverageLookups()
    lookups.preload((r.customer, r.asset, at) for r, at in zip(requests, instants, strict=True))
    built = [_build_ticket(r, at, lookups) for r, at in zip(requests, instants, strict=True)]
    tickets = [ticket for ticket, _ in built]
    insert_instances(tickets)
    for ticket in tickets:
        ticket.number = f"SP-{ticket.pk:06d}"
    update_rows(tickets, ["number"])
    log = events.EventBatch()
    for (ticket, coverage), request, at in zip(built, requests, instants, strict=True):
        log.append(
            ticket, _opened_event(ticket, coverage), actor=request.actor, at=at, recorded_at=moment
        )
    log.write()
    terms = {t.pk: coverage.terms for t, coverage in built}
    steps: dict[int | None, tuple[int, ...]] = {}

    def thresholds(ticket: Ticket) -> tuple[int, ...]:
        if ticket.contract_id not in steps:
            steps[ticket.contract_id] = thresholds_for(ticket)
        return steps[ticket.contract_id]

    refresh_many(tickets, now=moment, terms=lambda t: terms[t.pk], thresholds=thresholds)
    return tickets


def _open_instant(request: OpenRequest, moment: datetime) -> datetime:
    """Validates the request; its opening instant (now by default, never in the future)."""
    _validate_open(
        request.customer,
        request.contact,
        request.asset,
        request.subject,
        request.description,
        request.impact,
        request.urgency,
        request.priority,
        request.channel,
        request.category,
        request.kind,
    )
    at = require_aware(request.opened_at, "opened_at") if request.opened_at else moment
    if at > moment:
        raise DomainValidationError({"opened_at": [_("must not be in the future")]})
    return at


def _build_ticket(
    request: OpenRequest, at: datetime, lookups: CoverageLookups
) -> tuple[Ticket, Coverage]:
    """The unsaved ticket of a request and its coverage (the priority matrix, the site)."""
    customer, asset, contact = request.customer, request.asset, request.contact
    coverage = resolve_coverage(
        customer=customer,
        asset=asset,
        at=at,
        impact=request.impact,
        urgency=request.urgency,
        priority=request.priority,
        lookups=lookups,
    )
    final_priority = request.priority or coverage.terms.priority_for(
        request.impact, request.urgency
    )
    site = ticket_site(asset, contact)
    ticket = Ticket(
        kind=request.kind,
        customer=customer,
        contact=contact,
        asset=asset,
        site=site,
        channel=request.channel,
        category=request.category,
        impact=request.impact,
        urgency=request.urgency,
        priority=final_priority,
        priority_name=coverage.terms.priority_name(final_priority),
        subject=request.subject.strip(),
        description=request.description.strip(),
        status=Status.NEW,
        coverage=coverage.status,
        coverage_explanation=_english(coverage),
        coverage_facts=coverage.facts,
        coverage_expires_on=coverage.expires_on,
        contract=coverage.contract,
        contract_version=coverage.version,
        warranty=coverage.warranty,
        timezone=ticket_zone(site, customer),
        opened_at=at,
        opened_by=request.actor if getattr(request.actor, "pk", None) else None,
    )
    return ticket, coverage


def _english(coverage: Coverage) -> str:
    with translation.override("en"):
        return coverage.explanation


def _opened_event(ticket: Ticket, coverage: Coverage) -> EventPayload:
    return events.opened(
        priority=ticket.priority,
        impact=ticket.impact,
        urgency=ticket.urgency,
        coverage=coverage.status,
        contract=coverage.contract.number if coverage.contract else None,
        version=coverage.version.number if coverage.version else None,
        explanation=_english(coverage),
        facts=coverage.facts,
        in_grace=coverage.status == CoverageStatus.GRACE,
    )


# ---------------------------------------------------------------- lifecycle


def _simple_transition(
    ticket: Ticket,
    *,
    action: str,
    allowed: Iterable[str],
    to: str | None,
    event: Callable[..., EventPayload],
    actor: Actor,
    at: datetime | None = None,
    set_fields: dict[str, Any] | None = None,
    notify: tuple[str, str] | None = None,
) -> Ticket:
    """Checks the status, sets fields, appends the event (``event(status=(before, after))``,
    a ``tickets.events`` constructor), re-derives the clocks and, with ``notify`` = (step,
    text), tells whoever ``tickets.notify`` says hears of that step."""
    ticket = _lock(ticket)
    _check_from(ticket, action, allowed)
    moment = _instant(at, ticket)
    before = ticket.status
    fields = dict(set_fields or {})
    if to is not None:
        fields["status"] = to
    if notify and notify[0] in TO_CUSTOMER_STEPS:
        fields["customer_replied_at"] = None  # staff answered the customer
    elif notify:
        fields["customer_replied_at"] = moment  # the customer answered (reopen, decline …)
    for name, value in fields.items():
        setattr(ticket, name, value(moment) if callable(value) else value)
    ticket.save(update_fields=[*fields, "updated_at"])
    recorded = record_event(ticket, event(status=(before, ticket.status)), actor=actor, at=moment)
    refresh_clocks(ticket, now=current_time())
    if notify:
        notify_step(ticket=ticket, step=notify[0], event=recorded, text=notify[1])
    return ticket


@transaction.atomic
def acknowledge_ticket(*, ticket: Ticket, actor: Actor, at: datetime | None = None) -> Ticket:
    """First response: new -> acknowledged (stops the first-response clock)."""
    return _simple_transition(
        ticket,
        action="acknowledge",
        allowed=ALLOWED["acknowledge"],
        to=Status.ACKNOWLEDGED,
        event=events.acknowledged,
        actor=actor,
        at=at,
        set_fields={"acknowledged_at": lambda m: m},
    )


@transaction.atomic
def start_work(*, ticket: Ticket, actor: Actor, at: datetime | None = None) -> Ticket:
    return _simple_transition(
        ticket,
        action="start work on",
        allowed=ALLOWED["start"],
        to=Status.IN_PROGRESS,
        event=events.started,
        actor=actor,
        at=at,
    )


@transaction.atomic
def pause_ticket(
    *, ticket: Ticket, actor: Actor, reason: str, at: datetime | None = None
) -> Ticket:
    """Waiting on customer: pauses the restore and resolution clocks. A reason is required;
    the contact is asked for it."""
    reason = _text(
        "reason", reason, REASON_MAX_CHARS, required=_("say why the ticket waits on the customer")
    )
    return _simple_transition(
        ticket,
        action="pause",
        allowed=ALLOWED["pause"],
        to=Status.WAITING,
        event=partial(events.paused, reason=reason),
        actor=actor,
        at=at,
        set_fields={"waiting_reason": reason},
        notify=(Step.WAITING, reason),
    )


@transaction.atomic
def resume_ticket(*, ticket: Ticket, actor: Actor, at: datetime | None = None) -> Ticket:
    return _simple_transition(
        ticket,
        action="resume",
        allowed=ALLOWED["resume"],
        to=Status.IN_PROGRESS,
        event=events.resumed,
        actor=actor,
        at=at,
        set_fields={"waiting_reason": ""},
    )


@transaction.atomic
def record_restore(
    *, ticket: Ticket, actor: Actor, note: str = "", at: datetime | None = None
) -> Ticket:
    """Service restored by a workaround: stops the restore clock; the ticket stays open."""
    note = _text("note", note)
    if ticket.events.filter(kind=EventKind.RESTORED).exists():
        raise TransitionError(
            _("service restoration is already recorded on %(ticket)s") % {"ticket": ticket.number}
        )
    return _simple_transition(
        ticket,
        action="record restoration on",
        allowed=ALLOWED["restore"],
        to=None,
        event=partial(events.restored, note=note),
        actor=actor,
        at=at,
    )


def stage_recorded(ticket: Ticket, kind: str) -> bool:
    """Whether the ticket already has its once-per-ticket stage ``kind`` (an ``EventKind``:
    fault confirmed, dispatched, on-site arrival); a second one is refused."""
    return ticket.events.filter(kind=kind).exists()


def _record_stage(
    ticket: Ticket,
    *,
    kind: str,
    once: str,
    action: str,
    allowed: Iterable[str],
    event: Callable[..., EventPayload],
    actor: Actor,
    at: datetime | None,
) -> Ticket:
    """A once-per-ticket stage that leaves the status alone (fault confirmed, engineer
    dispatched, on-site arrival): refused with ``once`` (409) when the ticket already has an
    event of ``kind``, else a ``_simple_transition`` without a status change. ``at`` may be
    earlier than now (recorded after the fact): the clocks stop or start at that instant."""
    if stage_recorded(ticket, kind):
        raise TransitionError(once % {"ticket": ticket.number})
    return _simple_transition(
        ticket, action=action, allowed=allowed, to=None, event=event, actor=actor, at=at
    )


@transaction.atomic
def record_onsite_arrival(
    *, ticket: Ticket, actor: Actor, at: datetime | None = None, engineer: str = ""
) -> Ticket:
    """The engineer arrived on site: stops the on-site clock at ``at``. Once per ticket."""
    return _record_stage(
        ticket,
        kind=EventKind.ONSITE_ARRIVED,
        once=_("on-site arrival is already recorded on %(ticket)s"),
        action="record on-site arrival on",
        allowed=ALLOWED["onsite"],
        event=partial(events.onsite_arrived, engineer=_text("engineer", engineer, 200)),
        actor=actor,
        at=at,
    )


@transaction.atomic
def confirm_fault(
    *, ticket: Ticket, actor: Actor, note: str = "", at: datetime | None = None
) -> Ticket:
    """The fault is confirmed (问题确认): starts the clocks measured from confirmation
    (e.g. "hardware repaired within 24 h of the fault being confirmed"). Once per ticket."""
    return _record_stage(
        ticket,
        kind=EventKind.FAULT_CONFIRMED,
        once=_("the fault is already confirmed on %(ticket)s"),
        action="confirm the fault of",
        allowed=ALLOWED["confirm"],
        event=partial(events.fault_confirmed, note=_text("note", note)),
        actor=actor,
        at=at,
    )


@transaction.atomic
def dispatch_engineer(
    *, ticket: Ticket, actor: Actor, engineer: str = "", at: datetime | None = None
) -> Ticket:
    """An engineer is dispatched (派遣): stops the dispatch clock. Once per ticket (the
    arrival is recorded with ``record_onsite_arrival``)."""
    return _record_stage(
        ticket,
        kind=EventKind.DISPATCHED,
        once=_("an engineer is already dispatched on %(ticket)s"),
        action="dispatch an engineer for",
        allowed=ALLOWED["dispatch"],
        event=partial(events.dispatched, engineer=_text("engineer", engineer, 200)),
        actor=actor,
        at=at,
    )


@transaction.atomic
def record_part_stage(
    *,
    ticket: Ticket,
    actor: Actor,
    stage: str,
    part_number: str,
    quantity: int = 1,
    at: datetime | None = None,
) -> bool:
    """A spare-parts stage of the ticket (``servicepact.stock`` calls it): ``part_ordered``
    when its first part is reserved or ordered, ``part_delivered`` when every part it waits
    for is delivered. Each stage is recorded once per ticket and only while the ticket is
    open (the parts_delivery metric measures the first order to that delivery); returns
    whether an event was appended."""
    if stage == EventKind.PART_ORDERED:
        event = partial(events.part_ordered, part_number=part_number, quantity=quantity)
    elif stage == EventKind.PART_DELIVERED:
        event = partial(events.part_delivered, part_number=part_number)
    else:
        raise ValueError(f"not a spare-parts stage: {stage}")
    ticket = _lock(ticket)
    if ticket.status not in ALLOWED[stage] or ticket.events.filter(kind=stage).exists():
        return False
    if (
        stage == EventKind.PART_DELIVERED
        and not ticket.events.filter(kind=EventKind.PART_ORDERED).exists()
    ):
        return False
    _simple_transition(
        ticket,
        action=stage,
        allowed=ALLOWED[stage],
        to=None,
        event=event,
        actor=actor,
        at=at,
    )
    return True


@transaction.atomic
def escalate_ticket(
    *, ticket: Ticket, actor: Actor, reason: str = "", at: datetime | None = None
) -> Ticket:
    """Functional escalation: the ticket moves to the next support level (1st -> 2nd ->
    3rd); the event can start or stop a metric ("time to reach a senior engineer")."""
    reason = _text("reason", reason, REASON_MAX_CHARS)
    current = _lock(ticket).support_level
    if current >= max(SupportLevel.values):
        raise TransitionError(
            _("%(ticket)s is already at the highest support level") % {"ticket": ticket.number}
        )
    level = (current, current + 1)
    return _simple_transition(
        ticket,
        action="escalate",
        allowed=ALLOWED["escalate"],
        to=None,
        event=partial(events.escalated, level=level, reason=reason),
        actor=actor,
        at=at,
        set_fields={"support_level": level[1]},
    )


@transaction.atomic
def propose_solution(
    *, ticket: Ticket, actor: Actor, solution: str, at: datetime | None = None
) -> Ticket:
    solution = _text("solution", solution, required=_("describe the proposed solution"))
    return _simple_transition(
        ticket,
        action="propose a solution for",
        allowed=ALLOWED["propose"],
        to=Status.SOLUTION_PROPOSED,
        event=partial(events.solution_proposed, solution=solution),
        actor=actor,
        at=at,
        notify=(Step.SOLUTION_PROPOSED, solution),
    )


@transaction.atomic
def resolve_ticket(
    *, ticket: Ticket, actor: Actor, resolution: str = "", at: datetime | None = None
) -> Ticket:
    """Stops the resolution (and restore) clocks; the contact is told."""
    resolution = _text("resolution", resolution)
    return _simple_transition(
        ticket,
        action="resolve",
        allowed=ALLOWED["resolve"],
        to=Status.RESOLVED,
        event=partial(events.resolved, resolution=resolution),
        actor=actor,
        at=at,
        set_fields={"resolved_at": lambda m: m},
        notify=(Step.RESOLVED, resolution),
    )


@transaction.atomic
def close_ticket(
    *, ticket: Ticket, actor: Actor, automatic: bool = False, at: datetime | None = None
) -> Ticket:
    """Resolved -> closed: the customer confirms, staff close, or the worker after N days."""
    return _simple_transition(
        ticket,
        action="close",
        allowed=ALLOWED["close"],
        to=Status.CLOSED,
        event=partial(events.closed, automatic=automatic),
        actor=actor,
        at=at,
        set_fields={"closed_at": lambda m: m},
    )


@transaction.atomic
def reopen_ticket(
    *, ticket: Ticket, actor: Actor, reason: Reason, at: datetime | None = None
) -> Ticket:
    """Resolved -> in progress: the resolution clock continues where it stopped. ``reason``:
    a person's text, or a ``SystemNote`` when the system reopens (monitoring)."""
    if not isinstance(reason, SystemNote):
        reason = _text("reason", reason, required=_("say why the ticket is reopened"))
    return _simple_transition(
        ticket,
        action="reopen",
        allowed=ALLOWED["reopen"],
        to=Status.IN_PROGRESS,
        event=partial(events.reopened, reason=reason),
        actor=actor,
        at=at,
        set_fields={"resolved_at": None},
        notify=(Step.CUSTOMER_REOPENED, reason)
        if isinstance(reason, str) and _is_customer(actor)
        else None,
    )


@transaction.atomic
def change_priority(
    *, ticket: Ticket, actor: Actor, priority: int, reason: str, at: datetime | None = None
) -> Ticket:
    """Moves the ticket to another priority; the clocks are re-measured against its targets."""
    if priority not in (1, 2, 3, 4):
        raise DomainValidationError({"priority": [_("must be 1 to 4")]})
    reason = _text("reason", reason, required=_("say why the priority changes"))
    ticket = _lock(ticket)
    _check_from(ticket, "change the priority of", ALLOWED["priority"])
    if priority == ticket.priority:
        raise TransitionError(
            _("ticket %(ticket)s already has priority P%(priority)s")
            % {"ticket": ticket.number, "priority": priority}
        )
    moment = _instant(at, ticket)
    before = ticket.priority
    terms = ticket_terms(ticket)
    ticket.priority = priority
    ticket.priority_name = terms.priority_name(priority)
    ticket.save(update_fields=["priority", "priority_name", "updated_at"])
    record_event(
        ticket,
        events.priority_changed(before=before, after=priority, reason=reason.strip()),
        actor=actor,
        at=moment,
    )
    refresh_clocks(
        ticket,
        now=current_time(),
        reason=SystemNote(
            PRIORITY_MOVED, {"before": before, "after": priority, "reason": reason.strip()}
        ),
    )
    return ticket


@transaction.atomic
def assign_ticket(
    *,
    ticket: Ticket,
    actor: Actor,
    assignee: Any = None,
    team: Any = None,
    at: datetime | None = None,
) -> Ticket:
    ticket = _lock(ticket)
    _check_from(ticket, "assign", ALLOWED["assign"])
    if assignee is not None and not getattr(assignee, "is_staff", False):
        raise DomainValidationError({"assignee": [_("only provider staff can be assigned")]})
    before = [
        ticket.assignee.get_username() if ticket.assignee else None,
        ticket.team.name if ticket.team else None,
    ]
    ticket.assignee, ticket.team = assignee, team
    ticket.save(update_fields=["assignee", "team", "updated_at"])
    after = [assignee.get_username() if assignee else None, team.name if team else None]
    record_event(
        ticket,
        events.assigned(assignee=(before[0], after[0]), team=(before[1], after[1])),
        actor=actor,
        at=_instant(at, ticket),
    )
    return ticket


@transaction.atomic
def add_comment(
    *,
    ticket: Ticket,
    author: Actor,
    body: str,
    internal: bool = False,
    at: datetime | None = None,
    contact: Contact | None = None,
) -> Comment:
    """A comment; the other side hears of it (``tickets.notify``), an internal note nobody.

    ``contact``: the customer's contact who wrote it without a portal account (an e-mail
    reply; ``author`` is then None): the comment is the customer's, like one by a contact's user.

    A customer's reply to a ticket waiting on the customer resumes it (the paused clocks run
    again, recorded as a ``resumed`` event) and marks it "customer replied" for the queue; a
    staff reply clears that mark.
    """
    body = _text("body", body, required=_("must not be empty"))
    if contact is not None and contact.customer_id != ticket.customer_id:
        raise DomainValidationError({"contact": [_("is a contact of another customer")]})
    customer_side = contact is not None or _is_customer(author)
    if internal and customer_side:  # staff and the system (author None) may
        raise DomainValidationError(
            {"internal": [_("only provider staff write internal comments")]}
        )
    ticket = _lock(ticket)
    moment = _instant(at, ticket)
    comment = Comment.objects.create(
        ticket=ticket,
        author=author,
        contact=contact,
        body=body,
        is_internal=internal,
        created_at=moment,
    )
    event = record_event(
        ticket, events.commented(comment_id=comment.pk, internal=internal), actor=author, at=moment
    )
    if internal:
        return comment
    if customer_side:
        _customer_replied(ticket, author, comment, moment)
        notify_step(ticket=ticket, step=Step.CUSTOMER_REPLY, event=event, text=body)
    else:
        if ticket.customer_replied_at is not None:
            ticket.customer_replied_at = None
            ticket.save(update_fields=["customer_replied_at", "updated_at"])
        notify_step(ticket=ticket, step=Step.STAFF_REPLY, event=event, text=body)
    return comment


def add_system_notes(*, notes: list[tuple[Ticket, SystemNote]]) -> list[int]:
    """Internal notes by the system (author None), many at once: one multi-row INSERT of the
    comments (COPY on PostgreSQL, ``core.bulk.insert_rows_with_ids``) and one of their
    ``commented`` events (``events.EventBatch``); returns the comments' ids, in the order
    of ``notes``. Each note is what ``add_comment(ticket=..., author=None, body=...,
    internal=True)`` writes, plus its kind and parameters (``tickets.system_notes``: shown in
    the reader's language; the body keeps the English text): an internal note changes no
    state of its ticket and notifies nobody, so no ticket is locked."""
    if not notes:
        return []
    moment = current_time()
    rows = [
        (
            ticket.pk,
            None,
            None,
            _text("body", note.english(), required="must not be empty"),
            note.kind,
            note.params,
            True,
            moment,
        )
        for ticket, note in notes
    ]
    # Both INSERTs or neither; inside the caller's transaction without a savepoint of its
    # own (two round trips per call): nothing here is caught and carried on from.
    with transaction.atomic(savepoint=False):
        ids = insert_rows_with_ids(Comment, _NOTE_FIELDS, rows)
        log = events.EventBatch()
        for (ticket, _), comment_id in zip(notes, ids, strict=True):
            log.append(ticket, events.commented(comment_id=comment_id, internal=True), at=moment)
        log.write()
    return ids


_NOTE_FIELDS = (
    "ticket",
    "author",
    "contact",
    "body",
    "system_kind",
    "system_params",
    "is_internal",
    "created_at",
)


def _customer_replied(ticket: Ticket, author: Actor, comment: Comment, moment: datetime) -> None:
    """Marks the reply for the queue; a ticket waiting on the customer resumes."""
    fields = ["customer_replied_at", "updated_at"]
    ticket.customer_replied_at = moment
    waiting = ticket.status == Status.WAITING
    if waiting:
        ticket.status, ticket.waiting_reason = Status.IN_PROGRESS, ""
        fields += ["status", "waiting_reason"]
    ticket.save(update_fields=fields)
    if waiting:
        record_event(
            ticket,
            events.resumed(status=(Status.WAITING, Status.IN_PROGRESS), customer_reply=comment.pk),
            actor=author,
            at=moment,
        )
        refresh_clocks(ticket, now=current_time())


# ---------------------------------------------------------------- the customer's answer to a solution


def _check_customer_side(ticket: Ticket, actor: Actor, action: str) -> None:
    """Accepting or declining belongs to the customer's contacts (or staff on their behalf)."""
    contact = contact_for(actor)
    if is_staff(actor) or (contact is not None and contact.customer_id == ticket.customer_id):
        return
    raise PermissionDenied(
        _("only a contact of %(customer)s can %(action)s a solution")
        % {"customer": ticket.customer.name, "action": action}
    )


def _proposal(ticket: Ticket) -> str:
    event = ticket.events.filter(kind=EventKind.SOLUTION_PROPOSED).order_by("-at", "-id").first()
    return str(event.data.get("solution", "")) if event else ""


@transaction.atomic
def accept_solution(*, ticket: Ticket, actor: Actor, at: datetime | None = None) -> Ticket:
    """The customer accepts the proposed solution: resolved (the clocks stop) and closed.

    Two events at the same instant: ``resolved`` (with the accepted solution) and ``closed``.
    """
    _check_customer_side(ticket, actor, "accept")
    ticket = _simple_transition(
        ticket,
        action="accept the solution of",
        allowed=ALLOWED["accept"],
        to=Status.RESOLVED,
        event=partial(events.resolved, resolution=_proposal(ticket), accepted=True),
        actor=actor,
        at=at,
        set_fields={"resolved_at": lambda m: m},
    )
    return _simple_transition(
        ticket,
        action="close",
        allowed=ALLOWED["close"],
        to=Status.CLOSED,
        event=partial(events.closed, automatic=False, accepted=True),
        actor=actor,
        at=ticket.resolved_at,
        set_fields={"closed_at": lambda m: m},
        notify=(Step.SOLUTION_ACCEPTED, ""),
    )


@transaction.atomic
def decline_solution(
    *, ticket: Ticket, actor: Actor, reason: str, at: datetime | None = None
) -> Ticket:
    """The customer declines the proposed solution: back to in progress, with the reason."""
    _check_customer_side(ticket, actor, "decline")
    reason = _text("reason", reason, required=_("say why the solution does not work"))
    return _simple_transition(
        ticket,
        action="decline the solution of",
        allowed=ALLOWED["decline"],
        to=Status.IN_PROGRESS,
        event=partial(events.solution_declined, reason=reason),
        actor=actor,
        at=at,
        notify=(Step.SOLUTION_DECLINED, reason),
    )


# ---------------------------------------------------------------- recompute after terms or calendars change


@transaction.atomic
def amend_contract_terms(
    *,
    contract: Any,
    effective_from: datetime,
    reason: Reason,
    kpis: Iterable[Mapping[str, Any]] | None = None,
    target_overrides: Iterable[Mapping[str, Any]] | None = None,
    priority_matrix: list[list[int]] | None = None,
    priority_names: Mapping[str, str] | None = None,
    actor: Actor = None,
) -> Any:
    """Amends a contract and re-measures its open tickets, in one transaction (ADR 0002).

    ``contracts.services.amend_contract`` adds the dated version; the open tickets opened
    after ``effective_from`` then move to it and every moved deadline is recorded as a
    ``deadline_moved`` event with the amendment's reason. Every caller (API, desk, admin,
    demo) amends through here, so no amendment leaves the clocks on the old terms.
    """
    from servicepact.contracts.services import amend_contract

    stored = reason_data(reason)  # a system-written reason keeps its note on the version too
    version = amend_contract(
        contract=contract,
        effective_from=effective_from,
        reason=stored["reason"],
        reason_note=stored.get("reason_note"),
        kpis=kpis,
        target_overrides=target_overrides,
        priority_matrix=priority_matrix,
        priority_names=priority_names,
        actor=actor,
    )
    reassess_contract_tickets(contract=contract, reason=reason)
    return version


@transaction.atomic
def set_plan_target(
    *,
    plan: Any,
    priority: int,
    metric: str,
    target_minutes: int,
    calendar: Any = None,
    measure_in_site_timezone: bool = False,
    category: str = "",
) -> Any:
    """Sets a plan's (priority, metric, category or any) target and re-measures the open
    tickets it governs.

    Contracts on the plan measure their tickets against its targets unless a version
    overrides them, so every open ticket of that priority on the plan is re-derived; each
    deadline that moves is recorded as a ``deadline_moved`` event naming the new target.
    """
    from servicepact.contracts.services import set_target

    target = set_target(
        plan=plan,
        priority=priority,
        metric=metric,
        target_minutes=target_minutes,
        calendar=calendar,
        measure_in_site_timezone=measure_in_site_timezone,
        category=category,
    )
    moment = current_time()
    reason = SystemNote(
        PLAN_TARGET_SET,
        {"plan": plan.name, "priority": priority, "metric": metric, "minutes": target_minutes},
    )
    # Tickets covered by a warranty of this tier are measured on the plan too.
    on_plan = Q(contract__plan=plan) | Q(coverage=CoverageStatus.WARRANTY, warranty__plan=plan)
    governed = Ticket.objects.filter(on_plan, priority=priority).exclude(
        status__in=[Status.RESOLVED, Status.CLOSED]
    )
    for ticket in governed.order_by("pk"):
        refresh_clocks(_lock(ticket), now=moment, reason=reason)
    return target


def reassess_contract_tickets(*, contract: Any, reason: Reason) -> int:
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
                events.terms_updated(contract_version=(before, version.number), reason=reason),
                at=moment,
            )
            refresh_clocks(
                ticket,
                now=moment,
                reason=SystemNote(
                    TERMS_MOVED,
                    {"contract": contract.number, "version": version.number, **reason_data(reason)},
                ),
            )
            changed += 1
    return changed


def reinstate_grace_tickets(*, contract: Any, since: datetime, reason: Reason) -> int:
    """After a contract in grace is renewed: the tickets opened in grace from ``since`` (the
    first instant after the old term) are covered after all. Each moves to the version in
    force at its opening, its coverage becomes active (a ``coverage_reinstated`` event) and
    its clocks are re-measured (moved deadlines recorded with ``reason``). Returns the count."""
    from servicepact.contracts.terms import version_in_force

    moment = current_time()
    changed = 0
    # The renewed term as stored (the caller's object may predate the renewal).
    renewed = type(contract).objects.select_related("plan", "customer").get(pk=contract.pk)
    grace = Ticket.objects.filter(
        contract=contract, coverage=CoverageStatus.GRACE, opened_at__gte=since
    )
    for ticket in grace.order_by("pk"):
        with transaction.atomic():
            ticket = _lock(ticket)
            if ticket.coverage != CoverageStatus.GRACE:
                continue
            version = version_in_force(contract, ticket.opened_at) or ticket.contract_version
            before = ticket.contract_version.number if ticket.contract_version else None
            after = version.number if version else None
            ticket.coverage = CoverageStatus.ACTIVE
            ticket.coverage_expires_on = None
            # The current explanation's facts (pages show them in the reader's language);
            # the renewal's reason is on the ``coverage_reinstated`` event.
            ticket.coverage_facts = reinstated_facts(ticket.coverage_facts or {}, renewed, version)
            with translation.override("en"):
                ticket.coverage_explanation = explain(ticket.coverage_facts)
            ticket.contract_version = version
            ticket.save(
                update_fields=[
                    "coverage",
                    "coverage_expires_on",
                    "coverage_explanation",
                    "coverage_facts",
                    "contract_version",
                    "updated_at",
                ]
            )
            record_event(
                ticket,
                events.coverage_reinstated(
                    coverage=(CoverageStatus.GRACE, CoverageStatus.ACTIVE),
                    contract_version=(before, after),
                    reason=reason,
                ),
                at=moment,
            )
            moved = system_notes.contract_reason(contract=contract.number, reason=reason)
            refresh_clocks(ticket, now=moment, reason=moved)
            changed += 1
    return changed


def recompute_stale_clocks(*, limit: int = 500) -> int:
    """Clocks measured on an older calendar revision are re-derived (each move is recorded).

    Found by a column comparison, not by scanning: running clocks whose stored revision differs
    from their calendar's current one. Also running clocks of tickets that are no longer open
    (stored before on-site clocks ended with the resolution): they become "not required", or
    stay breached if they were (tickets.refresh.settle).
    """
    from django.db.models import F

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


def remeasure_metric(code: str, *, limit: int = 5000) -> int:
    """Re-derives the clocks of the open tickets measured by metric ``code`` after its
    definition changed (at most ``limit``; the others follow at their next refresh)."""
    moment = current_time()
    ids = list(
        Ticket.objects.filter(status__in=OPEN_STATUSES, clocks__metric=code)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        with transaction.atomic():
            refresh_clocks(_lock(Ticket(pk=pk)), now=moment)
    return len(ids)
