"""One pass of the worker: every kind of due work, in order, each bounded by ``batch``.

1. Due clocks: thresholds, breaches and escalations (``tickets.due.process_due_clocks``);
   their notifications are enqueued in the same transactions. Then the open-ticket counts'
   appended rows folded (``tickets.open_counts.compact``).
2. Outbox delivery, after those commits (``notifications.delivery.deliver_due``), for at most
   ``OUTBOX_PASS_BUDGET`` seconds: sends still in flight then finish in the background.
3. Contract lifecycle: renewals, status transitions, reminders (``contracts.lifecycle``),
   then the "contract has lapsed" notice for tickets opened in grace, then the contract-end
   plans (``contractend.services.open_due_plans``: the before-lapse checklist, the exit).
4. Auto-close of tickets resolved more than AUTO_CLOSE_DAYS ago.
5. Audit exports (``reports.exports``): queued jobs written into storage (two a pass), the
   files of old ones deleted (``AUDIT_EXPORT_KEEP_DAYS``).
6. Inbound e-mail: IMAP mailboxes due for a poll (``mail.imap.fetch_due``, docs/mail.md).
7. Security (``security.due``, ``security.audits``): remediation warnings and breaches by
   their indexed ``next_check_at``; the audit schedule, its notices and overdue warnings.
8. Backups: RPO watches whose window ran out (an incident each), drill due dates
   (warnings, missed) (``backups.services``, docs/backups.md).
9. Inspections: visits of the active plans generated up to ``INSPECTION_HORIZON_DAYS``
   ahead (``inspections.services.generate_visits``, insert-ignore, docs/inspections.md).
10. After the repair: a follow-up for each ticket resolved lately that has none
    (``aftercare.services.create_followups``, docs/field-service.md).
11. The heartbeat (``core.heartbeat``): ``/readyz`` and ``/metrics`` read when the last pass
   ran and when the last pass without a failed step ran.

Every step is idempotent and safe to run in several processes at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from servicepact.aftercare.csat_hours import compact as compact_csat_hours
from servicepact.aftercare.services import create_followups
from servicepact.assets.warranty_alerts import remind_warranty_expiry
from servicepact.backups.services import check_backups, process_drill_dues, sync_drill_schedules
from servicepact.contractend.services import open_due_plans
from servicepact.contracts.lifecycle import LifecycleReport, run_lifecycle
from servicepact.core.heartbeat import record_heartbeat
from servicepact.core.time import now as current_time
from servicepact.inspections.services import generate_visits
from servicepact.mail.imap import FetchReport, fetch_due
from servicepact.monitoring.services import drain_inbox
from servicepact.notifications.delivery import DeliveryReport, deliver_due, option
from servicepact.reports.exports import EXPORTS_PER_PASS, expire_exports, run_due_exports
from servicepact.reports.jobs import aggregate_due_days, close_due_statements
from servicepact.security.audits import AuditReport, run_audit_schedule
from servicepact.security.due import RemediationReport, process_due_remediation
from servicepact.tickets.due import DueReport, auto_close, notify_lapsed, process_due_clocks
from servicepact.tickets.open_counts import compact as compact_open_counts
from servicepact.tickets.services import recompute_stale_clocks

logger = logging.getLogger("servicepact.worker")


@dataclass
class PassReport:
    now: datetime
    batch: int
    clocks: DueReport = field(default_factory=DueReport)
    delivery: DeliveryReport = field(default_factory=DeliveryReport)
    lifecycle: LifecycleReport = field(default_factory=LifecycleReport)
    warranty_alerts: int = 0
    lapsed: int = 0
    end_plans: int = 0  # contract-end plans opened or moved to exit (contractend/services.py)
    closed: int = 0
    recomputed: int = 0
    statements: int = 0
    days: int = 0  # closed days frozen as dashboard aggregates (reports/daily.py)
    csat_rows: int = 0  # recent-CSAT count rows folded into one per hour (aftercare.csat_hours)
    exports: int = 0  # audit exports written (or failed) this pass (reports/exports.py)
    expired_exports: int = 0  # audit export files deleted after AUDIT_EXPORT_KEEP_DAYS
    failed_steps: int = 0
    queued_alerts: int = 0  # alerts of big deliveries stored this pass (monitoring/inbox.py)
    mail: FetchReport = field(default_factory=FetchReport)  # IMAP mailboxes polled (mail/imap.py)
    security: RemediationReport = field(default_factory=RemediationReport)
    audits: AuditReport = field(default_factory=AuditReport)
    backup_watches: int = 0  # RPO watches looked at (backups.services.check_backups)
    drill_dues: int = 0  # drill due dates escalated or missed (backups.drills)
    drill_schedules: int = 0  # derived schedules created/changed (backups.sync_drill_schedules)
    inspection_visits: int = 0  # inspection visits generated (inspections.services)
    followups: int = 0  # follow-ups created for resolved tickets (aftercare.services)
    folded_counts: int = 0  # open-ticket count rows folded (tickets.open_counts.compact)
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        """No step raised and no due clock failed (``worker --once`` exits 1 otherwise)."""
        return self.failed_steps == 0 and self.clocks.failed == 0

    @property
    def full(self) -> bool:
        """A step used its whole batch: more work is probably waiting, so do not sleep."""
        return (
            self.clocks.candidates >= self.batch
            or self.delivery.attempted >= self.batch
            or self.closed >= self.batch
            or self.lapsed >= self.batch
            or self.exports >= EXPORTS_PER_PASS
            or self.followups >= self.batch
        )

    def summary(self) -> str:
        c, d, lc = self.clocks, self.delivery, self.lifecycle
        return (
            f"pass at {self.now.isoformat()}: clocks tickets={c.tickets} clocks={c.clocks} "
            f"thresholds={c.thresholds} skipped={c.skipped} failed={c.failed} | "
            f"outbox sent={d.sent} retry={d.failed} dead={d.dead} inflight={d.in_flight} | "
            f"contracts renewed={lc.renewed} transitions={lc.transitions} reminders={lc.reminders} "
            f"warranty_alerts={self.warranty_alerts} "
            f"lapsed={self.lapsed} | closed={self.closed} | recomputed={self.recomputed} "
            f"statements={self.statements} days={self.days} exports={self.exports} "
            f"expired_exports={self.expired_exports} | mail {self.mail.summary()} | failed steps={self.failed_steps} | {self.seconds:.3f}s"
            + (" (stopped early)" if self.interrupted else "")
        )


def run_pass(
    now: datetime | None = None, *, batch: int = 500, stop: Callable[[], bool] | None = None
) -> PassReport:
    """Runs the steps in order; when ``stop()`` turns true, the step in progress finishes its
    batch and the remaining steps wait for the next process."""
    moment = now or current_time()
    stopping = stop or (lambda: False)
    started = time.perf_counter()
    report = PassReport(now=moment, batch=batch)

    def clocks() -> None:
        # Clocks measured on an edited calendar first, so thresholds use the new deadlines.
        report.recomputed = recompute_stale_clocks(limit=batch)
        report.clocks = process_due_clocks(now=moment, batch=batch)

    steps: list[Callable[[], None]] = [
        clocks,
        # The rows the triggers appended to the open-ticket counts, folded into one per state
        # (tickets.open_counts): the queue's counts then read a handful of rows.
        lambda: setattr(report, "folded_counts", compact_open_counts()),
        # Big alert deliveries accepted with a 202: chunks of 200, for at most 5 s a pass.
        lambda: setattr(report, "queued_alerts", drain_inbox(limit=batch, budget_seconds=5)),
        # At most OUTBOX_PASS_BUDGET seconds: slow receivers finish in the background.
        lambda: setattr(
            report,
            "delivery",
            deliver_due(now=moment, batch=batch, budget=float(option("OUTBOX_PASS_BUDGET"))),
        ),
        lambda: setattr(report, "lifecycle", run_lifecycle(now=moment)),
        # Warranties ending within WARRANTY_ALERT_DAYS: provider and customer told once per
        # milestone, with the tiers to extend to (docs/field-service.md).
        lambda: setattr(report, "warranty_alerts", remind_warranty_expiry(now=moment)),
        lambda: setattr(report, "lapsed", notify_lapsed(now=moment, batch=batch)),
        # Contracts about to lapse unrenewed or ended: their data checklist (contractend).
        lambda: setattr(report, "end_plans", open_due_plans(now=moment)),
        lambda: setattr(report, "closed", auto_close(now=moment, batch=batch)),
        # Months that ended: credits computed, statement frozen and e-mailed (idempotent).
        lambda: setattr(report, "statements", close_due_statements(moment)),
        # Days that ended: the dashboard's frozen aggregates (idempotent, a week per pass).
        lambda: setattr(report, "days", aggregate_due_days(moment)),
        # The dashboard's recent CSAT: each past hour's count rows folded into one.
        lambda: setattr(report, "csat_rows", compact_csat_hours(moment)),
        # Audit exports asked for on the pages and the API: written into storage in chunks
        # (memory independent of the month), then their files deleted after the retention.
        lambda: setattr(report, "exports", run_due_exports(moment)),
        lambda: setattr(report, "expired_exports", expire_exports(moment)),
        # IMAP mailboxes not polled for MAIL_POLL_SECONDS: new mail -> tickets and replies.
        lambda: setattr(report, "mail", fetch_due(now=moment, batch=min(batch, 100))),
        # Remediation deadlines (warnings, breaches) and the audit schedule (docs/security-management.md).
        lambda: setattr(report, "security", process_due_remediation(moment, batch=batch)),
        lambda: setattr(report, "audits", run_audit_schedule(moment, batch=batch)),
        # Backup windows exceeded (no good run of a required copy): an incident each;
        # drill due dates: warnings, then missed (docs/backups.md).
        lambda: setattr(report, "backup_watches", check_backups(now=moment, batch=batch)),
        # The contracts' backup-drill commitments as restore-drill schedules (idempotent).
        lambda: setattr(report, "drill_schedules", sync_drill_schedules(now=moment)),
        lambda: setattr(report, "drill_dues", process_drill_dues(now=moment, batch=batch)),
        # Inspection plans whose visits end before the horizon: the next ones (idempotent).
        lambda: setattr(report, "inspection_visits", generate_visits(now=moment, batch=batch)),
        # Tickets resolved lately without a follow-up (one per ticket, idempotent).
        lambda: setattr(report, "followups", create_followups(now=moment, limit=batch)),
    ]
    for step in steps:
        try:
            step()
        except Exception:
            # A step that fails (a database hiccup, a bug) is logged and retried next pass;
            # the steps after it still run, so one stuck job cannot stop the others.
            logger.exception("worker step %s failed", getattr(step, "__name__", step))
            report.failed_steps += 1
        if stopping():
            report.interrupted = True
            break
    report.seconds = time.perf_counter() - started
    _beat(report)
    logger.log(logging.INFO if report.ok else logging.ERROR, report.summary())
    return report


def _beat(report: PassReport) -> None:
    try:
        record_heartbeat(
            at=current_time(),
            ok=report.ok,
            failed_steps=report.failed_steps,
            pass_seconds=report.seconds,
        )
    except Exception:
        logger.exception("worker heartbeat failed")
        report.failed_steps += 1
