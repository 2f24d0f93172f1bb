"""Writes of emergency response (each one transaction): classification, emergency contacts,
runbooks, declaring a major incident, and the post-incident report (docs/incidents.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from servicepact.accounts.actors import Actor
from servicepact.backups.choices import RunStatus
from servicepact.backups.models import BackupRun
from servicepact.billing.choices import AuditAction
from servicepact.billing.models import CreditAudit, PeriodCredit
from servicepact.billing.services import adjust_credits, require_manager
from servicepact.changes.models import Change
from servicepact.contracts.models import Contract, ServicePlan
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.money import format_amount, parse_amount
from servicepact.core.time import now as current_time
from servicepact.customers.models import Contact
from servicepact.incidents.choices import ReportStatus, level_label
from servicepact.incidents.models import (
    CorrectiveAction,
    EmergencyContact,
    EventLevel,
    IncidentReport,
    MajorIncident,
    Runbook,
)
from servicepact.incidents.notify import notify_declared, notify_published
from servicepact.incidents.selectors import level_for, runbooks_for_contract
from servicepact.incidents.timeline import generate_timeline
from servicepact.tickets.choices import Category, TicketKind
from servicepact.tickets.choices import Channel as TicketChannel
from servicepact.tickets.models import Ticket
from servicepact.tickets.services import change_priority, open_ticket
from servicepact.tickets.transitions import allowed

TEXT_MAX = 20_000


def _require_staff(actor: Actor, what: str) -> None:
    if actor is None or not getattr(actor, "is_staff", False):
        raise PermissionDenied(_("Only provider staff may %(what)s.") % {"what": what})


def _text(errors: dict[str, list[str]], field: str, value: str, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        errors.setdefault(field, []).append(_("must not be empty"))
    if len(value) > TEXT_MAX:
        errors.setdefault(field, []).append(_("at most %(limit)d characters") % {"limit": TEXT_MAX})
    return value


# ---------------------------------------------------------------- classification


@dataclass(frozen=True)
class LevelIn:
    level: int
    name: str
    priority: int
    criteria: str = ""
    major: bool = True


@transaction.atomic
def set_event_levels(
    *, contract: Contract, levels: list[LevelIn], actor: Actor
) -> list[EventLevel]:
    """Replaces the contract's classification (levels I..IV, each once) in one go."""
    _require_staff(actor, "classify events")
    errors: dict[str, list[str]] = {}
    seen: set[int] = set()
    for i, row in enumerate(levels):
        if row.level not in (1, 2, 3, 4) or row.level in seen:
            errors.setdefault(f"levels.{i}.level", []).append(_("must be 1 to 4, each level once"))
        seen.add(row.level)
        if row.priority not in (1, 2, 3, 4):
            errors.setdefault(f"levels.{i}.priority", []).append(_("must be 1 to 4"))
        _text(errors, f"levels.{i}.name", row.name, required=True)
    if not levels:
        errors["levels"] = [_("give at least one level")]
    if errors:
        raise DomainValidationError(errors)
    EventLevel.objects.filter(contract=contract).delete()
    return EventLevel.objects.bulk_create(
        EventLevel(
            contract=contract,
            level=row.level,
            name=row.name.strip()[:100],
            criteria=row.criteria.strip(),
            priority=row.priority,
            major=row.major,
        )
        for row in sorted(levels, key=lambda r: r.level)
    )


@transaction.atomic
def add_emergency_contact(
    *,
    contract: Contract,
    actor: Actor,
    name: str = "",
    email: str = "",
    phone: str = "",
    role: str = "",
    up_to_level: int = 4,
    contact: Contact | None = None,
) -> EmergencyContact:
    """Someone told at once of the contract's major incidents up to ``up_to_level``."""
    _require_staff(actor, "edit emergency contacts")
    errors: dict[str, list[str]] = {}
    if contact is not None and contact.customer_id != contract.customer_id:
        errors["contact"] = [_("is a contact of another customer")]
    if contact is not None:
        name = name or contact.name
        email = email or contact.email
        phone = phone or contact.phone
    name = _text(errors, "name", name, required=True)
    if not (email or "").strip():
        errors["email"] = [_("an emergency contact needs an e-mail address")]
    if up_to_level not in (1, 2, 3, 4):
        errors["up_to_level"] = [_("must be 1 to 4")]
    row = EmergencyContact(
        contract=contract,
        contact=contact,
        name=name[:200],
        email=(email or "").strip(),
        phone=(phone or "").strip()[:50],
        role=(role or "").strip()[:100],
        up_to_level=up_to_level,
    )
    if not errors:
        try:
            row.full_clean(exclude=["contract", "contact"])
        except ValidationError as exc:  # the e-mail's form
            errors.update({k: [str(m) for m in v] for k, v in exc.message_dict.items()})
    if errors:
        raise DomainValidationError(errors)
    row.save()
    return row


