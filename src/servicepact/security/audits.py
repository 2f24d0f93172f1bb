"""The contract's audit frequency as a schedule: the next audit's due date, and warnings.

* ``audit_frequency`` (days) in the version in force today turns into one scheduled audit per
  contract: due one frequency after the last audit done (or after the contract's start).
* The worker (``run_audit_schedule``) creates missing scheduled audits for active contracts,
  announces an audit ``AUDIT_NOTICE_DAYS`` before it is due and warns once when it is overdue
  (not done by its due date, in the customer's time zone), through the notifications outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Max, Q
from django.utils import translation
from django.utils.translation import gettext as _

from servicepact.accounts.duty import duty
from servicepact.contracts.choices import ContractStatus, KpiKind
from servicepact.contracts.models import Contract, KpiCommitment
from servicepact.contracts.terms import version_in_force
from servicepact.core.time import local_date
from servicepact.core.time import now as current_time
from servicepact.notifications import language_for
from servicepact.notifications.services import Message, notify_user, outbox_batch
from servicepact.security.choices import AUDIT_NOTICE_DAYS, AuditKind, AuditStatus
from servicepact.security.models import SecurityAudit


@dataclass
class AuditReport:
    scheduled: int = 0
    notices: int = 0
    overdue: int = 0


def frequency_days(contract: Contract, at: datetime) -> int | None:
    version = version_in_force(contract, at)
    if version is None:
        return None
    row = KpiCommitment.objects.filter(
        contract_version=version, kind=KpiKind.AUDIT_FREQUENCY
    ).first()
    return None if row is None else max(1, int(row.target))


def next_due(contract: Contract, days: int) -> date:
    last = SecurityAudit.objects.filter(contract=contract, status=AuditStatus.DONE).aggregate(
        last=Max("performed_on")
    )["last"]
    return (last or contract.start_date) + timedelta(days=days)


def schedule_next(contract: Contract, *, now: datetime | None = None) -> SecurityAudit | None:
    """The contract's next scheduled audit (created when missing); None without a frequency."""
    moment = now or current_time()
    days = frequency_days(contract, moment)
    if days is None:
        return None
    pending = SecurityAudit.objects.filter(contract=contract, status=AuditStatus.SCHEDULED)
    found = pending.order_by("due_on").first()
    if found is not None:
        return found
    return SecurityAudit.objects.create(
        contract=contract,
        customer_id=contract.customer_id,
        kind=AuditKind.AUDIT,
        title="",
        due_on=next_due(contract, days),
        scheduled=True,
        created_at=moment,
    )


def _tell(contract: Contract, audit: SecurityAudit, what: str, moment: datetime) -> None:
    users = [contract.service_manager] if contract.service_manager else duty().users
    for user in users:
        with translation.override(language_for(user)):
            if what == "overdue":
                subject = _("Security audit %(number)s of %(contract)s is overdue") % {
                    "number": audit.number,
                    "contract": contract.number,
                }
            else:
                subject = _("Security audit %(number)s of %(contract)s is due on %(day)s") % {
                    "number": audit.number,
                    "contract": contract.number,
                    "day": audit.due_on.isoformat(),
                }
            message = Message(
                event=f"security.audit_{what}",
                subject=subject,
                body=subject,
                payload={"audit": audit.pk, "due_on": audit.due_on.isoformat()},
                contract_id=contract.pk,
            )
        notify_user(key=f"security:audit:{audit.pk}:{what}", user=user, message=message, now=moment)


def run_audit_schedule(now: datetime | None = None, *, batch: int = 500) -> AuditReport:
    """One worker step: schedule, announce, warn (idempotent; flags make each notice once)."""
    moment = now or current_time()
    report = AuditReport()
    with_frequency = KpiCommitment.objects.filter(kind=KpiKind.AUDIT_FREQUENCY).values(
        "contract_version__contract"
    )
    unscheduled = (
        Contract.objects.filter(status=ContractStatus.ACTIVE, pk__in=with_frequency)
        .exclude(
            pk__in=SecurityAudit.objects.filter(status=AuditStatus.SCHEDULED).values("contract")
        )
        .order_by("pk")[:batch]
    )
    for contract in unscheduled:
        with transaction.atomic():
            if schedule_next(contract, now=moment) is not None:
                report.scheduled += 1
    horizon = moment.date() + timedelta(days=AUDIT_NOTICE_DAYS + 1)
    due = (
        SecurityAudit.objects.filter(status=AuditStatus.SCHEDULED, due_on__lte=horizon)
        .filter(Q(notice_sent=False) | Q(overdue_warned=False, due_on__lt=moment.date()))
        .order_by("due_on", "pk")
    )
    for pk in [a.pk for a in due[:batch]]:
        with transaction.atomic(), outbox_batch():
            audit = (
                SecurityAudit.objects.select_for_update(of=("self",))
                .select_related("contract__customer", "contract__service_manager")
                .get(pk=pk)
            )
            today = local_date(moment, audit.contract.customer.timezone)
            if not audit.notice_sent and audit.due_on - timedelta(days=AUDIT_NOTICE_DAYS) <= today:
                _tell(audit.contract, audit, "due", moment)
                audit.notice_sent = True
                report.notices += 1
            if not audit.overdue_warned and audit.due_on < today:
                _tell(audit.contract, audit, "overdue", moment)
                audit.overdue_warned = True
                report.overdue += 1
            audit.save(update_fields=["notice_sent", "overdue_warned"])
    return report


def is_overdue(audit: SecurityAudit, now: datetime | None = None) -> bool:
    today = local_date(now or current_time(), audit.customer.timezone)
    return audit.status == AuditStatus.SCHEDULED and audit.due_on < today
