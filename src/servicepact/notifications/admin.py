from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from servicepact.notifications.models import Notification, WebhookEndpoint
from servicepact.notifications.services import (
    end_webhook_rollover,
    retry_dead,
    rotate_webhook_secret,
)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin[WebhookEndpoint]):
    """Endpoints; the secret is generated, shown to copy, and changed by rotation only."""

    list_display = ["name", "url", "customer", "active", "previous_secret_expires_at"]
    list_filter = ["active"]
    search_fields = ["name", "url", "customer__name"]
    autocomplete_fields = ["customer"]
    readonly_fields = ["secret", "previous_secret", "previous_secret_expires_at", "created_at"]
    actions = ["rotate_secret", "end_rollover"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.action(description=_("Rotate the signing secret (the old one stays valid for 24 h)"))
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            rotate_webhook_secret(endpoint=endpoint)
        self.message_user(
            request,
            ngettext(
                "%(n)d endpoint has a new secret; deliveries are signed with both for 24 hours.",
                "%(n)d endpoints have a new secret; deliveries are signed with both for 24 hours.",
                len(queryset),
            )
            % {"n": len(queryset)},
            messages.SUCCESS,
        )

    @admin.action(description=_("End the rollover: stop signing with the previous secret"))
    def end_rollover(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            end_webhook_rollover(endpoint=endpoint)
        self.message_user(request, _("The previous secrets are no longer used."), messages.SUCCESS)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
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
