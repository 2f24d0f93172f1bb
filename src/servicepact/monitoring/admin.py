from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_lazy

from servicepact.core.admin import ReadOnlyAdmin
from servicepact.monitoring.models import (
    Alert,
    AlertSource,
    AlertTransition,
    Measurement,
    Outage,
    QueuedAlerts,
)
from servicepact.monitoring.services import new_source_token, rotate_source_token


@admin.register(AlertSource)
class AlertSourceAdmin(admin.ModelAdmin[AlertSource]):
    """A new source gets its token on save, shown once in the message bar (stored hashed)."""

    list_display = ["name", "kind", "customer", "is_active", "auto_resolve", "last_used_at"]
    list_filter = ["kind", "is_active"]
    readonly_fields = ["token_prefix", "last_used_at", "created_at", "updated_at"]
    fields = [
        "name",
        "kind",
        "customer",
        "is_active",
        "severity_map",
        "default_priority",
        "outage_max_priority",
        "detection_delay_seconds",
        "category_map",
        "default_category",
        "auto_resolve",
        "flap_transitions",
        "flap_window_minutes",
        "open_ticket_on_miss",
        "token_prefix",
        "last_used_at",
        "created_at",
        "updated_at",
    ]
    actions = ["rotate_tokens"]

    def save_model(self, request: HttpRequest, obj: AlertSource, form: Any, change: bool) -> None:
        raw = None
        if not change:
            raw, obj.token_prefix, obj.token_hash = new_source_token()
        super().save_model(request, obj, form, change)
        if raw is not None:
            messages.warning(
                request,
                gettext("Token for %(source)s (shown once, stored hashed): %(token)s")
                % {"source": obj.name, "token": raw},
            )

    @admin.action(description=gettext_lazy("Rotate the token (the old one stops working)"))
    def rotate_tokens(self, request: HttpRequest, queryset: QuerySet[AlertSource]) -> None:
        for source in queryset:
            raw = rotate_source_token(source=source)
            messages.warning(
                request,
                gettext("New token for %(source)s (shown once): %(token)s")
                % {"source": source.name, "token": raw},
            )


class TransitionInline(admin.TabularInline[AlertTransition, Alert]):
    model = AlertTransition
    extra = 0
    can_delete = False
    fields = ["status", "at", "received_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin[Alert]):
    """Alerts come from the sources; the admin only reads them."""

    list_display = ["name", "status", "source", "asset", "priority", "flapping", "last_received_at"]
    list_filter = ["status", "source", "flapping", ("asset", admin.EmptyFieldListFilter)]
    search_fields = ["name", "fingerprint", "match_note"]
    inlines = [TransitionInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Outage)
class OutageAdmin(admin.ModelAdmin[Outage]):
    list_display = ["asset", "started_at", "ended_at", "origin", "cause", "merged_into"]
    list_filter = ["origin"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # manual outages: monitoring.services.record_outage (desk)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Measurement)
class MeasurementAdmin(admin.ModelAdmin[Measurement]):
    list_display = ["contract", "kind", "value", "unit", "target", "met", "measured_at", "source"]
    list_filter = ["kind", "met"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(QueuedAlerts)
class QueuedAlertsAdmin(ReadOnlyAdmin):
    """The alert inbox, read-only: what waits for the worker and what failed (``last_error``)."""

    list_display = ["id", "source", "received_at", "alert_count", "processed_at", "attempts"]
    list_filter = ["source"]
    exclude = ["alerts"]  # parsed alerts: large; the row's error says what went wrong
    readonly_fields = [
        "source",
        "received_at",
        "position",
        "alert_count",
        "processed_at",
        "claimed_by",
        "attempts",
        "last_error",
    ]
