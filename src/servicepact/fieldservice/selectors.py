"""Reads of dispatch: work orders a user may see (tenancy), the dispatch board of a day and
an engineer's own day."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.http import Http404
from django.utils.translation import gettext as _

from servicepact.core.time import day_bounds
from servicepact.customers.selectors import scope_to_customer
from servicepact.fieldservice.choices import WorkOrderStatus
from servicepact.fieldservice.models import Engineer, WorkOrder

# A board shows at most this many visits (a day of a few hundred engineers).
BOARD_MAX_ORDERS = 2000


def work_orders_for(user: Any) -> QuerySet[WorkOrder]:
    """Staff see every work order; a contact those of its customer's tickets; others none."""
    qs = WorkOrder.objects.select_related(
        "ticket", "ticket__customer", "engineer__user", "engineer__home_depot"
    )
    return scope_to_customer(qs, user, field="ticket__customer")


def get_work_order(user: Any, pk: int) -> WorkOrder:
    """The work order if the user may see it; otherwise 404."""
    order = work_orders_for(user).filter(pk=pk).first()
    if order is None:
        raise Http404(_("No such work order"))
    return order


def engineer_of(user: Any) -> Engineer | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Engineer.objects.select_related("home_depot").filter(user_id=user.pk).first()


def on_day(day: date, zones: Iterable[str] | None = None) -> Q:
    """Work orders planned on ``day`` in their engineer's own zone: one [midnight, midnight)
    range per zone, so a Tokyo and a New York engineer each get their own calendar day.
    ``zones``: the engineers' zones to cover (default: every engineer's)."""
    if zones is None:
        zones = Engineer.objects.values_list("timezone", flat=True).distinct()
    condition = Q(pk__in=[])
    for zone in sorted(set(zones)):
        start, end = day_bounds(day, zone)
        condition |= Q(
            engineer__timezone=zone, planned_arrival_at__gte=start, planned_arrival_at__lt=end
        )
    return condition


@dataclass
class BoardRow:
    engineer: Engineer
    orders: list[WorkOrder] = field(default_factory=list)


def day_plan(engineers: list[Engineer], day: date) -> list[BoardRow]:
    """The dispatch board: each engineer (in the order given: one page of them) with the
    visits planned on ``day`` in the engineer's zone, by planned arrival; cancelled visits
    are left out. One query for the visits, limited in SQL."""
    rows = {e.pk: BoardRow(e) for e in engineers}
    if not rows:
        return []
    orders = (
        WorkOrder.objects.filter(on_day(day, [e.timezone for e in engineers]))
        .filter(engineer__in=list(rows))
        .exclude(status=WorkOrderStatus.CANCELLED)
        .select_related("ticket", "ticket__customer", "ticket__site")
        .order_by("planned_arrival_at", "pk")[:BOARD_MAX_ORDERS]
    )
    for order in orders:
        rows[order.engineer_id].orders.append(order)
    return list(rows.values())


def board_engineers(depot: int | None = None) -> QuerySet[Engineer]:
    """Active engineers for the board, optionally of one home depot, by name."""
    qs = Engineer.objects.filter(active=True).select_related("user", "home_depot")
    if depot is not None:
        qs = qs.filter(home_depot_id=depot)
    return qs.order_by("user__username", "pk")


# A ticket page shows at most this many visits.
VISITS_SHOWN = 20


def ticket_visits(user: Any, ticket: Any) -> list[WorkOrder]:
    """A ticket's visits as a page shows them, by planned arrival: staff see all, a contact
    of the ticket's customer those not cancelled, anyone else none."""
    qs = work_orders_for(user).filter(ticket_id=ticket.pk)
    if not getattr(user, "is_staff", False):
        qs = qs.exclude(status=WorkOrderStatus.CANCELLED)
    return list(qs.order_by("planned_arrival_at", "pk")[:VISITS_SHOWN])


@dataclass(frozen=True)
class SignatureFile:
    """A work order's drawn signature as ``tickets.attachments.download_response`` serves it."""

    name: str
    content_type: str
    file: FieldFile


def signature_file(user: Any, pk: int) -> SignatureFile:
    """The drawn signature of a work order the user may see; 404 otherwise or without one."""
    order = get_work_order(user, pk)
    if not order.signature_image:
        raise Http404(_("No such work order"))
    return SignatureFile(f"signature-{order}.png", "image/png", order.signature_image)
