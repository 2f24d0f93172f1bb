"""Change reads, scoped by tenancy, and the approved windows availability excludes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from servicepact.changes.choices import APPROVED_STATUSES, ChangeKind, ChangeStatus
from servicepact.changes.models import Change
from servicepact.customers.selectors import scope_to_customer


def changes_for(user: Any) -> QuerySet[Change]:
    """Staff see every change; a contact its customer's; anyone else nothing."""
    qs = Change.objects.select_related(
        "customer", "contract", "template", "requested_by", "approved_by", "rejected_by"
    ).prefetch_related("assets")
    return scope_to_customer(qs, user)


def get_change(user: Any, pk: int) -> Change:
    """The change if the user may see it; otherwise 404 (existence is not revealed)."""
    change = changes_for(user).filter(pk=pk).first()
    if change is None:
        raise Http404(_("No such change"))
    return change


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    change_id: int


def approved_windows(
    asset_ids: Iterable[int], start: datetime, end: datetime
) -> dict[int, list[Window]]:
    """Maintenance windows the customer approved overlapping [start, end), per asset, by start.

    Approved, or carried out since whatever the outcome (verified, rolled back, failed): the
    window [planned_start, planned_end) stays planned; downtime outside it (an overrun, an
    early start) counts. An emergency change carried out before the customer approved it
    joins once approved after the fact (docs/changes.md, "Outcome and availability").
    """
    asset_ids = list(asset_ids)
    windows: dict[int, list[Window]] = defaultdict(list)
    if not asset_ids:
        return windows
    rows = (
        Change.assets.through.objects.filter(
            asset_id__in=asset_ids,
            change__status__in=APPROVED_STATUSES,
            change__approved_at__isnull=False,  # the customer's approval makes it planned
            change__planned_start__lt=end,
            change__planned_end__gt=start,
        )
        .order_by("change__planned_start", "change_id")
        .values_list("asset_id", "change_id", "change__planned_start", "change__planned_end")
    )
    for asset_id, change_id, planned_start, planned_end in rows:
        windows[asset_id].append(Window(planned_start, planned_end, change_id))
    return windows


def awaiting_customer(qs: QuerySet[Change]) -> QuerySet[Change]:
    """Changes awaiting the customer's decision: requested and not yet approved by it, or an
    emergency change carried out before approval and not decided since (after the fact)."""
    undecided = Q(approved_at__isnull=True, rejected_at__isnull=True)
    emergency = Q(kind=ChangeKind.EMERGENCY) & ~Q(status=ChangeStatus.REJECTED)
    return qs.filter(undecided & (Q(status=ChangeStatus.REQUESTED) | emergency))


def customer_may_decide(change: Change) -> bool:
    """The portal shows approve/reject (the same rule as ``awaiting_customer``)."""
    if change.approved_at is not None or change.rejected_at is not None:
        return False
    if change.status == ChangeStatus.REQUESTED:
        return True
    return change.kind == ChangeKind.EMERGENCY and change.status != ChangeStatus.REJECTED
