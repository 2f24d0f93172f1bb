from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from servicepact.billing.models import (
    AvailabilityCreditTier,
    BreachCredit,
    CreditAudit,
    CreditLine,
    CreditSchedule,
    ForceMajeure,
    PeriodCredit,
    WorkLog,
)
from servicepact.core.admin import ReadOnlyAdmin


class TierInline(admin.TabularInline[AvailabilityCreditTier, CreditSchedule]):
    model = AvailabilityCreditTier
    extra = 0


class BreachCreditInline(admin.TabularInline[BreachCredit, CreditSchedule]):
    model = BreachCredit
    extra = 0


@admin.register(CreditSchedule)
class CreditScheduleAdmin(admin.ModelAdmin[CreditSchedule]):
    list_display = ["contract_version", "cap_percent", "claim_window_days"]
    inlines = [TierInline, BreachCreditInline]


class ReadOnlyInline(admin.TabularInline[Any, Any]):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LineInline(ReadOnlyInline):
    model = CreditLine
    fields = ["position", "rule", "description", "percent", "amount", "excluded"]


class AuditInline(ReadOnlyInline):
    model = CreditAudit
    fields = ["at", "actor_name", "action", "reason", "before", "after"]


@admin.register(PeriodCredit)
class PeriodCreditAdmin(ReadOnlyAdmin):
    """Read-only: credits change through the billing services, which audit every change."""

    list_display = ["contract", "period", "status", "computed_amount", "approved_amount"]
    list_filter = ["status", "period"]
    inlines = [LineInline, AuditInline]


@admin.register(ForceMajeure)
class ForceMajeureAdmin(admin.ModelAdmin[ForceMajeure]):
    """Read-only: force majeure is declared on the desk's contract page (or the API), through
    ``billing.services.declare_force_majeure``, which records who, when and why and
    recomputes the month's credits."""

    list_display = ["contract", "ticket", "starts_at", "ends_at", "reason", "flagged_by"]
    readonly_fields = ["flagged_by", "flagged_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WorkLog)
class WorkLogAdmin(admin.ModelAdmin[WorkLog]):
    list_display = ["ticket", "user", "date", "minutes", "billable"]
    list_filter = ["billable"]
    raw_id_fields = ["ticket"]
