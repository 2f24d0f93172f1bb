from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from servicepact.tickets.models import Comment, SlaClock, Ticket, TicketEvent


class ReadOnlyInline(admin.TabularInline[Any, Any]):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(ReadOnlyInline):
    model = TicketEvent
    fields = ["at", "kind", "actor", "data", "public"]


class ClockInline(ReadOnlyInline):
    model = SlaClock
    fields = [
        "metric",
        "state",
        "target_seconds",
        "deadline_at",
        "elapsed_seconds",
        "breached_at",
        "next_check_at",
    ]


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin[Ticket]):
    """Tickets change through the desk and the API (events); the admin only reads them."""

    list_display = ["number", "subject", "customer", "priority", "status", "coverage", "opened_at"]
    list_filter = ["status", "priority", "coverage", "channel", "customer"]
    search_fields = ["number", "subject"]
    inlines = [ClockInline, EventInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin[Comment]):
    list_display = ["ticket", "author", "is_internal", "created_at"]
