"""Reads of stock: sums of the ledger per (part, depot), the pages' lists, tenancy.

Catalogue, balances and the ledger are staff-only; a contact reads its own customer's
reservations, RMAs and loaners (``customers.selectors.scope_to_customer``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import F, IntegerField, OuterRef, QuerySet, Subquery, Sum, TextField, Value
from django.db.models.functions import Cast, Coalesce

from servicepact.customers.selectors import is_staff, scope_to_customer
from servicepact.stock.choices import ReservationStatus
from servicepact.stock.models import Loaner, Part, Reservation, Rma, StockBalance, StockMovement


@dataclass(frozen=True)
class Levels:
    """The sums of a (part, depot)'s ledger."""

    on_hand: int = 0
    reserved: int = 0
    faulty: int = 0

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


def levels(part_id: int, depot_id: int) -> Levels:
    """On hand, reserved and faulty: one aggregate over the (part, depot)'s movements."""
    sums = StockMovement.objects.filter(part_id=part_id, depot_id=depot_id).aggregate(
        on_hand=Coalesce(Sum("on_hand_delta"), 0),
        reserved=Coalesce(Sum("reserved_delta"), 0),
        faulty=Coalesce(Sum("faulty_delta"), 0),
    )
    return Levels(on_hand=sums["on_hand"], reserved=sums["reserved"], faulty=sums["faulty"])


def _sum_of(column: str) -> Any:
    rows = (
        StockMovement.objects.filter(part_id=OuterRef("part_id"), depot_id=OuterRef("depot_id"))
        .order_by()
        .values("part_id", "depot_id")
        .annotate(total=Sum(column))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def balances() -> QuerySet[StockBalance]:
    """Every (part, depot) with ``on_hand``, ``reserved``, ``faulty``, ``available`` and
    ``low`` (available below the threshold) computed in SQL, so a page can filter, order and
    limit without loading rows."""
    return (
        StockBalance.objects.select_related("part", "depot")
        .annotate(
            on_hand=_sum_of("on_hand_delta"),
            reserved=_sum_of("reserved_delta"),
            faulty=_sum_of("faulty_delta"),
        )
        .annotate(available=F("on_hand") - F("reserved"))
        .order_by("part__part_number", "depot__name")
    )


def low_balances() -> QuerySet[StockBalance]:
    # The annotation is unknown to the type checker: the lookup goes by keyword.
    return balances().filter(**{"available__lt": F("low_stock_threshold")})


def parts() -> QuerySet[Part]:
    return Part.objects.order_by("part_number")


def compatible_with(rows: QuerySet[Part], model: str) -> QuerySet[Part]:
    """Parts whose compatible models include ``model`` exactly. PostgreSQL: jsonb containment;
    SQLite has no JSON ``contains``: the stored text (``json.dumps``, ASCII-escaped) holds the
    model as one quoted JSON string."""
    if connection.vendor == "postgresql":
        return rows.filter(compatible_models__contains=[model])
    text = Cast("compatible_models", TextField())
    return rows.annotate(models_text=text).filter(models_text__contains=json.dumps(model))


def movements() -> QuerySet[StockMovement]:
    return StockMovement.objects.select_related(
        "part", "depot", "ticket", "counterpart", "recorded_by"
    ).order_by("-at", "-id")


def reservations_for(user: Any) -> QuerySet[Reservation]:
    """Staff: every reservation; a contact: its customer's tickets' ones."""
    rows = Reservation.objects.select_related("ticket", "part", "depot").order_by(
        "-reserved_at", "-id"
    )
    return scope_to_customer(rows, user, field="ticket__customer")


def held_for_ticket(user: Any, ticket: Any) -> QuerySet[Reservation]:
    """The parts held or fitted for a ticket (reserved, delivered, consumed; a released
    reservation gave them back), oldest first: what the portal's ticket page lists."""
    return (
        reservations_for(user)
        .filter(ticket=ticket)
        .exclude(status=ReservationStatus.RELEASED)
        .order_by("reserved_at", "id")
    )


def rmas_for(user: Any) -> QuerySet[Rma]:
    rows = Rma.objects.select_related("ticket", "asset", "part", "depot").order_by(
        "-opened_at", "-id"
    )
    return scope_to_customer(rows, user, field="asset__customer")


def loaners_for(user: Any) -> QuerySet[Loaner]:
    rows = Loaner.objects.select_related("asset", "customer", "ticket").order_by("-lent_on", "-id")
    return scope_to_customer(rows, user)


def overdue(rows: QuerySet[Loaner], today: date) -> QuerySet[Loaner]:
    """Loaners not back although their due date has passed."""
    return rows.filter(returned_on__isnull=True, due_back_on__lt=today).order_by(
        "due_back_on", "id"
    )


def staff_only(user: Any) -> bool:
    return is_staff(user)
