"""The worker's remediation step: warnings before a deadline, then the breach.

Due items are found by the indexed ``next_check_at`` (a partial index on the non-null rows)
and claimed with ``select_for_update(skip_locked=True)`` on PostgreSQL. Each claimed item is
re-derived by the engine; the warnings it crossed (50, 75, 90 % of the target) send one
notice (the highest one crossed), and a breach appends a ``breached`` event once, records
the measurement and tells the contract's service manager (else the duty team).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from servicepact.accounts.duty import duty
from servicepact.core.time import now as current_time
from servicepact.notifications import language_for
from servicepact.notifications.services import Message, notify_user, outbox_batch
from servicepact.security import clocks
from servicepact.security.choices import WARNING_FRACTIONS, ClockStatus
from servicepact.security.models import Finding, Remediation, Vulnerability
from servicepact.security.services import _append, refresh


@dataclass
class RemediationReport:
    checked: int = 0
    warnings: int = 0
    breaches: int = 0


def _claim(model: type[Vulnerability] | type[Finding], now: datetime, batch: int) -> list[int]:
    rows = model.objects.filter(next_check_at__lte=now).order_by("next_check_at")
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True)
    return list(rows.values_list("pk", flat=True)[:batch])


def _tell(item: Remediation, what: str, percent: int, moment: datetime) -> None:
    contract = item.contract
    users = [contract.service_manager] if contract.service_manager else duty().users
    number = item.number  # type: ignore[attr-defined]
    for user in users:
        with translation.override(language_for(user)):
            if what == "breached":
                subject = _("%(number)s missed its remediation deadline (%(contract)s)") % {
                    "number": number,
                    "contract": contract.number,
                }
            else:
                subject = _(
                    "%(number)s has used %(percent)d%% of its remediation time (%(contract)s)"
                ) % {"number": number, "percent": percent, "contract": contract.number}
            message = Message(
                event=f"security.remediation_{what}",
                subject=subject,
                body=subject,
                payload={"item": number, "severity": item.severity, "percent": percent},
                contract_id=contract.pk,
            )
        notify_user(
            key=f"security:{number}:{what}:{percent}", user=user, message=message, now=moment
        )


def _process(item: Vulnerability | Finding, moment: datetime, report: RemediationReport) -> None:
    was_breached = item.events.filter(kind=clocks.BREACHED).exists()
    refresh(item, now=moment)
    report.checked += 1
    if item.target_seconds:
        fraction = item.elapsed_seconds / item.target_seconds
        crossed = sum(1 for f in WARNING_FRACTIONS if fraction >= f)
        if crossed > item.warned and item.clock_status == ClockStatus.RUNNING:
            _tell(item, "warning", int(WARNING_FRACTIONS[crossed - 1] * 100), moment)
            report.warnings += 1
        item.warned = max(item.warned, crossed)
    if item.clock_status == ClockStatus.BREACHED and not was_breached and item.breached_at:
        _append(item, clocks.BREACHED, at=item.breached_at, actor=None)
        _tell(item, "breached", 100, moment)
        report.breaches += 1
    item.next_check_at = clocks.next_check(
        clocks.evaluate(item, list(item.events.order_by("at", "id")), moment)[0], item.warned
    )
    item.save()


def process_due_remediation(now: datetime | None = None, *, batch: int = 500) -> RemediationReport:
    moment = now or current_time()
    report = RemediationReport()
    for model in (Vulnerability, Finding):
        with transaction.atomic():
            ids = _claim(model, moment, batch)
        for pk in ids:
            with transaction.atomic(), outbox_batch():
                item = (
                    model.objects.select_for_update(of=("self",))
                    .select_related("contract")
                    .get(pk=pk)
                )
                if item.next_check_at is None or item.next_check_at > moment:
                    continue  # another process handled it meanwhile
                _process(item, moment, report)
    return report
