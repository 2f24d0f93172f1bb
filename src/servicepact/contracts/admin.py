"""Contracts in the admin: a window, not a door (docs/architecture.md).

Whatever moves an open deadline or a credit — calendar hours, holidays and overrides, SLA
targets, contract versions and the contract's terms — is read-only here once the row exists:
those changes go through the services the API uses (``PUT /plans/{id}/targets``,
``POST /calendars/{id}/hours|holidays``, ``PUT /calendars/{id}/overrides/{day}``,
``POST /contracts/{id}/versions``), which bump the calendar's revision or add a contract
version and re-measure open tickets with ``deadline_moved`` events. A row being added
measures nothing yet, so an add page may fill its inlines.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from servicepact.contracts.escalation import ContractEvent, EscalationPolicy, EscalationStep
from servicepact.contracts.models import (
    Calendar,
    CalendarHours,
    CalendarOverride,
    Contract,
    ContractVersion,
    Holiday,
    KpiCommitment,
    ServicePlan,
    SlaMetric,
    SlaTarget,
)
from servicepact.core.admin import FrozenOnceSavedInline, ReadOnlyAdmin, ReadOnlyInline


class CalendarHoursInline(FrozenOnceSavedInline):
    model = CalendarHours


class HolidayInline(FrozenOnceSavedInline):
    model = Holiday


class OverrideInline(FrozenOnceSavedInline):
    model = CalendarOverride


class HolidayImportForm(forms.Form):
    country = forms.CharField(label=_("Country (ISO code, e.g. US, DE, GB, CN)"), max_length=2)
    subdivision = forms.CharField(label=_("Subdivision (optional)"), max_length=10, required=False)
    first_year = forms.IntegerField(label=_("First year"), min_value=1950, max_value=2100)
    last_year = forms.IntegerField(label=_("Last year"), min_value=1950, max_value=2100)


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin[Calendar]):
    """Name and description are editable; the zone and the hours, holidays and overrides
    change through the calendar services (API, or the holiday import action below), which
    validate with the engine and bump the revision so the worker recomputes open clocks."""

    list_display = ["name", "timezone", "revision"]
    inlines = [CalendarHoursInline, HolidayInline, OverrideInline]
    actions = ["import_holidays"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["timezone", "revision"] if obj is not None else ["revision"]

    @admin.action(description=_("Import public holidays for a country"))
    def import_holidays(self, request: HttpRequest, queryset: Any) -> HttpResponse | None:
        from servicepact.contracts.services import import_holidays
        from servicepact.core.errors import DomainValidationError

        if "apply" in request.POST:
            form = HolidayImportForm(request.POST)
            if form.is_valid():
                d = form.cleaned_data
                try:
                    for calendar in queryset:
                        added = import_holidays(
                            calendar=calendar,
                            country=d["country"].upper(),
                            years=range(d["first_year"], d["last_year"] + 1),
                            subdiv=d["subdivision"] or None,
                        )
                        self.message_user(
                            request,
                            gettext("%(calendar)s: %(added)s holidays added")
                            % {"calendar": calendar.name, "added": added},
                        )
                except DomainValidationError as exc:
                    self.message_user(request, str(exc), level=messages.ERROR)
                return None
        else:
            form = HolidayImportForm()
        return render(
            request,
            "admin/contracts/import_holidays.html",
            {"form": form, "calendars": queryset, "title": _("Import holidays")},
        )


class SlaTargetPlanInline(FrozenOnceSavedInline):
    model = SlaTarget
    fk_name = "plan"
    exclude = ["contract_version"]


@admin.register(ServicePlan)
class ServicePlanAdmin(admin.ModelAdmin[ServicePlan]):
    """A plan's targets are read-only once it exists (``PUT /api/v1/plans/{id}/targets``)."""

    list_display = ["name", "code", "calendar", "is_active"]
    inlines = [SlaTargetPlanInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["calendar", "priority_matrix"] if obj is not None else []


class SlaTargetVersionInline(ReadOnlyInline):
    model = SlaTarget
    fk_name = "contract_version"
    exclude = ["plan"]


class KpiInline(ReadOnlyInline):
    model = KpiCommitment


@admin.register(ContractVersion)
class ContractVersionAdmin(ReadOnlyAdmin):
    """Versions are the contract's history: read-only. A change of terms is an amendment
    (``POST /api/v1/contracts/{id}/versions``), which re-measures the open tickets."""

    list_display = ["contract", "number", "effective_from", "reason"]
    inlines = [SlaTargetVersionInline, KpiInline]


class VersionInline(ReadOnlyInline):
    model = ContractVersion
    fields = ["number", "effective_from", "reason"]
    show_change_link = True


# Only these may change in the admin: who manages the contract and how early renewal
# reminders go out. Everything else is terms (dates, plan, fees, hours) or lifecycle, which
# move coverage, deadlines or credits and change through the contract services.
CONTRACT_EDITABLE = ("service_manager", "notice_days")


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin[Contract]):
    """Contracts are created, activated, amended and terminated through the API and desk
    (``contracts.services``, ``tickets.services.amend_contract_terms``); here only the
    service manager and the notice period change."""

    list_display = ["number", "customer", "plan", "start_date", "end_date", "status", "renewal"]
    list_filter = ["status", "plan", "renewal"]
    search_fields = ["number", "customer__name"]
    inlines = [VersionInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = Contract._meta.concrete_fields
        return [f.name for f in fields if f.name not in CONTRACT_EDITABLE and not f.primary_key]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EscalationStepInline(admin.TabularInline[EscalationStep, EscalationPolicy]):
    model = EscalationStep
    extra = 0


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin[EscalationPolicy]):
    """Thresholds of a plan, or a contract's override, with the actions each triggers."""

    inlines = [EscalationStepInline]


@admin.register(ContractEvent)
class ContractEventAdmin(ReadOnlyAdmin):
    """Contract history (renewals, status changes, reminders): read-only."""

    list_display = ["contract", "kind", "at"]
    list_filter = ["kind"]


@admin.register(SlaMetric)
class SlaMetricAdmin(ReadOnlyAdmin):
    """Metric definitions change through ``POST``/``PATCH /api/v1/metrics`` (checked, and the
    open tickets re-measured); listed here."""

    list_display = ["code", "name", "name_zh", "start_event", "stop_events", "position"]
