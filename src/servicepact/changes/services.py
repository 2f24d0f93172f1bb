"""All writes to changes. Keyword-only, one transaction each, row-locked transitions.

    requested --(board, if not standard) + customer--> approved --start--> in_progress
    in_progress --implement--> implemented --verify--> done (configuration updates applied)
    in_progress | implemented --roll_back--> rolled_back, --fail--> failed
    requested --reject (customer, board, or staff withdrawing)--> rejected
    approved --complete--> done (start, implemented and verified at once)

An emergency change may start while requested: its approvals come after the fact and the
statement lists it. Every step appends a ``ChangeEvent`` (the change page's timeline).

The customer's approval (``approved_at``) is what makes the window planned downtime; it is
a contact of the change's customer who gives it. Provider staff may reject (withdraw their
own request) but never approve for the customer, so the provider cannot turn its own
downtime into planned downtime (docs/monitoring.md, "Maintenance windows"; docs/changes.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from servicepact.accounts.actors import Actor
from servicepact.assets.choices import ComponentKind
from servicepact.assets.configuration import record_component
from servicepact.assets.models import Asset, ContractLine
from servicepact.changes.choices import (
    EXECUTION,
    CabRule,
    ChangeKind,
    ChangeStatus,
    EventKind,
    Level,
    Vote,
    execution_allowed,
)
from servicepact.changes.models import (
    Change,
    ChangeApproval,
    ChangeEvent,
    ChangeTemplate,
    ConfigurationUpdate,
)
from servicepact.contracts.models import Contract
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.services import save_validated
from servicepact.core.time import now as current_time
from servicepact.core.time import require_aware
from servicepact.customers.models import Customer
from servicepact.customers.selectors import contact_for, is_staff
from servicepact.tickets.models import Ticket
from servicepact.tickets.notify import notify_change_requested


def _lock(change: Change) -> Change:
    return Change.objects.select_for_update().get(pk=change.pk)


def _user(actor: Actor) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _event(
    change: Change, kind: str, actor: Actor, note: str = "", at: datetime | None = None
) -> None:
    ChangeEvent.objects.create(
        change=change, kind=kind, at=at or current_time(), actor=_user(actor), note=note
    )


def _check_from(change: Change, action: str, allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    if change.status not in allowed:
        names = ", ".join(str(ChangeStatus(s).label) for s in allowed)
        raise TransitionError(
            _("cannot %(action)s change %(change)s: it is %(label)s; allowed from: %(names)s")
            % {
                "action": action,
                "change": change.number,
                "label": str(ChangeStatus(change.status).label),
                "names": names,
            }
        )


def _is_customer_contact(user: Any, change: Change) -> bool:
    contact = contact_for(user)
    return contact is not None and contact.customer_id == change.customer_id


@dataclass(frozen=True)
class ConfigUpdateIn:
    """A component version the change installs on one of its assets."""

    asset_id: int
    kind: str
    name: str
    version: str


@dataclass
class ChangeDetails:
    """What a change says besides its window and assets (request and edit share it)."""

    kind: str = ChangeKind.NORMAL
    template: ChangeTemplate | None = None
    impact: int = Level.LOW
    likelihood: int = Level.LOW
    impact_description: str = ""
    implementation_plan: str = ""
    test_plan: str = ""
    rollback_plan: str = ""
    affected_services: str = ""
    approvers: Sequence[Any] = ()
    cab_rule: str = CabRule.ALL
    cab_quorum: int | None = None
    related_tickets: Sequence[Ticket] = ()
    configuration: Sequence[ConfigUpdateIn] = ()
    contract: Contract | None = None


def _contract_for(customer: Customer, assets: list[Asset], day: Any) -> Contract | None:
    """The contract covering the change: the one with lines on its assets, else the
    customer's only contract (None when that is not one answer)."""
    ids = set(
        ContractLine.objects.filter(asset__in=assets, start_date__lte=day)
        .values_list("contract_id", flat=True)
        .distinct()[:2]
    )
    if len(ids) == 1:
        return Contract.objects.get(pk=ids.pop())
    mine = list(Contract.objects.filter(customer=customer).order_by("-start_date")[:2])
    return mine[0] if len(mine) == 1 else None


