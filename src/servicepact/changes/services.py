"""All writes to changes. Keyword-only, one transaction each, row-locked transitions.

    requested --approve--> approved --complete--> done
    requested --reject---> rejected

Approval and rejection belong to the customer: a contact of the change's customer decides.
Provider staff may also reject (withdraw their own request) but never approve, so the provider
cannot turn its own downtime into planned downtime (docs/monitoring.md, "Maintenance windows").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from servicepact.accounts.actors import Actor
from servicepact.assets.models import Asset
from servicepact.changes.choices import ChangeStatus
from servicepact.changes.models import Change
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.services import save_validated
from servicepact.core.time import now as current_time
from servicepact.core.time import require_aware
from servicepact.customers.models import Customer
from servicepact.customers.selectors import contact_for, is_staff
from servicepact.tickets.notify import notify_change_requested


def _lock(change: Change) -> Change:
    return Change.objects.select_for_update().get(pk=change.pk)


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


@transaction.atomic
def request_change(
    *,
    customer: Customer,
    title: str,
    assets: Iterable[Asset],
    planned_start: datetime,
    planned_end: datetime,
    description: str = "",
    actor: Actor = None,
) -> Change:
    """Records a requested change on some of the customer's assets (window [start, end))."""
    assets = list(assets)
    errors: dict[str, list[str]] = {}
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
    if errors:
        raise DomainValidationError(errors)
    change = Change(
        customer=customer,
        title=title.strip(),
        description=description,
        planned_start=require_aware(planned_start, "planned_start"),
        planned_end=require_aware(planned_end, "planned_end"),
        requested_by=actor if getattr(actor, "pk", None) else None,
        requested_at=current_time(),
    )
    save_validated(change)  # the model's limits (title length ...) as field errors
    change.assets.set(assets)
    notify_change_requested(change=change)  # the customer's approving contacts
    return change


@transaction.atomic
def approve_change(*, change: Change, actor: Actor) -> Change:
    """requested -> approved, by a contact of the change's customer (staff: PermissionDenied)."""
    change = _lock(change)
    if not _is_customer_contact(actor, change):
        raise PermissionDenied(
            _("only a contact of %(customer)s can approve change %(change)s")
            % {"customer": change.customer.name, "change": change.number}
        )
    _check_from(change, "approve", [ChangeStatus.REQUESTED])
    change.status = ChangeStatus.APPROVED
    change.approved_by = actor
    change.approved_at = current_time()
    change.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    return change


@transaction.atomic
def reject_change(*, change: Change, actor: Actor, reason: str = "") -> Change:
    """requested -> rejected, by a contact of the customer or by staff (withdrawing it)."""
    change = _lock(change)
    if not (_is_customer_contact(actor, change) or is_staff(actor)):
        raise PermissionDenied(_("you cannot reject change %(change)s") % {"change": change.number})
    _check_from(change, "reject", [ChangeStatus.REQUESTED])
    change.status = ChangeStatus.REJECTED
    change.rejected_by = actor
    change.rejected_at = current_time()
    change.rejection_reason = reason.strip()
    change.save(
        update_fields=["status", "rejected_by", "rejected_at", "rejection_reason", "updated_at"]
    )
    return change


@transaction.atomic
def complete_change(*, change: Change, actor: Actor) -> Change:
    """approved -> done, by provider staff once the work is carried out."""
    change = _lock(change)
    if not is_staff(actor):
        raise PermissionDenied(
            _("only provider staff can complete change %(change)s") % {"change": change.number}
        )
    _check_from(change, "complete", [ChangeStatus.APPROVED])
    change.status = ChangeStatus.DONE
    change.completed_at = current_time()
    change.save(update_fields=["status", "completed_at", "updated_at"])
    return change
