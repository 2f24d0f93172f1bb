from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from servicepact.notifications.models import Notification, WebhookEndpoint
from servicepact.notifications.services import retry_dead


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "customer", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "url", "customer__name"]
    autocomplete_fields = ["customer"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox: read-only rows; dead letters can be put back in the queue."""

    list_display = [
        "created_at",
        "channel",
        "audience",
        "event",
        "recipient",
        "status",
        "attempts",
        "next_attempt_at",
        "ticket_id",
    ]
    list_filter = ["status", "channel", "audience", "event"]
    search_fields = ["idempotency_key", "recipient", "subject"]
    date_hierarchy = "created_at"
    actions = ["retry"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Retry the selected dead letters"))
    def retry(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        count = retry_dead(ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext("%(n)d dead letter queued again.", "%(n)d dead letters queued again.", count)
            % {"n": count},
            messages.SUCCESS,
        )
