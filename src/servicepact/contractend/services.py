"""Writes of the contract end (each one transaction): open or move a plan, the customer's
export confirmation, the provider's evidenced exit steps, recorded backups.

``open_due_plans(now)`` is the worker's step (after ``contracts.lifecycle``):

1. a live contract that does not renew by itself, whose end is within
   ``CONTRACT_END_NOTICE_DAYS`` (default 30) and not terminated, gets a plan in phase
   ``notice``; the customer is told (portal and e-mail, in its hours) — the only data export
   reminder before a lapse (the contract's history shows it as ``export_reminder``);
2. a contract in grace, expired or terminated gets its plan in phase ``exit`` (created, or
   moved from ``notice``); the customer is told again;
3. a plan whose contract was renewed meanwhile (the end date moved) is cancelled, and so is
   a notice plan of a contract terminated before that date (the termination gets its own).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from servicepact.accounts.actors import Actor
from servicepact.assets.models import Asset
from servicepact.contractend.choices import (
    STEP_ORDER,
    BackupOutcome,
    EndReason,
    Phase,
    PlanStatus,
    StepCode,
)
from servicepact.contractend.models import ContractEndPlan, ContractEndStep, RecordedBackup
from servicepact.contracts.choices import ContractStatus, Renewal
from servicepact.contracts.escalation import ContractEvent, ContractEventKind
from servicepact.contracts.lifecycle import tell
from servicepact.contracts.models import Contract
from servicepact.core.config import option
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.time import local_date
from servicepact.core.time import now as current_time
from servicepact.customers.selectors import contact_for
from servicepact.notifications.services import Message
from servicepact.tickets.attachments import check_size, safe_name

DEFAULT_NOTICE_DAYS = 30
DEFAULT_RETENTION_DAYS = 30
NOTE_MAX = 5000
ENDED_LOOKBACK_DAYS = 365


def notice_days() -> int:
    return int(option("CONTRACT_END_NOTICE_DAYS", DEFAULT_NOTICE_DAYS))


def retention_days() -> int:
    """Days after the end (and the grace period) before the provider deletes the data."""
    return int(option("CONTRACT_END_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def end_of(contract: Contract) -> tuple[date, str]:
    if contract.terminated_on is not None:
        return contract.terminated_on, EndReason.TERMINATION
    return contract.end_date, EndReason.LAPSE


def delete_after(contract: Contract, ends_on: date, reason: str) -> date:
    grace = contract.grace_days if reason == EndReason.LAPSE else 0
    return ends_on + timedelta(days=grace + retention_days())


def _require_staff(actor: Actor, what: str) -> None:
    if actor is None or not getattr(actor, "is_staff", False):
        raise PermissionDenied(_("Only provider staff may %(what)s.") % {"what": what})


# ---------------------------------------------------------------- opening plans


def _message(plan: ContractEndPlan) -> Message:
    contract = plan.contract
    values = {
        "number": contract.number,
        "end": plan.ends_on.isoformat(),
        "delete": plan.delete_after.isoformat(),
    }
    if plan.phase == Phase.NOTICE:
        subject = _("Contract %(number)s ends on %(end)s: your data checklist") % values
        lead = _(
            "Contract %(number)s ends on %(end)s and will not renew by itself. Your checklist in "
            "the portal lists the last verified backup of each server and the data you can "
            "export (tickets, statements, audit exports, one archive of everything). After "
            "%(delete)s we delete your data: please export it and confirm in the portal."
        )
    else:
        subject = _("Contract %(number)s has ended: export your data before %(delete)s") % values
        lead = _(
            "Contract %(number)s ended on %(end)s. Download the archive of your tickets, "
            "statements, charges and audit exports from the portal and confirm the export; "
            "after %(delete)s we delete your data."
        )
    site = str(option("SITE_URL", "")).rstrip("/")
    return Message(
        event=f"contract.end_{plan.phase}",
        contract_id=contract.pk,
        subject=subject,
        body="\n\n".join([lead % values, f"{site}/portal/contract-end/{plan.pk}/"]),
        payload={
            "contract": {"id": contract.pk, "number": contract.number},
            "plan": {
                "id": plan.pk,
                "phase": plan.phase,
                "ends_on": plan.ends_on.isoformat(),
                "delete_after": plan.delete_after.isoformat(),
            },
        },
    )


def _steps(plan: ContractEndPlan) -> None:
    ContractEndStep.objects.bulk_create(
        [
            ContractEndStep(
                plan=plan,
                code=code,
                due_on=plan.delete_after if code == StepCode.BACKUPS else plan.ends_on,
            )
            for code in STEP_ORDER
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def open_plan(*, contract: Contract, now: datetime) -> ContractEndPlan | None:
    """The plan for the contract's current end, opened or moved to the phase the dates give;
    the customer is told once per phase. None while the end is further than the notice."""
    contract = Contract.objects.select_for_update().select_related("customer").get(pk=contract.pk)
    ends_on, reason = end_of(contract)
    today = local_date(now, contract.customer.timezone)
    ended = contract.status in (
        ContractStatus.GRACE,
        ContractStatus.EXPIRED,
        ContractStatus.TERMINATED,
    )
    if not ended and (
        contract.status != ContractStatus.ACTIVE
        or (contract.renewal == Renewal.AUTOMATIC and reason == EndReason.LAPSE)
        or (ends_on - today).days > notice_days()
    ):
        return None
    phase = Phase.EXIT if ended else Phase.NOTICE
    plan = ContractEndPlan.objects.filter(contract=contract, ends_on=ends_on).first()
    if plan is None:
        # A plan for another end date of this contract (terminated before it lapsed) is moot.
        ContractEndPlan.objects.filter(
            contract=contract, status=PlanStatus.OPEN, phase=Phase.NOTICE
        ).exclude(ends_on=ends_on).update(status=PlanStatus.CANCELLED, closed_at=now)
        plan = ContractEndPlan.objects.create(
            contract=contract,
            ends_on=ends_on,
            reason=reason,
            phase=phase,
            delete_after=delete_after(contract, ends_on, reason),
            opened_at=now,
        )
        _steps(plan)
    elif plan.phase == phase or plan.status != PlanStatus.OPEN:
        return plan
    else:
        plan.phase = phase
        plan.save(update_fields=["phase"])
    if phase == Phase.NOTICE:
        ContractEvent.objects.create(
            contract=contract,
            kind=ContractEventKind.EXPORT_REMINDER,
            at=now,
            data={
                "end_date": ends_on.isoformat(),
                "days": notice_days(),
                "days_left": (ends_on - today).days,
            },
        )
    tell(
        contract,
        key=f"contract-end:{plan.pk}:{phase}",
        message=_message(plan),
        now=now,
        customer=True,
    )
    return plan


def _cancel_renewed(now: datetime) -> int:
    """Plans whose contract moved its end date (renewed) and did not end meanwhile."""
    stale = ContractEndPlan.objects.filter(
        status=PlanStatus.OPEN,
        phase=Phase.NOTICE,
        contract__terminated_on__isnull=True,
        contract__status=ContractStatus.ACTIVE,
    ).exclude(contract__end_date=F("ends_on"))
    return stale.update(status=PlanStatus.CANCELLED, closed_at=now)


def candidates(now: datetime) -> list[int]:
    """Contracts whose end may need a plan: ending within the notice (one day wider for time
    zones), or ended (grace, expired, terminated) without a plan in phase exit."""
    horizon = now.date() + timedelta(days=notice_days() + 1)
    soon = Q(
        status=ContractStatus.ACTIVE,
        activated_at__isnull=False,
        end_date__lte=horizon,
    ) & (Q(renewal=Renewal.MANUAL) | Q(terminated_on__isnull=False))
    terminating = Q(status=ContractStatus.ACTIVE, terminated_on__lte=horizon)
    # Contracts that ended more than a year ago are history: no plan is opened for them.
    recent = Q(end_date__gte=now.date() - timedelta(days=ENDED_LOOKBACK_DAYS)) | Q(
        terminated_on__gte=now.date() - timedelta(days=ENDED_LOOKBACK_DAYS)
    )
    ended = (
        Q(status__in=[ContractStatus.GRACE, ContractStatus.EXPIRED, ContractStatus.TERMINATED])
        & recent
        & ~Q(end_plans__phase=Phase.EXIT)
    )
    rows = Contract.objects.filter(soon | terminating | ended).distinct()
    return list(rows.order_by("pk").values_list("pk", flat=True))


def open_due_plans(*, now: datetime) -> int:
    """The worker's step (module docstring); returns how many plans were opened or moved."""
    _cancel_renewed(now)
    moved = 0
    for pk in candidates(now):
        contract = Contract.objects.get(pk=pk)
        before = set(ContractEndPlan.objects.filter(contract=contract).values_list("pk", "phase"))
        try:
            plan = open_plan(contract=contract, now=now)
        except IntegrityError:  # another worker opened it meanwhile
            continue
        if plan is not None and (plan.pk, plan.phase) not in before:
            moved += 1
    return moved