@transaction.atomic
def remove_emergency_contact(*, row: EmergencyContact, actor: Actor) -> None:
    _require_staff(actor, "edit emergency contacts")
    row.delete()


# ---------------------------------------------------------------- runbooks


@transaction.atomic
def save_runbook(
    *,
    actor: Actor,
    title: str,
    body: str,
    contract: Contract | None = None,
    plan: ServicePlan | None = None,
    runbook: Runbook | None = None,
    now: datetime | None = None,
) -> Runbook:
    """A new runbook (for a contract, or a service plan), or a new text of ``runbook``."""
    _require_staff(actor, "edit runbooks")
    errors: dict[str, list[str]] = {}
    title = _text(errors, "title", title, required=True)[:200]
    body = _text(errors, "body", body, required=True)
    if runbook is None and (contract is None) == (plan is None):
        errors["contract"] = [_("give a contract or a service plan, not both")]
    if errors:
        raise DomainValidationError(errors)
    row = runbook or Runbook(contract=contract, plan=plan)
    row.title, row.body = title, body
    row.updated_at, row.updated_by = now or current_time(), actor
    row.save()
    return row


# ---------------------------------------------------------------- major incidents


def _check_runbooks(contract: Contract, ids: list[int] | None) -> list[Runbook]:
    usable = runbooks_for_contract(contract)
    if ids is None:
        return list(usable)
    found = list(usable.filter(pk__in=ids))
    missing = sorted(set(ids) - {r.pk for r in found})
    if missing:
        raise DomainValidationError(
            {
                "runbooks": [
                    _("no runbook of this contract or its plan with id %(ids)s")
                    % {"ids": ", ".join(str(i) for i in missing)}
                ]
            }
        )
    return found


@transaction.atomic
def declare_major_incident(
    *,
    ticket: Ticket,
    level: int,
    summary: str,
    actor: Actor,
    runbooks: list[int] | None = None,
    now: datetime | None = None,
) -> MajorIncident:
    """Declares ``ticket`` a major incident of ``level`` (1 = I, most severe).

    The ticket takes the level's priority (a ``priority_changed`` event, clocks re-measured),
    the contract's runbooks (or those named) are linked, a draft report with the timeline so
    far is created, and the emergency contacts are told at once on every channel, whatever
    the hour (``incidents.notify``)."""
    _require_staff(actor, "declare a major incident")
    moment = now or current_time()
    errors: dict[str, list[str]] = {}
    summary = _text(errors, "summary", summary, required=True)
    if ticket.contract_id is None:
        errors["ticket"] = [_("is not covered by a contract")]
    if errors:
        raise DomainValidationError(errors)
    ticket = (
        Ticket.objects.select_for_update(of=("self",)).select_related("contract").get(pk=ticket.pk)
    )
    assert ticket.contract is not None
    contract = ticket.contract
    if MajorIncident.objects.filter(ticket=ticket).exists():
        raise TransitionError(
            _("ticket %(ticket)s is already a major incident") % {"ticket": ticket.number}
        )
    if not ticket.is_open:
        raise TransitionError(
            _("ticket %(ticket)s is %(status)s: only an open ticket can be declared")
            % {"ticket": ticket.number, "status": ticket.get_status_display()}
        )
    row = level_for(contract, level)
    if row is None or not row.major:
        raise DomainValidationError(
            {
                "level": [
                    _("level %(level)s is not a major incident on contract %(contract)s")
                    % {"level": level_label(level), "contract": contract.number}
                ]
            }
        )
    linked = _check_runbooks(contract, runbooks)
    if ticket.priority != row.priority and allowed("priority", ticket.status):
        ticket = change_priority(
            ticket=ticket,
            actor=actor,
            priority=row.priority,
            reason=_("Major incident, level %(level)s") % {"level": level_label(level)},
            at=moment,
        )
    incident = MajorIncident.objects.create(
        ticket=ticket,
        contract=contract,
        level=level,
        summary=summary,
        declared_at=moment,
        declared_by=actor,
    )
    incident.runbooks.set(linked)
    IncidentReport.objects.create(
        incident=incident, timeline=generate_timeline(incident), updated_at=moment
    )
    incident.notified = notify_declared(incident, now=moment)
    incident.save(update_fields=["notified"])
    return incident


