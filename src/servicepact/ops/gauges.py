"""ServicePact's own gauges, computed when Prometheus scrapes (a handful of indexed queries).

| series | query |
|---|---|
| ``servicepact_open_tickets{sla_state}`` | open tickets per SLA state, the desk queue's rule and columns (``tickets.open_counts``, the same numbers as ``tickets.sla_state.count_by_state``): ``breached``, ``at_risk`` (a running clock past 75 % of its target), ``on_track``, ``paused``, ``met``, ``no_sla`` |
| ``servicepact_due_clocks`` | clocks with ``next_check_at <= now`` (partial index ``slaclock_due_idx``) |
| ``servicepact_worker_lag_seconds`` | now − the oldest due ``next_check_at`` (0 when nothing is due) |
| ``servicepact_outbox_backlog{status}`` | notifications pending or failed-and-retrying |
| ``servicepact_outbox_dead_letters`` | notifications given up on |
| ``servicepact_worker_last_pass_timestamp_seconds`` | newest worker heartbeat (0: never) |
| ``servicepact_worker_last_success_timestamp_seconds`` | newest pass without a failed step (0: never) |
| ``servicepact_alerts`` / ``servicepact_alerts_unmatched`` | alerts stored / waiting for triage (no asset) |
| ``servicepact_alert_inbox_pending{unit}`` | alert deliveries / alerts accepted and not yet stored by the worker (``monitoring.selectors.inbox_status``) |
| ``servicepact_alert_inbox_lag_seconds`` | now − the arrival of the oldest waiting delivery (0 when none waits) |
| ``servicepact_alert_inbox_failed`` | deliveries given up on after repeated failures |
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count, Min, Q
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from servicepact.core.heartbeat import last_beats
from servicepact.core.time import now as current_time
from servicepact.monitoring.models import Alert
from servicepact.monitoring.selectors import inbox_status
from servicepact.notifications.choices import DUE_STATUSES
from servicepact.notifications.choices import Status as NotificationStatus
from servicepact.notifications.models import Notification
from servicepact.tickets.models import SlaClock
from servicepact.tickets.open_counts import open_counts
from servicepact.tickets.sla_state import SlaState

# A ticket's SLA state is never "not required" (only a clock is): no series for it.
SLA_STATES = tuple(state for state in SlaState.values if state != SlaState.NOT_REQUIRED)


def open_tickets_by_state(now: datetime) -> dict[str, int]:
    """Open tickets per SLA state by the desk queue's rule (tickets.sla_state), from the
    database's running counts (tickets.open_counts)."""
    _total, counts = open_counts(now)
    return {state: int(counts[state]) for state in SLA_STATES}


def due_clocks(now: datetime) -> tuple[int, float]:
    """(clocks due, seconds since the oldest of them fell due)."""
    row = SlaClock.objects.filter(next_check_at__lte=now).aggregate(
        count=Count("pk"), oldest=Min("next_check_at")
    )
    lag = (now - row["oldest"]).total_seconds() if row["oldest"] is not None else 0.0
    return int(row["count"]), max(0.0, lag)


def outbox_counts() -> dict[str, int]:
    rows = (
        Notification.objects.filter(status__in=[*DUE_STATUSES, NotificationStatus.DEAD])
        .values("status")
        .annotate(n=Count("pk"))
    )
    counts = {str(s): 0 for s in [*DUE_STATUSES, NotificationStatus.DEAD]}
    counts.update({row["status"]: int(row["n"]) for row in rows})
    return counts


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, value=value)


class ServicePactCollector(Collector):
    def collect(self) -> Iterable[Metric]:
        now = current_time()
        tickets = GaugeMetricFamily(
            "servicepact_open_tickets", "Open tickets by SLA state.", labels=["sla_state"]
        )
        for state, count in open_tickets_by_state(now).items():
            tickets.add_metric([state], count)
        yield tickets
        count, lag = due_clocks(now)
        yield _gauge("servicepact_due_clocks", "SLA clocks due and not yet processed.", count)
        yield _gauge(
            "servicepact_worker_lag_seconds",
            "How long the oldest unprocessed due clock has been due.",
            lag,
        )
        outbox = outbox_counts()
        backlog = GaugeMetricFamily(
            "servicepact_outbox_backlog",
            "Notifications waiting to be delivered.",
            labels=["status"],
        )
        for status in DUE_STATUSES:
            backlog.add_metric([str(status)], outbox[str(status)])
        yield backlog
        yield _gauge(
            "servicepact_outbox_dead_letters",
            "Notifications given up on after the last attempt.",
            outbox[str(NotificationStatus.DEAD)],
        )
        beat, ok = last_beats()
        yield _gauge(
            "servicepact_worker_last_pass_timestamp_seconds",
            "Unix time of the newest worker pass (0: none yet).",
            beat.timestamp() if beat else 0,
        )
        yield _gauge(
            "servicepact_worker_last_success_timestamp_seconds",
            "Unix time of the newest worker pass in which every step succeeded (0: none yet).",
            ok.timestamp() if ok else 0,
        )
        alerts = Alert.objects.aggregate(
            total=Count("pk"), unmatched=Count("pk", filter=Q(asset__isnull=True))
        )
        yield _gauge("servicepact_alerts", "Alerts ingested (deduplicated).", alerts["total"])
        yield _gauge(
            "servicepact_alerts_unmatched",
            "Alerts no asset matched, waiting for triage.",
            alerts["unmatched"],
        )
        inbox = inbox_status()
        pending = GaugeMetricFamily(
            "servicepact_alert_inbox_pending",
            "Alert deliveries (and their alerts) accepted and not yet stored by the worker.",
            labels=["unit"],
        )
        pending.add_metric(["deliveries"], inbox.pending_deliveries)
        pending.add_metric(["alerts"], inbox.pending_alerts)
        yield pending
        yield _gauge(
            "servicepact_alert_inbox_lag_seconds",
            "How long the oldest alert delivery not yet stored has been waiting.",
            inbox.oldest_age_seconds,
        )
        yield _gauge(
            "servicepact_alert_inbox_failed",
            "Alert deliveries given up on after repeated failures (for staff to look at).",
            inbox.failed_deliveries,
        )
