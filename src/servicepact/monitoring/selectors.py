"""Monitoring reads: the desk's triage list, outages, measurements, tenancy-scoped contracts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Min, Q, QuerySet, Sum

from servicepact.assets.models import Asset
from servicepact.contracts.models import Contract
from servicepact.core.time import now as current_time
from servicepact.customers.selectors import scope_to_customer
from servicepact.monitoring.models import Alert, AlertSource, Measurement, Outage, QueuedAlerts


@dataclass(frozen=True)
class InboxStatus:
    """The alert inbox's processing lag (docs/monitoring.md, "The inbox")."""

    pending_deliveries: int  # inbox rows waiting for the worker (a big delivery: several)
    pending_alerts: int
    oldest_received_at: datetime | None
    oldest_age_seconds: float  # 0 when nothing waits
    failed_deliveries: int  # given up on after MAX_ATTEMPTS failures, waiting for staff


def inbox_status() -> InboxStatus:
    """One aggregate over the unprocessed rows (partial index ``queued_alerts_due_idx``)."""
    waiting = Q(attempts__lt=QueuedAlerts.MAX_ATTEMPTS)
    row = QueuedAlerts.objects.filter(processed_at__isnull=True).aggregate(
        pending=Count("pk", filter=waiting),
        alerts=Sum("alert_count", filter=waiting),
        oldest=Min("received_at", filter=waiting),
        failed=Count("pk", filter=~waiting),
    )
    oldest = row["oldest"]
    age = max(0.0, (current_time() - oldest).total_seconds()) if oldest is not None else 0.0
    return InboxStatus(
        pending_deliveries=int(row["pending"]),
        pending_alerts=int(row["alerts"] or 0),
        oldest_received_at=oldest,
        oldest_age_seconds=age,
        failed_deliveries=int(row["failed"]),
    )


def unmatched_alerts(*, source: AlertSource | None = None, status: str = "") -> QuerySet[Alert]:
    """Alerts no asset matched, newest first: the desk's triage list (staff only).

    Resolve one with ``services.assign_alert_asset``.
    """
    qs = Alert.objects.filter(asset__isnull=True).select_related("source", "customer")
    if source is not None:
        qs = qs.filter(source=source)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-last_received_at", "-id")


def alerts_for_asset(asset_id: int) -> QuerySet[Alert]:
    return Alert.objects.filter(asset_id=asset_id).select_related("source", "ticket")


def outages_for(asset_ids: list[int], start: datetime, end: datetime) -> QuerySet[Outage]:
    """Outages (not merged away) of these assets overlapping [start, end), by start."""
    return (
        Outage.objects.filter(asset_id__in=asset_ids, merged_into__isnull=True)
        .filter(started_at__lt=end)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))
        .select_related("alert", "ticket", "asset")
        .order_by("started_at", "id")
    )


def measurements_for(contract: Contract, start: datetime, end: datetime) -> QuerySet[Measurement]:
    """The contract's measurements taken in [start, end), oldest first."""
    return (
        Measurement.objects.filter(contract=contract, measured_at__gte=start, measured_at__lt=end)
        .select_related("commitment", "source", "ticket", "asset")
        .order_by("measured_at", "id")
    )


def outages_visible(user: Any) -> QuerySet[Outage]:
    """Outages of the assets a user may see (staff: all, a contact: its customer's), newest
    first; merged-away flapping pieces are left out."""
    assets = scope_to_customer(Asset.objects.all(), user)
    return (
        Outage.objects.filter(asset__in=assets, merged_into__isnull=True)
        .select_related("asset", "alert", "ticket", "recorded_by")
        .order_by("-started_at", "-id")
    )


def measurements_visible(user: Any) -> QuerySet[Measurement]:
    """Measurements of the contracts a user may see (staff: all), newest first."""
    return scope_to_customer(
        Measurement.objects.select_related("contract", "commitment"), user, "contract__customer"
    ).order_by("-measured_at", "-id")