def _validate_details(
    customer: Customer, assets: list[Asset], details: ChangeDetails, errors: dict[str, list[str]]
) -> None:
    if details.kind not in ChangeKind.values:
        errors["kind"] = [_("unknown change type: %(kind)s") % {"kind": details.kind}]
    if details.kind == ChangeKind.STANDARD and details.template is None:
        errors["template"] = [_("a standard change names its pre-approved template")]
    if details.template is not None and not details.template.active:
        errors["template"] = [_("this template is no longer active")]
    for name in ("impact", "likelihood"):
        if getattr(details, name) not in Level.values:
            errors[name] = [_("must be 1 (low), 2 (medium) or 3 (high)")]
    if details.cab_rule not in CabRule.values:
        errors["cab_rule"] = [_("must be all or quorum")]
    approvers = list(details.approvers)
    if details.kind != ChangeKind.STANDARD:
        if not all(is_staff(u) for u in approvers):
            errors["approvers"] = [_("board members are provider staff")]
        if (
            approvers
            and details.cab_rule == CabRule.QUORUM
            and not (details.cab_quorum and 1 <= details.cab_quorum <= len(approvers))
        ):
            errors["cab_quorum"] = [
                _("a quorum between 1 and the number of approvers (%(n)s)") % {"n": len(approvers)}
            ]
    foreign = [
        t.number or str(t.pk) for t in details.related_tickets if t.customer_id != customer.pk
    ]
    if foreign:
        errors["related_tickets"] = [
            _("not tickets of %(customer)s: %(choices)s")
            % {"customer": customer.name, "choices": ", ".join(foreign)}
        ]
    if details.contract is not None and details.contract.customer_id != customer.pk:
        errors["contract"] = [_("not a contract of %(customer)s") % {"customer": customer.name}]
    asset_ids = {a.pk for a in assets}
    for i, update in enumerate(details.configuration):
        if update.asset_id not in asset_ids:
            errors[f"configuration[{i}].asset"] = [_("not one of the change's assets")]
        if update.kind not in ComponentKind.values:
            errors[f"configuration[{i}].kind"] = [
                _("unknown component kind: %(kind)s") % {"kind": update.kind}
            ]
        if not update.name.strip():
            errors[f"configuration[{i}].name"] = [_("must not be empty")]
        if not update.version.strip():
            errors[f"configuration[{i}].version"] = [_("must not be empty")]


def _validate_window(
    customer: Customer,
    title: str,
    assets: list[Asset],
    planned_start: datetime,
    planned_end: datetime,
    errors: dict[str, list[str]],
) -> None:
    if not title.strip():
        errors["title"] = [_("must not be empty")]
    if not assets:
        errors["assets"] = [_("name at least one asset")]
    foreign = [a.hostname for a in assets if a.customer_id != customer.pk]
    if foreign:
        errors["assets"] = [
            _("not assets of %(customer)s: %(choices)s")
            % {"customer": customer.name, "choices": ", ".join(foreign)}
        ]
    for name, value in (("planned_start", planned_start), ("planned_end", planned_end)):
        if value.tzinfo is None or value.utcoffset() is None:
            errors[name] = [_("must be an aware instant (with a UTC offset)")]
    if not errors and planned_end <= planned_start:
        errors["planned_end"] = [_("must be after planned_start")]


def _apply_details(change: Change, details: ChangeDetails) -> None:
    template = details.template if details.kind == ChangeKind.STANDARD else None
    change.kind = details.kind
    change.template = template
    change.impact = details.impact
    change.likelihood = details.likelihood
    change.impact_description = details.impact_description
    # A standard change takes the template's plans unless it states its own.
    change.implementation_plan = details.implementation_plan or (
        template.implementation_plan if template else ""
    )
    change.test_plan = details.test_plan or (template.test_plan if template else "")
    change.rollback_plan = details.rollback_plan or (template.rollback_plan if template else "")
    change.affected_services = details.affected_services
    change.cab_rule = details.cab_rule
    change.cab_quorum = details.cab_quorum if details.cab_rule == CabRule.QUORUM else None


