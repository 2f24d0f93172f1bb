"""The admin is a window: classification, contacts, runbooks, incidents and reports change
through ``incidents.services`` (desk, API); here they are only read."""

from __future__ import annotations

from django.contrib import admin

from servicepact.core.admin import ReadOnlyAdmin, ReadOnlyInline
from servicepact.incidents.models import (
    CorrectiveAction,
    EmergencyContact,
    EventLevel,
    IncidentReport,
    MajorIncident,
    Runbook,
)


@admin.register(EventLevel)
class EventLevelAdmin(ReadOnlyAdmin):
    list_display = ["contract", "level", "name", "priority", "major"]
    list_filter = ["major"]


@admin.register(EmergencyContact)
class EmergencyContactAdmin(ReadOnlyAdmin):
    list_display = ["contract", "name", "email", "phone", "up_to_level"]
    search_fields = ["name", "email"]


@admin.register(Runbook)
class RunbookAdmin(ReadOnlyAdmin):
    list_display = ["title", "contract", "plan", "updated_at"]
    search_fields = ["title"]


@admin.register(MajorIncident)
class MajorIncidentAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "contract", "level", "declared_at", "notified"]
    list_filter = ["level"]


class CorrectiveActionInline(ReadOnlyInline):
    model = CorrectiveAction


@admin.register(IncidentReport)
class IncidentReportAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "status", "published_at"]
    list_filter = ["status"]
    inlines = [CorrectiveActionInline]
