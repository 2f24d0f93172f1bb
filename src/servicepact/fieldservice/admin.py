"""The admin: depots and engineers are reference data (edited here, nothing measured reads
them); work orders are a window (they move through ``fieldservice.services``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from servicepact.core.admin import ReadOnlyAdmin
from servicepact.fieldservice.models import Depot, Engineer, WorkOrder


@admin.register(Depot)
class DepotAdmin(admin.ModelAdmin[Any]):
    list_display = ["name", "timezone", "active"]
    search_fields = ["name"]


@admin.register(Engineer)
class EngineerAdmin(admin.ModelAdmin[Any]):
    list_display = ["user", "home_depot", "timezone", "active"]
    list_select_related = ["user", "home_depot"]
    raw_id_fields = ["user"]


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "ticket", "engineer", "status", "planned_arrival_at", "arrived_at"]
    list_select_related = ["ticket", "engineer__user"]
    list_filter = ["status"]
