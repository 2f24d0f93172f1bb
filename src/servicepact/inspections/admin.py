"""The admin is a window: inspections are read here; writes go through inspections.services."""

from __future__ import annotations

from django.contrib import admin

from servicepact.core.admin import ReadOnlyAdmin, ReadOnlyInline
from servicepact.inspections.models import ChecklistItem, InspectionPlan, Visit, VisitResult


class ItemInline(ReadOnlyInline):
    model = ChecklistItem


@admin.register(InspectionPlan)
class InspectionPlanAdmin(ReadOnlyAdmin):
    list_display = ["name", "customer", "contract", "rrule", "time_of_day", "team", "is_active"]
    list_select_related = ["customer", "contract", "team"]
    inlines = [ItemInline]


class ResultInline(ReadOnlyInline):
    model = VisitResult


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ["plan", "occurs_on", "scheduled_at", "status", "signer_name"]
    list_filter = ["status"]
    list_select_related = ["plan"]
    inlines = [ResultInline]
