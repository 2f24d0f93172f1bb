"""Blackout periods of a contract (e.g. the year-end freeze): add one, remove one, read them.

A blackout is a contract term: changes should not run inside it. ``changes.conflicts``
reports a change whose window overlaps one (docs/changes.md, "Conflicts").
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from servicepact.accounts.actors import Actor
from servicepact.contracts.models import Blackout, Contract
from servicepact.core.errors import DomainValidationError
from servicepact.core.services import save_validated
from servicepact.customers.selectors import is_staff


@transaction.atomic
def add_blackout(
    *,
    contract: Contract,
    name: str,
    starts_at: datetime,
    ends_at: datetime,
    reason: str = "",
    actor: Actor,
) -> Blackout:
    """A blackout [starts_at, ends_at) on the contract (staff only)."""
    if not is_staff(actor):
        raise PermissionDenied(_("only provider staff set blackout periods"))
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("must not be empty")]
    for field, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if value.tzinfo is None or value.utcoffset() is None:
            errors[field] = [_("must be an aware instant (with a UTC offset)")]
    if not errors and ends_at <= starts_at:
        errors["ends_at"] = [_("must be after starts_at")]
    if errors:
        raise DomainValidationError(errors)
    blackout = Blackout(
        contract=contract, name=name.strip(), starts_at=starts_at, ends_at=ends_at, reason=reason
    )
    save_validated(blackout)
    return blackout


@transaction.atomic
def remove_blackout(*, blackout: Blackout, actor: Actor) -> None:
    if not is_staff(actor):
        raise PermissionDenied(_("only provider staff set blackout periods"))
    blackout.delete()
