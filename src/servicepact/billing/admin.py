from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from servicepact.billing.models import (
    AvailabilityCreditTier,
    BreachCredit,
    ChargeLine,
    CreditAudit,
    CreditLine,
    CreditSchedule,
    FeeChange,
    ForceMajeure,
    HoursConversion,
    HoursEntry,
    PartUse,
    PeriodCharge,
    PeriodCredit,
    Rate,
    RateCard,
    ScopeItem,
    WorkLog,
    WorkLogAudit,
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
class WorkLogAdmin(ReadOnlyAdmin):
    """Read-only: work is logged, edited and deleted on the desk or the API, through
    ``billing.services``, which audits every change and closes charged months."""

    list_display = ["ticket", "user", "date", "minutes", "work_type", "category", "billable"]
    list_filter = ["billable", "work_type"]


@admin.register(PartUse)
class PartUseAdmin(ReadOnlyAdmin):
    """Read-only: parts are recorded and deleted on the desk or the API (``billing.parts``)."""

    list_display = ["ticket", "date", "part_number", "quantity", "unit_price", "under_warranty"]
    list_filter = ["under_warranty"]


@admin.register(WorkLogAudit)
class WorkLogAuditAdmin(ReadOnlyAdmin):
    list_display = ["work_log_id", "ticket", "action", "actor_name", "at", "reason"]
    list_filter = ["action"]


class RateInline(ReadOnlyInline):
    model = Rate
    fields = ["work_type", "hourly_rate"]


class ScopeInline(ReadOnlyInline):
    model = ScopeItem
    fields = ["category", "label", "coverage"]


@admin.register(RateCard)
class RateCardAdmin(ReadOnlyAdmin):
    """Read-only: ``billing.commercial.set_rate_card`` replaces a version's card."""

    list_display = ["contract_version", "out_of_hours_multiplier", "rollover_periods"]
    inlines = [RateInline, ScopeInline]


@admin.register(HoursEntry)
class HoursEntryAdmin(ReadOnlyAdmin):
    """The hours ledger: immutable entries written by the period close and the services."""

    list_display = ["contract", "period", "bucket", "kind", "hours", "expires_period", "reason"]
    list_filter = ["kind", "bucket", "period"]


@admin.register(HoursConversion)
class HoursConversionAdmin(ReadOnlyAdmin):
    list_display = ["contract", "period", "hours", "project_hours", "status"]
    list_filter = ["status"]


class ChargeLineInline(ReadOnlyInline):
    model = ChargeLine
    fields = ["position", "kind", "description", "quantity", "unit_price", "amount"]


@admin.register(PeriodCharge)
class PeriodChargeAdmin(ReadOnlyAdmin):
    """Read-only: produced at period close, approved on the desk or the API."""

    list_display = ["contract", "period", "status", "total", "currency"]
    list_filter = ["status", "period"]
    inlines = [ChargeLineInline]


@admin.register(FeeChange)
class FeeChangeAdmin(ReadOnlyAdmin):
    list_display = ["contract", "effective_from", "fee_amount", "included_hours", "status"]
    list_filter = ["status"]