def _store_relations(change: Change, details: ChangeDetails) -> None:
    change.related_tickets.set(details.related_tickets)
    ChangeApproval.objects.filter(change=change).delete()
    if change.needs_board:
        ChangeApproval.objects.bulk_create(
            ChangeApproval(change=change, approver=u) for u in details.approvers
        )
    ConfigurationUpdate.objects.filter(change=change).delete()
    ConfigurationUpdate.objects.bulk_create(
        ConfigurationUpdate(
            change=change,
            asset_id=u.asset_id,
            component_kind=u.kind,
            name=u.name.strip(),
            version=u.version.strip(),
        )
        for u in details.configuration
    )


@transaction.atomic
def request_change(
    *,
    customer: Customer,
    title: str,
    assets: Iterable[Asset],
    planned_start: datetime,
    planned_end: datetime,
    description: str = "",
    details: ChangeDetails | None = None,
    actor: Actor = None,
) -> Change:
    """Records a requested change on some of the customer's assets (window [start, end)).

    Without ``details`` (or with no named approvers): no board vote, the customer alone
    approves, as changes were before the board existed. A standard change never asks the
    board (its template is pre-approved).
    """
    assets = list(assets)
    errors: dict[str, list[str]] = {}
    _validate_window(customer, title, assets, planned_start, planned_end, errors)
    if details is not None:
        _validate_details(customer, assets, details, errors)
    if errors:
        raise DomainValidationError(errors)
    change = Change(
        customer=customer,
        title=title.strip(),
        description=description,
        planned_start=require_aware(planned_start, "planned_start"),
        planned_end=require_aware(planned_end, "planned_end"),
        requested_by=_user(actor),
        requested_at=current_time(),
    )
    if details is not None:
        _apply_details(change, details)
        change.contract = details.contract
    else:
        change.cab_approved = True  # no board named: nothing for it to decide
    if change.contract is None:
        change.contract = _contract_for(customer, assets, planned_start.date())
    if not change.needs_board or (details is not None and not details.approvers):
        change.cab_approved = True  # no board to ask: the customer alone approves
    save_validated(change)  # the model's limits (title length ...) as field errors
    change.assets.set(assets)
    if details is not None:
        _store_relations(change, details)
    _event(change, EventKind.REQUESTED, actor)
    notify_change_requested(change=change)  # the customer's approving contacts
    return change


@transaction.atomic
def edit_change(
    *,
    change: Change,
    title: str,
    assets: Iterable[Asset],
    planned_start: datetime,
    planned_end: datetime,
    description: str,
    details: ChangeDetails,
    actor: Actor,
) -> Change:
    """Staff edit a requested change; its votes and approvals start again (what they
    approved is no longer what it says)."""
    change = _lock(change)
    if not is_staff(actor):
        raise PermissionDenied(_("only provider staff edit changes"))
    _check_from(change, "edit", [ChangeStatus.REQUESTED])
    assets = list(assets)
    errors: dict[str, list[str]] = {}
    _validate_window(change.customer, title, assets, planned_start, planned_end, errors)
    _validate_details(change.customer, assets, details, errors)
    if errors:
        raise DomainValidationError(errors)
    change.title = title.strip()
    change.description = description
    change.planned_start = planned_start
    change.planned_end = planned_end
    _apply_details(change, details)
    if details.contract is not None:
        change.contract = details.contract
    change.approved_at = None
    change.approved_by = None
    change.cab_decided_at = None
    change.cab_approved = None if change.needs_board and details.approvers else True
    save_validated(change)
    change.assets.set(assets)
    _store_relations(change, details)
    _event(change, EventKind.EDITED, actor)
    return change


def _fully_approve(change: Change, actor: Actor) -> None:
    """requested -> approved once the board (if needed) and the customer have both said yes."""
    if change.status == ChangeStatus.REQUESTED and change.cab_approved and change.approved_at:
        change.status = ChangeStatus.APPROVED
        change.save(update_fields=["status", "updated_at"])
        _event(change, EventKind.APPROVED, actor)