# ---------------------------------------------------------------- the customer


@transaction.atomic
def confirm_export(
    *, plan: ContractEndPlan, actor: Actor, note: str = "", now: datetime | None = None
) -> ContractEndPlan:
    """The customer's contact confirms it has exported its data (once)."""
    contact = contact_for(actor)
    if contact is None or contact.customer_id != plan.contract.customer_id:
        raise PermissionDenied(_("Only the customer's contacts confirm the export."))
    if len(note) > 500:
        raise DomainValidationError({"note": [_("at most %(limit)d characters") % {"limit": 500}]})
    plan = ContractEndPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status == PlanStatus.CANCELLED:
        raise TransitionError(_("the contract was renewed: nothing to confirm"))
    if plan.export_confirmed_at is not None:
        raise TransitionError(_("the export was already confirmed"))
    plan.export_confirmed_at = now or current_time()
    plan.export_confirmed_by = actor
    plan.export_note = note.strip()
    plan.save(update_fields=["export_confirmed_at", "export_confirmed_by", "export_note"])
    return plan


# ---------------------------------------------------------------- the provider


@transaction.atomic
def complete_step(
    *,
    plan: ContractEndPlan,
    code: str,
    actor: Actor,
    note: str,
    outcome: str = "",
    evidence: UploadedFile[bytes] | None = None,
    now: datetime | None = None,
) -> ContractEndStep:
    """Marks an exit step done with its evidence (a note, and a file if given). The backups
    step says whether they were handed over or deleted. The plan closes with its last step."""
    _require_staff(actor, "record exit steps")
    errors: dict[str, list[str]] = {}
    note = (note or "").strip()
    if not note:
        errors["note"] = [_("say what was done (the evidence)")]
    elif len(note) > NOTE_MAX:
        errors["note"] = [_("at most %(limit)d characters") % {"limit": NOTE_MAX}]
    if code not in StepCode.values:
        errors["code"] = [_("one of %(choices)s") % {"choices": ", ".join(StepCode.values)}]
    if code == StepCode.BACKUPS and outcome not in BackupOutcome.values:
        errors["outcome"] = [_("one of %(choices)s") % {"choices": ", ".join(BackupOutcome.values)}]
    if code != StepCode.BACKUPS and outcome:
        errors["outcome"] = [_("only the backups step has an outcome")]
    if evidence is not None:
        try:
            check_size(evidence.size or 0, field="evidence")
        except DomainValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise DomainValidationError(errors)
    plan = ContractEndPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != PlanStatus.OPEN:
        raise TransitionError(_("the plan is %(status)s") % {"status": plan.get_status_display()})
    step = ContractEndStep.objects.select_for_update().get(plan=plan, code=code)
    if step.done_at is not None:
        raise TransitionError(_("this step is already done"))
    moment = now or current_time()
    step.done_at, step.done_by, step.note, step.outcome = moment, actor, note, outcome
    if evidence is not None:
        step.evidence_name = safe_name(evidence.name or "evidence")
        step.evidence.save(step.evidence_name, evidence, save=False)
    step.save()
    if not plan.steps.filter(done_at__isnull=True).exists() and plan.phase == Phase.EXIT:
        plan.status, plan.closed_at = PlanStatus.CLOSED, moment
        plan.save(update_fields=["status", "closed_at"])
    return step


@transaction.atomic
def record_backup(
    *,
    contract: Contract,
    asset: Asset,
    actor: Actor,
    taken_at: datetime,
    verified_at: datetime,
    location: str,
    note: str = "",
) -> RecordedBackup:
    """A verified backup of one of the contract's assets (the default backup provider)."""
    _require_staff(actor, "record backups")
    errors: dict[str, list[str]] = {}
    if not contract.lines.filter(asset=asset).exists():
        errors["asset"] = [_("is not covered by this contract")]
    if verified_at < taken_at:
        errors["verified_at"] = [_("must not be before the backup was taken")]
    if not location.strip():
        errors["location"] = [_("say where the backup is")]
    if errors:
        raise DomainValidationError(errors)
    return RecordedBackup.objects.create(
        contract=contract,
        asset=asset,
        taken_at=taken_at,
        verified_at=verified_at,
        location=location.strip()[:300],
        note=note.strip()[:300],
        recorded_by=actor,
    )
