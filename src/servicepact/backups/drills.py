"""Recovery drills: schedules, due dates as clocks with escalation, records, sign-off.

A schedule (quarterly restore drill, yearly failover test) always has exactly one pending due
date: ``first_due_on`` + k x ``interval_months``. Its clock ends at the end of the due date
in the customer's time zone (``due_at``). The worker (``process_drill_dues``) escalates it:
a warning ``warn_days`` before, a final warning one day before, and at ``due_at`` it is
**missed** (a breach of the commitment: the statement counts it, credits pay for it where
the contract's drill KPI says so) and the next due date is created. A drill recorded for
the schedule makes the earliest pending due date **done** (a due date whose instant passed
before the drill finished is missed first).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import File
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from servicepact.accounts.actors import Actor
from servicepact.accounts.duty import duty
from servicepact.backups.choices import (
    ESCALATION_FINAL,
    ESCALATION_NONE,
    ESCALATION_WARNED,
    FINAL_WARNING_DAYS,
    DrillKind,
    DueStatus,
)
from servicepact.backups.models import (
    Drill,
    DrillDue,
    DrillEvidence,
    DrillFinding,
    DrillSchedule,
)
from servicepact.contracts.choices import KpiKind
from servicepact.contracts.models import Contract, ContractVersion, KpiCommitment
from servicepact.contracts.renewal import add_months
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.services import save_validated
from servicepact.core.time import local_date, local_midnight, require_aware
from servicepact.core.time import now as current_time
from servicepact.customers.selectors import contact_for
from servicepact.notifications import language_for
from servicepact.notifications.services import Message, notify_user, outbox_batch
from servicepact.tickets.attachments import check_size, content_size, safe_name, store_file
from servicepact.tickets.choices import Category, Channel, TicketKind
from servicepact.tickets.services import open_ticket


def due_date(schedule: DrillSchedule, n: int) -> date:
    """The n-th due date (0 = the first), on the schedule's fixed cadence (no drift)."""
    return add_months(schedule.first_due_on, schedule.interval_months * n)


def due_instant(schedule: DrillSchedule, day: date) -> datetime:
    """The end of ``day`` in the customer's time zone: the due date's clock runs out then."""
    return local_midnight(day + timedelta(days=1), schedule.contract.customer.timezone)


def _first_check(schedule: DrillSchedule, due_at: datetime) -> datetime:
    return due_at - timedelta(days=schedule.warn_days) if schedule.warn_days else due_at


def _add_due(schedule: DrillSchedule, n: int) -> DrillDue:
    day = due_date(schedule, n)
    due_at = due_instant(schedule, day)
    return DrillDue.objects.create(
        schedule=schedule, due_on=day, due_at=due_at, next_check_at=_first_check(schedule, due_at)
    )


def _next_due(schedule: DrillSchedule) -> DrillDue:
    return _add_due(schedule, schedule.dues.count())


@transaction.atomic
def create_drill_schedule(
    *,
    contract: Contract,
    kind: str,
    interval_months: int,
    first_due_on: date,
    scope: str = "",
    warn_days: int = 14,
    rto_minutes: int | None = None,
    rpo_minutes: int | None = None,
) -> DrillSchedule:
    """A schedule and its first due date (a clock the worker escalates)."""
    schedule = DrillSchedule(
        contract=contract,
        kind=kind,
        interval_months=interval_months,
        first_due_on=first_due_on,
        scope=scope.strip(),
        warn_days=warn_days,
        rto_minutes=rto_minutes,
        rpo_minutes=rpo_minutes,
    )
    save_validated(schedule)
    _add_due(schedule, 0)
    return schedule


# ---------------------------------------------------------------- from the contract's KPI

DAYS_PER_MONTH = Decimal(365) / 12


def interval_from_days(days: Decimal) -> int:
    """A backup-drill commitment's frequency (days) as whole months: 90 -> 3 (quarterly),
    182 -> 6, 365 -> 12; at least 1, at most 60 (the schedule's bounds)."""
    months = (Decimal(days) / DAYS_PER_MONTH).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(1, min(60, int(months)))