def _may_still_decide(change: Change) -> bool:
    """Approvals are given while requested, and after the fact for a started emergency change."""
    if change.status == ChangeStatus.REQUESTED:
        return True
    return (
        change.kind == ChangeKind.EMERGENCY
        and change.status != ChangeStatus.REJECTED
        and change.rejected_at is None
    )


def given_at(change: Change, at: datetime | None, field: str = "approved_at") -> datetime:
    """The instant an approval was given: now, or ``at`` for one recorded after the fact
    (aware; not in the future, not before the change was requested: 422 on ``field``)."""
    moment = current_time()
    if at is None:
        return moment
    require_aware(at, field)
    if at > moment:
        raise DomainValidationError({field: [_("must not be in the future")]})
    if at < change.requested_at:
        raise DomainValidationError({field: [_("must not be before the change was requested")]})
    return at


@transaction.atomic
def approve_change(*, change: Change, actor: Actor, approved_at: datetime | None = None) -> Change:
    """The customer's approval, by a contact of the change's customer (staff: PermissionDenied).

    Its window becomes planned downtime. Emergency changes may be approved after the fact;
    ``approved_at``: when the approval was given, for one recorded later (``given_at``).
    """
    change = _lock(change)
    if not _is_customer_contact(actor, change):
        raise PermissionDenied(
            _("only a contact of %(customer)s can approve change %(change)s")
            % {"customer": change.customer.name, "change": change.number}
        )
    if change.approved_at is not None and change.status != ChangeStatus.REQUESTED:
        _check_from(change, "approve", [ChangeStatus.REQUESTED])
    if change.approved_at is not None:
        raise TransitionError(
            _("change %(change)s is approved by the customer already") % {"change": change.number}
        )
    if not _may_still_decide(change):
        _check_from(change, "approve", [ChangeStatus.REQUESTED])
    change.approved_by = actor
    change.approved_at = given_at(change, approved_at)
    change.save(update_fields=["approved_by", "approved_at", "updated_at"])
    _event(change, EventKind.CUSTOMER_APPROVED, actor, at=change.approved_at)
    _fully_approve(change, actor)
    return change


@transaction.atomic
def reject_change(*, change: Change, actor: Actor, reason: str = "") -> Change:
    """requested -> rejected, by a contact of the customer or by staff (withdrawing it).

    A started emergency change cannot be undone: the customer's "no" is recorded (its
    window then never counts as planned) and the status stays.
    """
    change = _lock(change)
    customer = _is_customer_contact(actor, change)
    if not (customer or is_staff(actor)):
        raise PermissionDenied(_("you cannot reject change %(change)s") % {"change": change.number})
    kind = EventKind.CUSTOMER_REJECTED if customer else EventKind.WITHDRAWN
    after_fact = change.status != ChangeStatus.REQUESTED and _may_still_decide(change)
    if customer and change.approved_at is None and after_fact:
        change.rejected_by = actor
        change.rejected_at = current_time()
        change.rejection_reason = reason.strip()
        change.save(update_fields=["rejected_by", "rejected_at", "rejection_reason", "updated_at"])
        _event(change, kind, actor, reason.strip())
        return change
    _check_from(change, "reject", [ChangeStatus.REQUESTED])
    change.status = ChangeStatus.REJECTED
    change.rejected_by = actor
    change.rejected_at = current_time()
    change.rejection_reason = reason.strip()
    change.save(
        update_fields=["status", "rejected_by", "rejected_at", "rejection_reason", "updated_at"]
    )
    _event(change, kind, actor, reason.strip())
    return change


def board_outcome(change: Change, votes: Sequence[str]) -> bool | None:
    """The board's decision from its votes: True approved, False rejected, None pending.

    "all": every named approver approves; one rejection rejects. "quorum": ``cab_quorum``
    approvals approve; rejected once the remaining votes can no longer reach the quorum.
    """
    approved = sum(v == Vote.APPROVED for v in votes)
    rejected = sum(v == Vote.REJECTED for v in votes)
    need = len(votes) if change.cab_rule == CabRule.ALL else int(change.cab_quorum or len(votes))
    if approved >= need:
        return True
    if len(votes) - rejected < need:
        return False
    return None


