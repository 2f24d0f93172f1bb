"""The admin is a window: plans, steps and recorded backups change through
``contractend.services`` (worker, desk, portal, API)."""

from __future__ import annotations

from django.contrib import admin

from servicepact.contractend.models import ContractEndPlan, ContractEndStep, RecordedBackup
from servicepact.core.admin import ReadOnlyAdmin, ReadOnlyInline


class StepInline(ReadOnlyInline):
    model = ContractEndStep
    exclude = ["evidence"]


@admin.register(ContractEndPlan)
class ContractEndPlanAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "phase", "status", "delete_after", "export_confirmed_at"]
    list_filter = ["phase", "status"]
    inlines = [StepInline]


@admin.register(RecordedBackup)
class RecordedBackupAdmin(ReadOnlyAdmin):
    list_display = ["asset", "contract", "verified_at", "location"]
