"""Reads for the desk, the admin and the API (staff only: the outbox is not tenant-scoped)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from servicepact.notifications.choices import Channel, Status
from servicepact.notifications.models import Notification
from servicepact.notifications.services import mark_read

__all__ = ["dead_letters", "mark_read", "notifications", "unread_count", "unread_for"]


def notifications(
    *, status: str | None = None, channel: str | None = None, ticket_id: int | None = None
) -> QuerySet[Notification]:
    rows = Notification.objects.all()
    if status:
        rows = rows.filter(status=status)
    if channel:
        rows = rows.filter(channel=channel)
    if ticket_id is not None:
        rows = rows.filter(ticket_id=ticket_id)
    return rows.order_by("-created_at", "-id")


def dead_letters() -> QuerySet[Notification]:
    """Rows the worker gave up on, newest first (the desk lists them; the admin retries them)."""
    return (
        Notification.objects.filter(status=Status.DEAD)
        .select_related("endpoint")
        .order_by("-created_at", "-id")
    )


def unread_for(user: Any) -> QuerySet[Notification]:
    """The user's delivered, unread in-app notifications, newest first."""
    return Notification.objects.filter(
        user=user, channel=Channel.IN_APP, status=Status.SENT, read_at__isnull=True
    ).order_by("-created_at", "-id")


def unread_count(user: Any) -> int:
    return unread_for(user).count()
