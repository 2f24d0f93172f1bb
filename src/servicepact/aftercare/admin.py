"""Read-only windows: follow-ups, surveys and claims change through ``aftercare.services``
(the desk, the portal, the API); policies are edited here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from servicepact.aftercare.models import AftercarePolicy, FollowUp, GuaranteeClaim, Survey


class ReadOnly(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AftercarePolicy)
class AftercarePolicyAdmin(admin.ModelAdmin[AftercarePolicy]):
    list_display = ("plan", "contract", "followups_enabled", "followup_channel", "guarantee_days")


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnly):
    list_display = ("ticket", "customer", "channel", "assignee", "due_on", "status", "outcome")
    list_filter = ("status", "channel", "outcome")


@admin.register(Survey)
class SurveyAdmin(ReadOnly):
    list_display = ("ticket", "customer", "score", "via", "answered_at")
    list_filter = ("score", "via")


@admin.register(GuaranteeClaim)
class GuaranteeClaimAdmin(ReadOnly):
    list_display = ("id", "ticket", "customer", "kind", "amount", "currency", "status")
    list_filter = ("status", "kind")
