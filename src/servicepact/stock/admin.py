"""The stock in the admin: read-only windows. Every change goes through ``stock.services``
(desk pages and ``/api/v1/parts``, ``/api/v1/stock``), so no count is edited in place."""

from __future__ import annotations

from django.contrib import admin

from servicepact.core.admin import ReadOnlyAdmin
from servicepact.stock.models import (
    Loaner,
    Part,
    Reservation,
    Rma,
    StockBalance,
    StockMovement,
)


@admin.register(Part)
class PartAdmin(ReadOnlyAdmin):
    list_display = ["part_number", "description", "unit_cost", "currency", "delivery_days"]
    search_fields = ["part_number", "description"]


@admin.register(StockBalance)
class StockBalanceAdmin(ReadOnlyAdmin):
    list_display = ["part", "depot", "low_stock_threshold", "low_since"]


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ["at", "part", "depot", "kind", "on_hand_delta", "reserved_delta", "reason"]
    list_filter = ["kind"]


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "part", "depot", "quantity", "status", "reserved_at"]
    list_filter = ["status"]


@admin.register(Rma)
class RmaAdmin(ReadOnlyAdmin):
    list_display = ["pk", "asset", "part", "faulty_serial", "replacement_serial", "status"]
    list_filter = ["status"]


@admin.register(Loaner)
class LoanerAdmin(ReadOnlyAdmin):
    list_display = ["asset", "customer", "lent_on", "due_back_on", "returned_on"]
