from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
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
    SlaTarget,
)


class CalendarHoursInline(admin.TabularInline):
    model = CalendarHours
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


class OverrideInline(admin.TabularInline):
    model = CalendarOverride
    extra = 0


class HolidayImportForm(forms.Form):
    country = forms.CharField(label=_("Country (ISO code, e.g. US, DE, GB, CN)"), max_length=2)
    subdivision = forms.CharField(label=_("Subdivision (optional)"), max_length=10, required=False)
    first_year = forms.IntegerField(label=_("First year"), min_value=1950, max_value=2100)
    last_year = forms.IntegerField(label=_("Last year"), min_value=1950, max_value=2100)


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "timezone", "revision"]
    inlines = [CalendarHoursInline, HolidayInline, OverrideInline]
    actions = ["import_holidays"]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Any edit of hours, holidays or overrides is a new revision: open clocks recompute.
        Calendar.objects.filter(pk=form.instance.pk).update(revision=F("revision") + 1)

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
                        self.message_user(request, f"{calendar.name}: {added} holidays added")
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


class SlaTargetPlanInline(admin.TabularInline):
    model = SlaTarget
    fk_name = "plan"
    exclude = ["contract_version"]
    extra = 0


@admin.register(ServicePlan)
class ServicePlanAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "calendar", "is_active"]
    inlines = [SlaTargetPlanInline]


class SlaTargetVersionInline(admin.TabularInline):
    model = SlaTarget
    fk_name = "contract_version"
    exclude = ["plan"]
    extra = 0


class KpiInline(admin.TabularInline):
    model = KpiCommitment
    extra = 0


@admin.register(ContractVersion)
class ContractVersionAdmin(admin.ModelAdmin):
    list_display = ["contract", "number", "effective_from", "reason"]
    inlines = [SlaTargetVersionInline, KpiInline]


class VersionInline(admin.TabularInline):
    model = ContractVersion
    extra = 0
    fields = ["number", "effective_from", "reason"]
    show_change_link = True


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["number", "customer", "plan", "start_date", "end_date", "status", "renewal"]
    list_filter = ["status", "plan", "renewal"]
    search_fields = ["number", "customer__name"]
    inlines = [VersionInline]


class EscalationStepInline(admin.TabularInline):
    model = EscalationStep
    extra = 0


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    """Thresholds of a plan, or a contract's override, with the actions each triggers."""

    inlines = [EscalationStepInline]


@admin.register(ContractEvent)
class ContractEventAdmin(admin.ModelAdmin):
    """Contract history (renewals, status changes, reminders): read-only."""

    list_display = ["contract", "kind", "at"]
    list_filter = ["kind"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
