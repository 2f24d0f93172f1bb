"""Due ticket work for the worker: escalation thresholds, lapsed-contract notices, auto-close.

``process_due_clocks(now=..., batch=...)``:

1. Find candidates: tickets of the first ``batch`` clocks with ``next_check_at <= now``, read
   through the partial index ``slaclock_due_idx`` (only clocks with something to do are in it).
2. Take them in batches of ``BATCH_TICKETS`` (200), each batch in one transaction. Claim the
   batch's tickets with one query: ``select_for_update(skip_locked=True)`` on the ticket rows
   (PostgreSQL; SQLite serialises write transactions instead). Locking the tickets first is
   the order every ticket service uses, so workers and requests never deadlock; a ticket
   another worker holds is skipped. Under the locks, re-read which clocks are still due.
3. Re-derive the batch's clocks with the engine (``refresh_many``: one read of the events
   and clocks of the batch, one engine call per calendar, bulk writes; it records breaches).
4. For each due clock, every threshold above ``last_threshold`` whose instant has passed is a
   ``threshold_crossed`` event at that instant; store ``last_threshold`` and the next instant
   (the batch's events with one INSERT, its clocks with one ``executemany``).
5. Run the crossed steps' actions: raise the priority, reassign to a team, enqueue the
   notifications (idempotency key ``esc:<clock>:<percent>:<recipient>:<channel>``), the
   batch's outbox rows with one INSERT (``outbox_batch``). When one pass finds several
   thresholds of a clock crossed (a worker that was down catches up), each is recorded as
   its event, but the notifications collapse into one per recipient about the highest,
   sent to everyone any of those steps names (``collapse``).
6. Commit. Events, clock changes and outbox rows commit together or not at all, so a crash
   loses nothing and a re-run duplicates nothing; the delivery step sends them afterwards.

A batch in which anything raises is rolled back as a whole (nothing of it is written, no
row of it is queued) and its tickets are done again one per transaction: the others' work
is kept, the failing ticket alone stays due for the next pass, nothing is sent twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import translation
from django.utils.translation import gettext as _

from servicepact.accounts.models import Team
from servicepact.contracts.choices import ContractStatus, CoverageStatus
from servicepact.contracts.escalation import (
    Step,
    steps_for_contract,
)
from servicepact.contracts.lifecycle import customer_addresses, customer_not_before
from servicepact.contracts.metrics import MetricDef, load_metrics
from servicepact.contracts.models import Calendar, Contract
from servicepact.contracts.terms import Terms
from servicepact.core.bulk import update_rows
from servicepact.core.errors import TransitionError
from servicepact.core.time import format_instant
from servicepact.notifications import language_for, language_relations
from servicepact.notifications.choices import Audience
from servicepact.notifications.models import Notification
from servicepact.notifications.services import (
    Message,
    notify_email,
    notify_user,
    notify_webhooks,
    outbox_batch,
)
from servicepact.slaclock import ClockResult
from servicepact.slaclock import ClockState as EngineState
from servicepact.tickets import events
from servicepact.tickets.choices import Status
from servicepact.tickets.duty import notify_duty_if_unheard
from servicepact.tickets.models import SlaClock, Ticket
from servicepact.tickets.refresh import next_check, refresh_many, terms_key, ticket_terms
from servicepact.tickets.services import assign_ticket, change_priority, close_ticket

logger = logging.getLogger(__name__)

LAPSED_EVENT = "ticket.contract_lapsed"


@dataclass(frozen=True)
class Crossing:
    clock: SlaClock
    percent: int
    at: datetime
    deadline: datetime | None
    # Lower thresholds of the same clock crossed in the same pass, told in this one message.
    also: tuple[int, ...] = ()
    definition: MetricDef | None = None  # the clock's metric (its name in messages)

    @property
    def metric_label(self) -> str:
        return self.definition.label if self.definition is not None else self.clock.metric


@dataclass
class PassCache:
    """Rows that many tickets of one pass share: terms per contract version, escalation steps
    per contract, calendars. A pass lasts seconds; the next one reads them again."""

    terms: dict[tuple[str, int | None, bool], Terms] = field(default_factory=dict)
    steps: dict[int | None, tuple[Step, ...]] = field(default_factory=dict)
    calendars: dict[int, Calendar] = field(default_factory=dict)

    def terms_for(self, ticket: Ticket) -> Terms:
        key = terms_key(ticket)
        if key not in self.terms:
            self.terms[key] = ticket_terms(ticket)
        return self.terms[key]

    def steps_for(self, ticket: Ticket) -> tuple[Step, ...]:
        if ticket.contract_id not in self.steps:
            self.steps[ticket.contract_id] = steps_for_contract(ticket.contract_id)
        return self.steps[ticket.contract_id]

    def thresholds_for(self, ticket: Ticket) -> tuple[int, ...]:
        """The same thresholds as ``refresh.thresholds_for(ticket)``, from the cached steps."""
        return tuple(step.percent for step in self.steps_for(ticket))


@dataclass
class DueReport:
    tickets: int = 0
    clocks: int = 0
    thresholds: int = 0
    skipped: int = 0
    failed: int = 0
    candidates: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: DueReport) -> None:
        self.tickets += other.tickets
        self.clocks += other.clocks
        self.thresholds += other.thresholds
        self.skipped += other.skipped
        self.failed += other.failed
        self.errors += other.errors


# Tickets claimed, evaluated and committed together (one transaction).
BATCH_TICKETS = 200

# ---------------------------------------------------------------- claiming


def due_candidates(now: datetime, batch: int) -> list[int]:
    """Step 1: ticket ids of the earliest due clocks (an index range scan, not a table scan)."""
    rows = (
        SlaClock.objects.filter(next_check_at__lte=now)
        .order_by("next_check_at")
        .values_list("ticket_id", flat=True)[:batch]
    )
    return list(dict.fromkeys(rows))


def claim_tickets(ticket_ids: list[int]) -> list[Ticket]:
    """Step 2: the tickets of ``ticket_ids`` no other worker holds, locked (one query)."""
    rows = Ticket.objects.select_related(
        "customer",
        "contact",
        "contact__user",
        "assignee",
        "team",
        "contract",
        "contract__plan",
        "contract__plan__calendar",
        "contract__customer",
        "contract__service_manager",
        *language_relations("assignee", "contract__service_manager"),
    )
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    return list(rows.filter(pk__in=ticket_ids).order_by("pk"))


def claim_ticket(ticket_id: int) -> Ticket | None:
    """The locked ticket, or None when another worker holds it."""
    claimed = claim_tickets([ticket_id])
    return claimed[0] if claimed else None


def process_due_clocks(*, now: datetime, batch: int = 500) -> DueReport:
    report = DueReport()
    cache = PassCache()
    candidates = due_candidates(now, batch)
    report.candidates = len(candidates)
    for start in range(0, len(candidates), BATCH_TICKETS):
        process_batch(candidates[start : start + BATCH_TICKETS], now, report, cache)
    return report


def process_batch(
    ticket_ids: list[int], now: datetime, report: DueReport, cache: PassCache
) -> None:
    """One transaction for the batch; if it raises, one per ticket (see the module's end)."""
    done = DueReport()
    try:
        with transaction.atomic():
            process_tickets(ticket_ids, now, done, cache)
    except Exception as exc:
        # Rolled back: nothing of the batch was written or queued. Each ticket alone now, so
        # the failing one does not hold back the others.
        logger.warning(
            "a batch of %d due tickets failed (%s: %s); one ticket per transaction now",
            len(ticket_ids),
            type(exc).__name__,
            exc,
        )
    else:
        report.add(done)
        return
    for ticket_id in ticket_ids:
        try:
            with transaction.atomic():
                process_tickets([ticket_id], now, report, cache)
        except Exception as exc:
            # The transaction rolled back: the clocks stay due and the next pass retries.
            report.failed += 1
            report.errors.append(f"ticket {ticket_id}: {type(exc).__name__}: {exc}")
            logger.exception("due clocks of ticket %s failed", ticket_id)


def process_tickets(
    ticket_ids: list[int], now: datetime, report: DueReport, cache: PassCache
) -> None:
    """Steps 2 to 5 for some tickets, inside the caller's transaction."""
    tickets = claim_tickets(ticket_ids)
    report.skipped += len(ticket_ids) - len(tickets)  # another worker holds them
    due: dict[int, set[str]] = {}
    still = SlaClock.objects.filter(ticket_id__in=[t.pk for t in tickets], next_check_at__lte=now)
    for ticket_id, metric in still.values_list("ticket_id", "metric"):
        due.setdefault(ticket_id, set()).add(metric)
    working = [t for t in tickets if t.pk in due]
    report.skipped += len(tickets) - len(working)  # another worker did them since step 1
    if not working:
        return
    report.tickets += len(working)
    report.clocks += sum(len(due[t.pk]) for t in working)
    crossings = evaluate_due(working, due, now, cache)
    report.thresholds += sum(len(c) for c in crossings.values())
    with outbox_batch():
        for ticket in working:
            if crossings[ticket.pk]:
                escalate(ticket, crossings[ticket.pk], now, cache)


# ---------------------------------------------------------------- thresholds


def evaluate_due(
    tickets: list[Ticket], due: dict[int, set[str]], now: datetime, cache: PassCache
) -> dict[int, list[Crossing]]:
    """Steps 3 and 4: refresh, then record the crossed thresholds of the due clocks."""
    refreshed = refresh_many(
        tickets,
        now=now,
        thresholds=cache.thresholds_for,
        terms=cache.terms_for,
        calendars=cache.calendars,
    )
    log = events.EventBatch()
    walked: list[SlaClock] = []
    found: dict[int, list[Crossing]] = {}
    metrics = load_metrics()
    for ticket in tickets:
        thresholds = cache.thresholds_for(ticket)
        clocks = {clock.metric: (clock, result) for clock, result in refreshed[ticket.pk]}
        crossings = found[ticket.pk] = []
        for metric in sorted(due[ticket.pk]):
            if metric not in clocks:
                continue  # the metric no longer applies (the refresh removed the clock)
            clock, result = clocks[metric]
            for percent in (p for p in thresholds if p > clock.last_threshold):
                instant = crossing_instant(result, percent)
                if instant is None or instant > now:
                    break
                log.append(
                    ticket,
                    events.threshold_crossed(
                        metric=metric, percent=percent, deadline=result.deadline
                    ),
                    at=instant,
                    recorded_at=now,
                )
                crossings.append(
                    Crossing(
                        clock, percent, instant, result.deadline, definition=metrics.get(metric)
                    )
                )
                clock.last_threshold = percent
            clock.next_check_at = next_check(result, clock.last_threshold, thresholds)
            walked.append(clock)
    log.write()
    update_rows(walked, ("last_threshold", "next_check_at"))
    return found


def crossing_instant(result: ClockResult, percent: int) -> datetime | None:
    """When the clock reached ``percent`` of its target; None if it has not (or cannot).

    100 % is the breach, and a clock stopped exactly at its deadline is met (elapsed must
    exceed the target). So the 100 % step fires only once the clock is breached, one business
    second after the deadline (a closing time: the next opening); its instant is the deadline,
    like the breach event's.
    """
    if percent >= 100:
        return result.breached_at if result.state == EngineState.BREACHED else None
    return result.instant_at_fraction(percent / 100)


# ---------------------------------------------------------------- actions


def escalate(ticket: Ticket, crossings: list[Crossing], now: datetime, cache: PassCache) -> None:
    """Step 5: priority and team first, so that the messages describe the new state."""
    steps = {s.percent: s for s in cache.steps_for(ticket)}
    crossed = [(c, steps.get(c.percent, Step(c.percent))) for c in crossings]
    priority = ticket.priority
    ticket = _raise_priority(ticket, crossed)
    if ticket.priority != priority:
        # The new priority moved the deadlines: the messages quote the new ones.
        deadlines = dict(
            SlaClock.objects.filter(ticket=ticket).values_list("metric", "deadline_at")
        )
        crossed = [
            (replace(c, deadline=deadlines.get(c.clock.metric, c.deadline)), s) for c, s in crossed
        ]
    ticket = _reassign(ticket, crossed)
    for crossing, step in collapse(crossed):
        notify_crossing(ticket, crossing, step, now)


def collapse(crossed: list[tuple[Crossing, Step]]) -> list[tuple[Crossing, Step]]:
    """One notification per clock: its highest crossing, notifying everyone its lower steps
    of the same pass would have (a catch-up pass at a breach sends one message, not four)."""
    by_clock: dict[int, list[tuple[Crossing, Step]]] = {}
    for crossing, step in crossed:
        by_clock.setdefault(crossing.clock.pk, []).append((crossing, step))
    result = []
    for group in by_clock.values():
        group.sort(key=lambda pair: pair[0].percent)
        highest, step = group[-1]
        lower = [s for _c, s in group[:-1]]
        merged = replace(
            step,
            notify_assignee=any(s.notify_assignee for s in (*lower, step)),
            notify_team=any(s.notify_team for s in (*lower, step)),
            notify_service_manager=any(s.notify_service_manager for s in (*lower, step)),
            notify_customer=any(s.notify_customer for s in (*lower, step)),
        )
        result.append((replace(highest, also=tuple(c.percent for c, _s in group[:-1])), merged))
    return result


def _why(crossing: Crossing) -> str:
    return _("escalation: %(metric)s reached %(percent)d %% of its target") % {
        "metric": crossing.metric_label,
        "percent": crossing.percent,
    }


def _raise_priority(ticket: Ticket, crossed: list[tuple[Crossing, Step]]) -> Ticket:
    """At most one level per pass, however many steps ask for it."""
    asking = [c for c, s in crossed if s.raise_priority]
    if not asking or ticket.priority <= 1 or not ticket.is_open:
        return ticket
    change_priority(
        ticket=ticket, actor=None, priority=ticket.priority - 1, reason=_why(asking[-1])
    )
    return _reload(ticket)


def _reassign(ticket: Ticket, crossed: list[tuple[Crossing, Step]]) -> Ticket:
    """The highest step with a team wins; an assignee who is in that team keeps the ticket."""
    team_ids = [s.reassign_team_id for _, s in crossed if s.reassign_team_id]
    if not team_ids or team_ids[-1] == ticket.team_id:
        return ticket
    team = Team.objects.get(pk=team_ids[-1])
    keep = (
        ticket.assignee
        if ticket.assignee and team.members.filter(pk=ticket.assignee.pk).exists()
        else None
    )
    assign_ticket(ticket=ticket, actor=None, assignee=keep, team=team)
    return _reload(ticket)


def _reload(ticket: Ticket) -> Ticket:
    return claim_ticket(ticket.pk) or ticket


def _local(instant: datetime | None, zone: str) -> str:
    return format_instant(instant, zone) if instant else "-"


def _payload(ticket: Ticket, crossing: Crossing) -> dict[str, Any]:
    return {
        "ticket": {
            "id": ticket.pk,
            "number": ticket.number,
            "subject": ticket.subject,
            "priority": ticket.priority,
            "status": ticket.status,
            "customer": ticket.customer.name,
        },
        "metric": crossing.clock.metric,
        "percent": crossing.percent,
        # Every threshold this message tells of: more than one when a pass caught up.
        "percents": [*crossing.also, crossing.percent],
        "crossed_at": crossing.at.isoformat(),
        "deadline": crossing.deadline.isoformat() if crossing.deadline else None,
    }


def _customer_payload(ticket: Ticket, crossing: Crossing) -> dict[str, Any]:
    payload = _payload(ticket, crossing)
    payload["ticket"]["subject"] = ticket.customer_subject
    return payload


def staff_message(ticket: Ticket, crossing: Crossing) -> Message:
    values = {
        "number": ticket.number,
        "metric": crossing.metric_label,
        "percent": crossing.percent,
        "deadline": _local(crossing.deadline, ticket.timezone),
        "subject": ticket.subject,
        "customer": ticket.customer.name,
        "priority": ticket.priority_name or f"P{ticket.priority}",
    }
    if crossing.percent >= 100:
        subject = _("[%(number)s] %(metric)s target breached") % values
    else:
        subject = _("[%(number)s] %(metric)s at %(percent)d %% of its target") % values
    body = (
        _(
            "%(number)s %(subject)s\nCustomer: %(customer)s\nPriority: %(priority)s\n"
            "%(metric)s: %(percent)d %% of the target used; deadline %(deadline)s."
        )
        % values
    )
    if crossing.also:
        # A pass that caught up: the lower thresholds were recorded, this message tells them.
        body += "\n" + _("Also crossed since the previous check: %(percents)s.") % {
            "percents": ", ".join(f"{p} %" for p in crossing.also)
        }
    return Message(
        event="ticket.threshold_crossed",
        subject=subject,
        body=body,
        payload=_payload(ticket, crossing),
        ticket_id=ticket.pk,
        contract_id=ticket.contract_id,
    )


def customer_message(ticket: Ticket, crossing: Crossing) -> Message:
    values = {
        "number": ticket.number,
        "metric": crossing.metric_label,
        "deadline": _local(crossing.deadline, ticket.timezone),
        "subject": ticket.customer_subject,  # never a monitoring alert's name
        "percent": crossing.percent,
    }
    if crossing.percent >= 100:
        subject = _("[%(number)s] %(metric)s deadline missed") % values
        body = (
            _(
                'We missed the %(metric)s deadline (%(deadline)s) of ticket %(number)s "%(subject)s". '
                "The breach is recorded and counts in your SLA statement. We keep working on it."
            )
            % values
        )
    else:
        subject = _("[%(number)s] %(metric)s deadline approaching") % values
        body = (
            _(
                '%(percent)d %% of the %(metric)s time of ticket %(number)s "%(subject)s" has elapsed; '
                "the deadline is %(deadline)s."
            )
            % values
        )
    return Message(
        event="ticket.threshold_crossed",
        subject=subject,
        body=body,
        payload=_customer_payload(ticket, crossing),
        ticket_id=ticket.pk,
        contract_id=ticket.contract_id,
    )


def contact_address(ticket: Ticket) -> str:
    contact = ticket.contact
    if contact is None:
        return ""
    return contact.email or (contact.user.email if contact.user else "")


def in_languages(build: Callable[[], Message]) -> Callable[[str], Message]:
    """``build`` run under each recipient's language, once per language."""
    built: dict[str, Message] = {}

    def message(language: str) -> Message:
        if language not in built:
            with translation.override(language):
                built[language] = build()
        return built[language]

    return message


def notify_crossing(ticket: Ticket, crossing: Crossing, step: Step, now: datetime) -> None:
    key = f"esc:{crossing.clock.pk}:{crossing.percent}"
    staff = in_languages(lambda: staff_message(ticket, crossing))
    service_manager = ticket.contract.service_manager if ticket.contract else None
    notify_team = step.notify_team
    notify_manager = step.notify_service_manager

    def tell(user: Any, *, email: bool = True) -> None:
        if user is not None:
            notify_user(key=key, user=user, message=staff(language_for(user)), now=now, email=email)

    if step.notify_assignee:
        if ticket.assignee is not None:
            tell(ticket.assignee)
        elif ticket.team is not None:
            notify_team = True  # nobody owns the ticket yet: the team hears about it
        else:
            notify_manager = True
    if notify_team and ticket.team is not None:
        if ticket.team.email:
            notify_email(
                key=f"{key}:team:{ticket.team.pk}",
                address=ticket.team.email,
                message=staff(language_for(ticket.team)),
                now=now,
                language=language_for(ticket.team),
            )
        members = ticket.team.members.filter(is_active=True).select_related(*language_relations(""))
        for member in members.order_by("pk"):
            tell(member, email=not ticket.team.email)
    if notify_manager:
        tell(service_manager)
    wants_staff = step.notify_assignee or step.notify_team or step.notify_service_manager
    if wants_staff or crossing.percent >= 100:  # nobody on staff above: the duty fallback
        notify_duty_if_unheard(key=key, message=staff, now=now)
    notify_webhooks(key=key, message=staff(settings.LANGUAGE_CODE), now=now)
    if step.notify_customer and ticket.contract is not None:
        to_customer = in_languages(lambda: customer_message(ticket, crossing))
        not_before = customer_not_before(
            contract=ticket.contract, now=now, priority=ticket.priority, site_zone=ticket.timezone
        )
        notify_email(
            key=key,
            address=contact_address(ticket),
            message=to_customer(language_for(ticket.contact)),
            audience=Audience.CUSTOMER,
            not_before=not_before,
            now=now,
            language=language_for(ticket.contact),
        )
        notify_webhooks(
            key=key,
            message=to_customer(settings.LANGUAGE_CODE),
            customer_id=ticket.customer_id,
            not_before=not_before,
            now=now,
        )


# ---------------------------------------------------------------- tickets opened in grace


# How far back a ticket opened in grace is still told (a worker that was down for days
# catches up; a fresh install does not mail about tickets from long ago).
LAPSED_NOTICE_DAYS = 90


def lapsed_contract_ids(now: datetime) -> list[int]:
    """Contracts in grace or expired since: a ticket opened in grace is told even when the
    notice goes out after the contract expired (a renewed contract is active: no notice)."""
    rows = Contract.objects.filter(status__in=(ContractStatus.GRACE, ContractStatus.EXPIRED))
    return list(rows.values_list("pk", flat=True))


def notify_lapsed(*, now: datetime, batch: int = 500) -> int:
    """Tickets opened while their contract was in grace: the customer is told once that the
    contract has lapsed. Found by (contract, opened_at) among grace contracts, minus the
    tickets that already have the notice."""
    told = Notification.objects.filter(ticket_id=OuterRef("pk"), event=LAPSED_EVENT)
    tickets = (
        Ticket.objects.filter(
            contract_id__in=lapsed_contract_ids(now),
            coverage=CoverageStatus.GRACE,
            opened_at__gte=now - timedelta(days=LAPSED_NOTICE_DAYS),
        )
        .filter(~Exists(told))
        .select_related(
            "contract",
            "contract__plan",
            "contract__plan__calendar",
            "contract__customer",
            "contact",
            "contact__user",
            "customer",
        )
        .order_by("opened_at")[:batch]
    )
    count = 0
    for ticket in tickets:
        try:
            with transaction.atomic():
                count += _tell_lapsed(ticket, now)
        except Exception:  # one broken ticket must not stop the notices of the others
            logger.exception("lapsed-contract notice for ticket %s failed", ticket.pk)
    return count


def _tell_lapsed(ticket: Ticket, now: datetime) -> int:
    contract = ticket.contract
    assert contract is not None
    grace_end = contract.end_date + timedelta(days=contract.grace_days)
    values = {
        "number": ticket.number,
        "contract": contract.number,
        "end": contract.end_date.isoformat(),
        "grace_end": grace_end.isoformat(),
    }
    message = Message(
        event=LAPSED_EVENT,
        ticket_id=ticket.pk,
        contract_id=contract.pk,
        subject=_("[%(number)s] Contract %(contract)s has lapsed") % values,
        body=_(
            "Ticket %(number)s was opened after contract %(contract)s expired on %(end)s. We handle it under "
            "the contract's terms during the grace period, which ends on %(grace_end)s; after that, new "
            "tickets are out of contract. Please contact your service manager to renew."
        )
        % values,
        payload={
            "ticket": {"id": ticket.pk, "number": ticket.number},
            "contract": contract.number,
            "expired_on": contract.end_date.isoformat(),
            "grace_ends_on": grace_end.isoformat(),
        },
    )
    address = contact_address(ticket)
    addresses = [(0, address)] if address else customer_addresses(contract)
    not_before = customer_not_before(
        contract=contract, now=now, priority=ticket.priority, site_zone=ticket.timezone
    )
    for _pk, email in addresses:
        notify_email(
            key=f"lapsed:{ticket.pk}",
            address=email,
            message=message,
            audience=Audience.CUSTOMER,
            not_before=not_before,
            now=now,
        )
    notify_webhooks(
        key=f"lapsed:{ticket.pk}",
        message=message,
        customer_id=ticket.customer_id,
        not_before=not_before,
        now=now,
    )
    return 1 if addresses else 0


# ---------------------------------------------------------------- auto-close


def auto_close(*, now: datetime, batch: int = 500) -> int:
    """Resolved tickets the customer did not confirm within AUTO_CLOSE_DAYS close themselves."""
    days = int(settings.SERVICEPACT.get("AUTO_CLOSE_DAYS", 7))
    ids = list(
        Ticket.objects.filter(status=Status.RESOLVED, resolved_at__lte=now - timedelta(days=days))
        .order_by("resolved_at")
        .values_list("pk", flat=True)[:batch]
    )
    closed = 0
    for ticket in Ticket.objects.filter(pk__in=ids).order_by("resolved_at"):
        try:
            close_ticket(ticket=ticket, actor=None, automatic=True)
            closed += 1
        except TransitionError:
            pass  # reopened or closed by someone else meanwhile
        except Exception:  # one broken ticket must not stop the others
            logger.exception("auto-close of ticket %s failed", ticket.pk)
    return closed