@transaction.atomic
def vote_on_change(
    *,
    change: Change,
    actor: Actor,
    approve: bool,
    note: str = "",
    decided_at: datetime | None = None,
) -> Change:
    """A named board member votes; the board's rule decides when the votes are enough.
    ``decided_at``: when the vote was given, for one recorded later (``given_at``); the
    board's decision takes the instant of the vote that settled it."""
    change = _lock(change)
    vote = (
        ChangeApproval.objects.select_for_update()
        .filter(change=change, approver=_user(actor))
        .first()
    )
    if vote is None:
        raise PermissionDenied(
            _("you are not on the change advisory board of change %(change)s")
            % {"change": change.number}
        )
    if change.cab_decided_at is not None or not _may_still_decide(change):
        raise TransitionError(
            _("the board has decided change %(change)s already") % {"change": change.number}
            if change.cab_decided_at is not None
            else _("change %(change)s is no longer awaiting approval") % {"change": change.number}
        )
    if vote.decision != Vote.PENDING:
        raise TransitionError(
            _("you have voted on change %(change)s already") % {"change": change.number}
        )
    moment = given_at(change, decided_at, "decided_at")
    vote.decision = Vote.APPROVED if approve else Vote.REJECTED
    vote.decided_at = moment
    vote.note = note.strip()[:2000]
    vote.save(update_fields=["decision", "decided_at", "note"])
    _event(
        change,
        EventKind.CAB_VOTE,
        actor,
        f"{vote.get_decision_display()}: {vote.note}".rstrip(": "),
        at=moment,
    )
    votes = list(ChangeApproval.objects.filter(change=change).values_list("decision", flat=True))
    outcome = board_outcome(change, votes)
    if outcome is None:
        return change
    change.cab_decided_at = moment
    change.cab_approved = outcome
    fields = ["cab_decided_at", "cab_approved", "updated_at"]
    if not outcome and change.status == ChangeStatus.REQUESTED:
        change.status = ChangeStatus.REJECTED
        change.rejected_at = moment
        change.rejected_by = _user(actor)
        change.rejection_reason = _("rejected by the change advisory board")
        fields += ["status", "rejected_at", "rejected_by", "rejection_reason"]
    change.save(update_fields=fields)
    _event(change, EventKind.CAB_APPROVED if outcome else EventKind.CAB_REJECTED, actor, at=moment)
    _fully_approve(change, actor)
    return change


def _apply_configuration(change: Change, at: datetime, actor: Actor) -> None:
    """A verified change's configuration updates become the assets' configuration record."""
    for update in change.configuration_updates.select_related("asset").order_by("id"):
        item = record_component(
            asset=update.asset,
            kind=update.component_kind,
            name=update.name,
            version=update.version,
            at=at,
            source=_("change %(number)s") % {"number": change.number},
            actor=actor,
        )
        update.applied = item
        update.save(update_fields=["applied"])
        _event(
            change,
            EventKind.CONFIGURATION,
            actor,
            f"{update.asset.hostname}: {update.name} {update.version}",
            at=at,
        )


def _step_instant(change: Change, at: datetime | None) -> datetime:
    moment = current_time()
    if at is None:
        return moment
    at = require_aware(at, "at")
    previous = change.implemented_at or change.started_at
    if at > moment:
        raise DomainValidationError(_("must not be in the future"), field="at")
    if previous is not None and at < previous:
        raise DomainValidationError(
            _("must not be before the previous step (%(at)s)") % {"at": previous.isoformat()},
            field="at",
        )
    return at


