"""The admin is a window: backups are read here; writes go through backups.services."""

from __future__ import annotations

from django.contrib import admin

from servicepact.backups.models import (
    BackupPolicy,
    BackupRun,
    BackupSource,
    Drill,
    DrillDue,
    DrillSchedule,
)
from servicepact.core.admin import ReadOnlyAdmin


@admin.register(BackupSource)
class BackupSourceAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "customer", "default_location", "is_active", "last_used_at"]


@admin.register(BackupPolicy)
class BackupPolicyAdmin(ReadOnlyAdmin):
    list_display = ["asset", "name", "contract", "window_minutes", "rpo_minutes", "is_active"]
    list_select_related = ["asset", "contract"]


@admin.register(BackupRun)
class BackupRunAdmin(ReadOnlyAdmin):
    list_display = ["run_key", "host", "asset", "location", "status", "started_at", "finished_at"]
    list_filter = ["status", "location"]
    list_select_related = ["asset"]


@admin.register(DrillSchedule)
class DrillScheduleAdmin(ReadOnlyAdmin):
    list_display = ["contract", "kind", "interval_months", "first_due_on", "is_active"]


@admin.register(DrillDue)
class DrillDueAdmin(ReadOnlyAdmin):
    list_display = ["schedule", "due_on", "status", "escalation", "next_check_at"]


@admin.register(Drill)
class DrillAdmin(ReadOnlyAdmin):
    list_display = ["contract", "kind", "finished_at", "succeeded", "signed_off_at"]