def drill_kpis_in_force(at: datetime, contract_ids: Iterable[int]) -> dict[int, int]:
    """contract id -> the backup-drill commitment (KPI id) of the version in force at ``at``,
    for those of the contracts whose version in force has one (two queries)."""
    versions = ContractVersion.objects.filter(
        effective_from__lte=at, contract_id__in=list(contract_ids)
    ).order_by("contract_id", "effective_from")
    current: dict[int, int] = {}
    for contract_id, version_id in versions.values_list("contract_id", "pk"):
        current[contract_id] = version_id  # the latest effective wins
    kpis = KpiCommitment.objects.filter(
        contract_version_id__in=list(current.values()), kind=KpiKind.BACKUP_DRILL, severity=""
    ).values_list("contract_version__contract_id", "pk")
    return dict(kpis)


def _derived_first_due(contract: Contract, months: int, today: date, last: date | None) -> date:
    """One interval after the last due date kept (a successor's cadence), or after today
    (the term's start, if later) when there is none or that day has passed."""
    if last is not None and add_months(last, months) > today:
        return add_months(last, months)
    return add_months(max(today, contract.start_date), months)


@transaction.atomic
def sync_drill_schedules(
    *, now: datetime | None = None, contracts: Iterable[Contract] | None = None
) -> int:
    """Keeps each contract's derived restore-drill schedule in step with the backup-drill
    commitment (``KpiKind.BACKUP_DRILL``, a frequency in days) of the version in force:

    * a commitment and no derived schedule: one is created, first due one interval after
      today (or the term's start, if later);
    * another commitment (an amendment): when the interval changes, the old schedule is
      deactivated (its pending due date, not yet a breach, is withdrawn; done and missed
      ones stay) and a new one starts from the last due date; the same interval only
      points the schedule at the new commitment;
    * no commitment any more: the derived schedule is deactivated likewise.

    Schedules set up by hand (no ``kpi``) are never touched. Returns the schedules created,
    changed or deactivated. Idempotent: a second run changes nothing."""
    moment = now or current_time()
    if contracts is None:  # only the contracts a commitment or a derived schedule concerns
        ids = set(
            KpiCommitment.objects.filter(kind=KpiKind.BACKUP_DRILL).values_list(
                "contract_version__contract_id", flat=True
            )
        ) | set(
            DrillSchedule.objects.filter(kpi__isnull=False, is_active=True).values_list(
                "contract_id", flat=True
            )
        )
    else:
        ids = {c.pk for c in contracts}
    wanted = drill_kpis_in_force(moment, ids)
    derived = DrillSchedule.objects.filter(kpi__isnull=False, is_active=True, contract_id__in=ids)
    active = {s.contract_id: s for s in derived.select_related("contract__customer", "kpi")}
    todo = set(wanted) | set(active)
    changed = 0
    if not todo:
        return 0
    kpis = KpiCommitment.objects.in_bulk(list(wanted.values()))
    by_id = Contract.objects.select_related("customer").in_bulk(list(todo))
    for contract_id in sorted(todo):
        schedule, kpi_id = active.get(contract_id), wanted.get(contract_id)
        if schedule is not None and schedule.kpi_id == kpi_id:
            continue
        kpi = kpis.get(kpi_id) if kpi_id is not None else None
        months = interval_from_days(kpi.target) if kpi is not None else None
        if schedule is not None and kpi is not None and months == schedule.interval_months:
            DrillSchedule.objects.filter(pk=schedule.pk).update(kpi=kpi)
            changed += 1
            continue
        today = local_date(moment, by_id[contract_id].customer.timezone)
        last = _deactivate(schedule) if schedule is not None else None
        if kpi is not None and months is not None:
            with translation.override(None):
                scope = _("Restore drill required by the contract (every %(days)s days)") % {
                    "days": format(kpi.target.normalize(), "f")  # 180, not 1.8E+2
                }
            created = create_drill_schedule(
                contract=by_id[contract_id],
                kind=DrillKind.RESTORE,
                interval_months=months,
                first_due_on=_derived_first_due(by_id[contract_id], months, today, last),
                scope=scope,
            )
            DrillSchedule.objects.filter(pk=created.pk).update(kpi=kpi)
        changed += 1
    return changed


def _deactivate(schedule: DrillSchedule) -> date | None:
    """Stops a schedule: its pending due date is withdrawn; returns the last due date kept
    (done or missed), from which a successor counts."""
    DrillDue.objects.filter(schedule=schedule, status=DueStatus.PENDING).delete()
    DrillSchedule.objects.filter(pk=schedule.pk).update(is_active=False)
    kept = DrillDue.objects.filter(schedule=schedule).order_by("-due_on")
    return kept.values_list("due_on", flat=True).first()