@transaction.atomic
def execute_change(
    *, change: Change, action: str, actor: Actor, note: str = "", at: datetime | None = None
) -> Change:
    """One execution step (start, implement, verify, roll_back, fail), by provider staff.

    The table ``choices.EXECUTION`` says which status each step starts from; an emergency
    change may start before it is approved. Verify applies the configuration updates.
    ``at``: when it happened, if recorded afterwards (not in the future, not before the
    step before it); default now.
    """
    change = _lock(change)
    if not is_staff(actor):
        raise PermissionDenied(
            _("only provider staff carry out change %(change)s") % {"change": change.number}
        )
    if action not in EXECUTION:
        raise TransitionError(_("unknown step: %(action)s") % {"action": action})
    sources, target, event = EXECUTION[action]
    if not execution_allowed(action, change.status, change.kind):
        _check_from(change, action.replace("_", " "), sources)
    moment = _step_instant(change, at)
    change.status = target
    fields = ["status", "updated_at"]
    if action == "start":
        change.started_at = moment
        fields.append("started_at")
    elif action == "implement":
        change.implemented_at = moment
        fields.append("implemented_at")
    else:
        change.completed_at = moment
        fields.append("completed_at")
    change.save(update_fields=fields)
    _event(change, event, actor, note.strip(), at=moment)
    if action == "verify":
        _apply_configuration(change, moment, actor)
    return change


@transaction.atomic
def complete_change(*, change: Change, actor: Actor) -> Change:
    """approved -> done in one step (started, implemented and verified now), by staff."""
    change = _lock(change)
    if not is_staff(actor):
        raise PermissionDenied(
            _("only provider staff can complete change %(change)s") % {"change": change.number}
        )
    _check_from(change, "complete", [ChangeStatus.APPROVED])
    for action in ("start", "implement", "verify"):
        change = execute_change(change=change, action=action, actor=actor)
    return change


@transaction.atomic
def create_template(
    *,
    title: str,
    impact: int,
    likelihood: int,
    description: str = "",
    implementation_plan: str = "",
    test_plan: str = "",
    rollback_plan: str = "",
    actor: Actor,
) -> ChangeTemplate:
    """A standard change template, pre-approved by the board (staff only)."""
    if not is_staff(actor):
        raise PermissionDenied(_("only provider staff create standard change templates"))
    template = ChangeTemplate(
        title=title,
        description=description,
        impact=impact,
        likelihood=likelihood,
        implementation_plan=implementation_plan,
        test_plan=test_plan,
        rollback_plan=rollback_plan,
    )
    _save_template(template)
    return template


TEMPLATE_FIELDS = (
    "title",
    "description",
    "impact",
    "likelihood",
    "implementation_plan",
    "test_plan",
    "rollback_plan",
    "active",
)


def _save_template(template: ChangeTemplate) -> None:
    """The template's rules (create and edit): a title, impact and likelihood 1-3."""
    errors: dict[str, list[str]] = {}
    template.title = template.title.strip()
    if not template.title:
        errors["title"] = [_("must not be empty")]
    for name in ("impact", "likelihood"):
        if getattr(template, name) not in Level.values:
            errors[name] = [_("must be 1 (low), 2 (medium) or 3 (high)")]
    if errors:
        raise DomainValidationError(errors)
    save_validated(template)


@transaction.atomic
def edit_template(*, template: ChangeTemplate, actor: Actor, **values: Any) -> ChangeTemplate:
    """Changes the fields given (``TEMPLATE_FIELDS``; ``active`` False retires it from new
    changes). Changes made from it keep their own copy of the plans (staff only)."""
    if not is_staff(actor):
        raise PermissionDenied(_("only provider staff edit standard change templates"))
    unknown = sorted(set(values) - set(TEMPLATE_FIELDS))
    if unknown:
        raise DomainValidationError({f: [_("cannot be changed")] for f in unknown})
    template = ChangeTemplate.objects.select_for_update().get(pk=template.pk)
    for name, value in values.items():
        setattr(template, name, value)
    _save_template(template)
    return template


def staff_users(ids: Iterable[int]) -> list[Any]:
    """Users by id, in the order given (unknown ids are left out: callers compare lengths)."""
    wanted = list(ids)
    found = {u.pk: u for u in get_user_model().objects.filter(pk__in=wanted)}
    return [found[i] for i in wanted if i in found]