# ---------------------------------------------------------------- the report


def _draft(report: IncidentReport) -> IncidentReport:
    locked = IncidentReport.objects.select_for_update().get(pk=report.pk)
    if locked.status != ReportStatus.DRAFT:
        raise TransitionError(_("the report is published: it can no longer change"))
    return locked


@transaction.atomic
def regenerate_timeline(
    *, report: IncidentReport, actor: Actor, now: datetime | None = None
) -> IncidentReport:
    """The timeline again from the ticket's events (edits to it are replaced)."""
    _require_staff(actor, "edit the report")
    report = _draft(report)
    report.timeline = generate_timeline(report.incident)
    report.updated_at = now or current_time()
    report.save(update_fields=["timeline", "updated_at"])
    return report


def _timeline(errors: dict[str, list[str]], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    clean = []
    for i, entry in enumerate(rows):
        at = entry.get("at")
        text = str(entry.get("text", "")).strip()
        if not isinstance(at, datetime) or at.tzinfo is None:
            errors.setdefault(f"timeline.{i}.at", []).append(_("an instant with its zone"))
            continue
        if not text:
            errors.setdefault(f"timeline.{i}.text", []).append(_("must not be empty"))
            continue
        event = entry.get("event")
        clean.append({"at": at.isoformat(), "text": text[:2000], "event": event})
    clean.sort(key=lambda e: str(e["at"]))
    return clean


REPORT_FIELDS = (
    "timeline",
    "root_cause",
    "data_lost",
    "data_loss",
    "restored_from",
    "restored_run",
    "achieved_rto_seconds",
    "achieved_rpo_seconds",
    "apology",
)


def _restorable(report: IncidentReport, run: Any) -> bool:
    """A run a report may cite: a good backup of an asset of the incident's customer."""
    if not isinstance(run, BackupRun) or run.asset is None:
        return False
    customer_id = report.incident.contract.customer_id
    return run.status == RunStatus.SUCCEEDED and run.asset.customer_id == customer_id


@transaction.atomic
def update_report(
    *, report: IncidentReport, actor: Actor, now: datetime | None = None, **values: Any
) -> IncidentReport:
    """Sets the fields given (``REPORT_FIELDS``) of a draft report; the others stay."""
    _require_staff(actor, "edit the report")
    unknown = sorted(set(values) - set(REPORT_FIELDS))
    if unknown:
        raise TypeError(f"not report fields: {unknown}")
    report = _draft(report)
    errors: dict[str, list[str]] = {}
    for field in ("root_cause", "data_loss", "apology"):
        if field in values:
            setattr(report, field, _text(errors, field, values[field], required=False))
    if "restored_from" in values:
        report.restored_from = _text(
            errors, "restored_from", values["restored_from"], required=False
        )[:300]
    if "restored_run" in values:
        run = values["restored_run"]
        if run is not None and not _restorable(report, run):
            errors["restored_run"] = [
                _("a successful backup run of one of the customer's assets, or none")
            ]
        else:
            report.restored_run = run
    if "data_lost" in values:
        if values["data_lost"] not in (True, False, None):
            errors["data_lost"] = [_("yes, no, or not stated yet")]
        else:
            report.data_lost = values["data_lost"]
    for field in ("achieved_rto_seconds", "achieved_rpo_seconds"):
        if field in values:
            seconds = values[field]
            if seconds is not None and not 0 <= int(seconds) <= 2**31 - 1:
                errors[field] = [_("must be 0 or more seconds")]
            else:
                setattr(report, field, seconds)
    if "timeline" in values:
        report.timeline = _timeline(errors, list(values["timeline"]))
    if errors:
        raise DomainValidationError(errors)
    report.updated_at = now or current_time()
    report.save()
    return report


@transaction.atomic
def add_corrective_action(
    *,
    report: IncidentReport,
    actor: Actor,
    description: str,
    open_follow_up: bool = True,
    change: Change | None = None,
    now: datetime | None = None,
) -> CorrectiveAction:
    """A corrective action followed by a new ticket (``open_follow_up``) or an existing change
    of the same customer."""
    _require_staff(actor, "edit the report")
    report = _draft(report)
    errors: dict[str, list[str]] = {}
    description = _text(errors, "description", description, required=True)
    if len(description) > 300:
        errors["description"] = [_("at most %(limit)d characters") % {"limit": 300}]
    incident = report.incident
    ticket = incident.ticket
    if change is not None and change.customer_id != ticket.customer_id:
        errors["change"] = [_("is a change of another customer")]
    if change is None and not open_follow_up:
        errors["change"] = [_("name a change, or open a follow-up ticket")]
    if errors:
        raise DomainValidationError(errors)
    follow_up = None
    if change is None:
        follow_up = open_ticket(
            customer=ticket.customer,
            subject=description[:200],
            description=_("Corrective action after major incident %(ticket)s.")
            % {"ticket": ticket.number},
            asset=ticket.asset,
            channel=TicketChannel.API,
            category=Category.OTHER,
            kind=TicketKind.REQUEST,
            actor=actor,
        )
    return CorrectiveAction.objects.create(
        report=report,
        description=description,
        ticket=follow_up,
        change=change,
        created_at=now or current_time(),
    )


@transaction.atomic
def offer_compensation(
    *,
    report: IncidentReport,
    actor: Actor,
    credit: PeriodCredit,
    amount: Decimal | str | int,
    text: str,
) -> IncidentReport:
    """Offers ``amount`` on top of the month's credits: the credit is adjusted (with its audit
    row, ``billing.services.adjust_credits``) to its amount due plus ``amount``, and the report
    keeps the link. Once per report; the credit's cap and states apply (422, 409)."""
    require_manager(actor, "offer compensation")
    report = _draft(report)
    errors: dict[str, list[str]] = {}
    text = _text(errors, "text", text, required=True)
    if credit.contract_id != report.incident.contract_id:
        errors["credit"] = [_("is a credit of another contract")]
    if report.credit_id is not None:
        raise TransitionError(_("compensation was already offered on this report"))
    value = Decimal(0)
    try:
        value = parse_amount(amount, credit.currency, "amount")
    except DomainValidationError as exc:
        errors.update(exc.errors)
    else:
        if value <= 0:
            errors["amount"] = [_("must be more than 0")]
    if errors:
        raise DomainValidationError(errors)
    ticket = report.incident.ticket
    adjusted = adjust_credits(
        credit=credit,
        amount=credit.amount_due + value,
        actor=actor,
        reason=_("Compensation for major incident %(ticket)s: %(amount)s %(currency)s")
        % {
            "ticket": ticket.number,
            "amount": format_amount(value, credit.currency),
            "currency": credit.currency,
        },
    )
    report.credit = adjusted
    report.credit_audit = (
        CreditAudit.objects.filter(credit=adjusted, action=AuditAction.ADJUST)
        .order_by("-at", "-id")
        .first()
    )
    report.compensation_amount = value
    report.compensation_currency = credit.currency
    report.compensation_text = text
    report.updated_at = current_time()
    report.save()
    return report


@transaction.atomic
def publish_report(
    *, report: IncidentReport, actor: Actor, now: datetime | None = None
) -> IncidentReport:
    """Publishes a complete report to the customer (portal, PDF) and tells its contacts."""
    _require_staff(actor, "publish the report")
    report = _draft(report)
    errors: dict[str, list[str]] = {}
    if not report.timeline:
        errors["timeline"] = [_("a report needs its timeline")]
    if not report.root_cause:
        errors["root_cause"] = [_("say what caused the incident")]
    if report.data_lost is None:
        errors["data_lost"] = [_("say whether data was lost")]
    if report.data_lost and not report.data_loss:
        errors["data_loss"] = [_("say what data was lost")]
    if not report.apology:
        errors["apology"] = [_("write the customer-facing statement")]
    if errors:
        raise DomainValidationError(errors)
    moment = now or current_time()
    report.status = ReportStatus.PUBLISHED
    report.published_at, report.published_by = moment, actor
    report.updated_at = moment
    report.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    notify_published(report, now=moment)
    return report