@transaction.atomic
def record_drill(
    *,
    contract: Contract,
    kind: str,
    scope: str,
    started_at: datetime,
    finished_at: datetime,
    succeeded: bool,
    achieved_rto_minutes: int | None = None,
    achieved_rpo_minutes: int | None = None,
    summary: str = "",
    schedule: DrillSchedule | None = None,
    actor: Actor = None,
) -> Drill:
    """Records a drill that happened; with a schedule, it makes the earliest pending due
    date done (due dates that ran out before it finished are missed first)."""
    require_aware(started_at, "started_at")
    require_aware(finished_at, "finished_at")
    errors: dict[str, list[str]] = {}
    if finished_at < started_at:
        errors["finished_at"] = [_("must not be before started_at")]
    if finished_at > current_time() + timedelta(minutes=1):
        errors["finished_at"] = [_("must not be in the future")]
    if schedule is not None and schedule.contract_id != contract.pk:
        errors["schedule"] = [_("belongs to another contract")]
    if kind not in DrillKind.values:
        errors["kind"] = [_("must be one of %(choices)s") % {"choices": ", ".join(DrillKind)}]
    if errors:
        raise DomainValidationError(errors)
    drill = Drill(
        contract=contract,
        schedule=schedule,
        kind=kind,
        scope=scope.strip(),
        started_at=started_at,
        finished_at=finished_at,
        succeeded=succeeded,
        achieved_rto_minutes=achieved_rto_minutes,
        achieved_rpo_minutes=achieved_rpo_minutes,
        summary=summary,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    save_validated(drill)
    if schedule is not None:
        _satisfy(schedule, drill)
    return drill


def _satisfy(schedule: DrillSchedule, drill: Drill) -> None:
    pending = DrillDue.objects.select_for_update().filter(
        schedule=schedule, status=DueStatus.PENDING
    )
    for due in pending.filter(due_at__lt=drill.finished_at).order_by("due_on"):
        _miss(due)
    current = pending.order_by("due_on").first()
    if current is None:
        return
    current.status, current.drill, current.next_check_at = DueStatus.DONE, drill, None
    current.save(update_fields=["status", "drill", "next_check_at"])
    _next_due(schedule)


def _miss(due: DrillDue) -> None:
    due.status, due.missed_at, due.next_check_at = DueStatus.MISSED, due.due_at, None
    due.save(update_fields=["status", "missed_at", "next_check_at"])
    _next_due(due.schedule)


def add_drill_evidence(
    *, drill: Drill, name: str, content: bytes | File[bytes], content_type: str = "", actor: Actor
) -> DrillEvidence:
    """Stores one evidence file (the ticket attachments' size limit and naming rules):
    provider staff, or a contact of the drill's customer (its own part of the drill); anyone
    else is refused (403)."""
    if not getattr(actor, "is_staff", False):
        contact = contact_for(actor)
        if contact is None or contact.customer_id != drill.contract.customer_id:
            raise PermissionDenied(_("only staff or the customer's contacts add drill evidence"))
    size = content_size(content)
    check_size(size)
    filename = safe_name(name)
    row = DrillEvidence(
        drill=drill,
        name=filename,
        content_type=(content_type or "application/octet-stream").split(";")[0][:150],
        size=size,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
        uploaded_at=current_time(),
    )
    return store_file(row, filename=filename, content=content)


def add_uploaded_evidence(*, drill: Drill, upload: Any, actor: Actor) -> DrillEvidence:
    """A file uploaded on a page (desk or portal) as evidence; none chosen: 422 on file."""
    if upload is None:
        raise DomainValidationError({"file": [_("Choose a file to upload.")]})
    return add_drill_evidence(
        drill=drill,
        name=upload.name or "evidence",
        content=upload,
        content_type=upload.content_type or "",
        actor=actor,
    )


@transaction.atomic
def add_drill_finding(
    *, drill: Drill, text: str, follow_up: bool = True, actor: Actor = None
) -> DrillFinding:
    """A finding of the drill; ``follow_up`` opens a service request for it (category
    backup, on the contract's customer) and links it."""
    text = text.strip()
    if not text:
        raise DomainValidationError({"text": [_("must not be empty")]})
    if len(text) > 500:
        raise DomainValidationError({"text": [_("at most 500 characters")]})
    ticket = None
    if follow_up:
        with translation.override(None):
            subject = _("Drill finding: %(text)s") % {"text": text}
        ticket = open_ticket(
            customer=drill.contract.customer,
            subject=subject[:200],
            description=text,
            channel=Channel.API,
            category=Category.BACKUP,
            kind=TicketKind.REQUEST,
            actor=actor,
        )
    return DrillFinding.objects.create(drill=drill, text=text, ticket=ticket)


@transaction.atomic
def sign_off_drill(*, drill: Drill, actor: Actor, note: str = "") -> Drill:
    """The customer's sign-off: only a contact of the drill's customer (403 for anyone
    else who can see it); once (409)."""
    contact = contact_for(actor)
    if contact is None or contact.customer_id != drill.contract.customer_id:
        raise PermissionDenied(_("only the customer's contacts sign off a drill"))
    locked = Drill.objects.select_for_update().get(pk=drill.pk)
    if locked.signed_off_at is not None:
        raise TransitionError(_("this drill is already signed off"))
    if len(note) > 500:
        raise DomainValidationError({"note": [_("at most 500 characters")]})
    locked.signed_off_at, locked.signed_off_by = current_time(), actor
    locked.signoff_note = note.strip()
    locked.save(update_fields=["signed_off_at", "signed_off_by", "signoff_note", "updated_at"])
    return locked


# ---------------------------------------------------------------- the worker's step


def process_drill_dues(*, now: datetime | None = None, batch: int = 200) -> int:
    """Escalates the due dates whose next step is due (indexed ``next_check_at``):
    warning -> final warning -> missed (then the next due date). Each step notifies the
    contract's service manager (or the duty team) through the outbox, idempotently (one key
    per due date and step). Returns the number of due dates handled."""
    moment = now or current_time()
    with transaction.atomic(), outbox_batch():
        dues = list(
            DrillDue.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(next_check_at__lte=moment, status=DueStatus.PENDING)
            .select_related("schedule__contract__customer", "schedule__contract__service_manager")
            .order_by("next_check_at")[:batch]
        )
        for due in dues:
            _escalate(due, moment)
    return len(dues)


def _escalate(due: DrillDue, moment: datetime) -> None:
    final_at = due.due_at - timedelta(days=FINAL_WARNING_DAYS)
    if moment >= due.due_at:
        _miss(due)
        _tell(due, "missed", moment)
        return
    if moment >= final_at:
        step, due.next_check_at = ESCALATION_FINAL, due.due_at
    else:
        step, due.next_check_at = ESCALATION_WARNED, final_at
    if due.escalation < step:
        due.escalation = step
        _tell(due, "final" if step == ESCALATION_FINAL else "warning", moment)
    due.save(update_fields=["escalation", "next_check_at"])


def _recipients(due: DrillDue) -> Iterable[object]:
    manager = due.schedule.contract.service_manager
    return [manager] if manager is not None and manager.is_active else duty().users


def _tell(due: DrillDue, step: str, moment: datetime) -> None:
    for user in _recipients(due):
        with translation.override(language_for(user)):
            notify_user(
                key=f"drill-due:{due.pk}:{step}",
                user=user,
                message=_message(due, step),
                now=moment,
            )


def _message(due: DrillDue, step: str) -> Message:
    schedule = due.schedule
    values = {
        "drill": str(DrillKind(schedule.kind).label),
        "contract": schedule.contract.number,
        "due": due.due_on.isoformat(),
    }
    if step == "missed":
        subject = _("%(drill)s of %(contract)s missed (due %(due)s)") % values
        body = _(
            "The %(drill)s that contract %(contract)s requires by %(due)s was not recorded: "
            "the commitment is breached. The next due date is scheduled."
        )
    elif step == "final":
        subject = _("%(drill)s of %(contract)s is due tomorrow (%(due)s)") % values
        body = _("Record the %(drill)s of contract %(contract)s by %(due)s.")
    else:
        subject = _("%(drill)s of %(contract)s is due on %(due)s") % values
        body = _("Plan the %(drill)s of contract %(contract)s: it is due on %(due)s.")
    return Message(
        event=f"drill.{step}",
        subject=subject,
        body=body % values,
        payload={"contract": schedule.contract.number, "due_on": values["due"], "step": step},
        contract_id=schedule.contract_id,
    )


__all__ = [
    "ESCALATION_NONE",
    "add_drill_evidence",
    "add_drill_finding",
    "create_drill_schedule",
    "due_date",
    "due_instant",
    "process_drill_dues",
    "record_drill",
    "sign_off_drill",
]
