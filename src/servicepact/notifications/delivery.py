"""Delivers due outbox rows: e-mail, signed webhooks, in-app.

``deliver_due(now=..., batch=..., budget=None)``, in chunks until ``batch`` rows are done or
none is due:

1. Claim: one short transaction locks due rows (status pending/failed and
   ``next_attempt_at <= now``, through the partial index ``notification_due_idx``) with
   ``select_for_update(skip_locked=True)``; SQLite serialises the transaction instead. It
   counts the attempt and pushes ``next_attempt_at`` one lease ahead, so no other worker picks
   the rows while they are being sent.
2. Send the rows concurrently on a bounded thread pool (``NOTIFY_CONCURRENCY`` threads),
   outside any transaction. The threads only talk to the network (SMTP, HTTP with connect
   and read timeouts); every database write happens in the calling thread.
3. Record the outcome: sent; or failed, retried after an exponential backoff; or dead after
   the last attempt. A worker killed during step 2 leaves its rows leased; when the lease
   ends they are sent again (at least once; receivers dedupe by ``webhook-id``).

With a ``budget`` (seconds; the worker's pass uses ``OUTBOX_PASS_BUDGET``) the call claims no
new chunk once the budget is spent and waits no longer than that for sends in flight: those
go on in the background and record their own outcome when they end (in the sending thread,
with its own database connection). So a receiver that never answers costs a pass at most
the budget, never its timeout, and the clocks of the next pass do not wait for it. At most
``NOTIFY_CONCURRENCY`` sends are in flight, those left by earlier passes included, each on
its own thread, and at most ``NOTIFY_PER_ENDPOINT`` to one webhook endpoint: a receiver that
never answers holds two threads, not all of them, and the other messages keep flowing.
Without a budget (tests, scripts) the call waits for every send it started.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F

from servicepact.core.config import option as config_option
from servicepact.core.time import now as current_time
from servicepact.notifications.choices import DUE_STATUSES, Channel, Status
from servicepact.notifications.email import send_email
from servicepact.notifications.models import Notification
from servicepact.notifications.webhooks import DeliveryError, post, webhook_request

logger = logging.getLogger(__name__)

CHUNK = 20

DEFAULTS: dict[str, Any] = {
    "NOTIFY_MAX_ATTEMPTS": 6,  # then the row is a dead letter
    "NOTIFY_BACKOFF_SECONDS": 60,  # 60 s, 2 min, 4 min, 8 min, 16 min between attempts
    "NOTIFY_CONCURRENCY": 16,  # sends in flight at most (threads of the delivery pool)
    "NOTIFY_PER_ENDPOINT": 2,  # sends in flight to one webhook endpoint at most
    "WEBHOOK_CONNECT_TIMEOUT": 3.0,  # seconds to open the connection (TCP and TLS)
    "WEBHOOK_TIMEOUT": 10.0,  # seconds to wait for each read of the answer
    "OUTBOX_PASS_BUDGET": 2.0,  # seconds a worker pass spends on the outbox at most
}


def option(name: str) -> Any:
    """Delivery settings from settings.SERVICEPACT, with the defaults above."""
    return config_option(name, DEFAULTS[name])


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    in_flight: int = 0  # still being sent when the budget ran out; they record themselves

    @property
    def attempted(self) -> int:
        return self.sent + self.failed + self.dead + self.in_flight

    def count(self, status: str) -> None:
        if status == Status.SENT:
            self.sent += 1
        elif status == Status.DEAD:
            self.dead += 1
        else:
            self.failed += 1


def backoff(attempts: int) -> timedelta:
    """Wait after the n-th failed attempt: base x 2^(n-1)."""
    return timedelta(seconds=int(option("NOTIFY_BACKOFF_SECONDS")) * 2 ** max(0, attempts - 1))


# ---------------------------------------------------------------- sending (pool threads)


def send_webhook(row: Notification) -> None:
    endpoint = row.endpoint
    if endpoint is None or not endpoint.active:
        raise DeliveryError("the webhook endpoint was removed or deactivated")
    # The timestamp is the moment of this attempt: a retry is signed afresh, so it is
    # inside the receiver's tolerance however long the row waited.
    body, headers = webhook_request(row, endpoint, current_time())
    post(
        endpoint.url,
        body,
        headers,
        connect_timeout=float(option("WEBHOOK_CONNECT_TIMEOUT")),
        read_timeout=float(option("WEBHOOK_TIMEOUT")),
    )


def send(row: Notification) -> None:
    if row.channel == Channel.EMAIL:
        send_email(row)
    elif row.channel == Channel.WEBHOOK:
        send_webhook(row)
    elif row.channel != Channel.IN_APP:  # in-app rows are delivered by being marked sent
        raise DeliveryError(f"unknown channel {row.channel!r}")


def attempt(row: Notification) -> str | None:
    """Sends one row; the error text, or None when delivered. Never raises."""
    try:
        send(row)
    except Exception as exc:  # any failure of a channel is recorded on the row
        error = f"{type(exc).__name__}: {exc}"
        logger.warning("delivery of notification %s (%s) failed: %s", row.pk, row.channel, error)
        return error
    return None


class Pool:
    """The process's delivery threads, created on first use, and the sends in flight."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.executor: ThreadPoolExecutor | None = None
        self.size = 0
        self.detached: dict[Future[str | None], int | None] = {}  # -> endpoint id

    def submit(self, row: Notification) -> Future[str | None]:
        with self.changed:
            size = max(1, int(option("NOTIFY_CONCURRENCY")))
            if self.executor is None or size != self.size:
                if self.executor is not None:
                    self.executor.shutdown(wait=False)
                self.executor = ThreadPoolExecutor(size, thread_name_prefix="outbox")
                self.size = size
            return self.executor.submit(attempt, row)

    def detach(self, future: Future[str | None], row: Notification) -> None:
        """The caller stops waiting: the send records its own outcome when it ends."""
        with self.changed:
            self.detached[future] = row.endpoint_id
        future.add_done_callback(lambda done: self._record_detached(done, row))

    def _record_detached(self, future: Future[str | None], row: Notification) -> None:
        try:
            record(row, current_time(), future.result())
        except Exception:  # the row stays leased and is sent again when the lease ends
            logger.exception("recording the delivery of notification %s failed", row.pk)
        finally:
            if threading.current_thread() is not threading.main_thread():
                connection.close()  # this pool thread's own connection
            with self.changed:
                self.detached.pop(future, None)
                self.changed.notify_all()

    def busy(self) -> Counter[int]:
        """Detached sends per endpoint (e-mail and in-app rows count under 0)."""
        with self.changed:
            return Counter(endpoint or 0 for endpoint in self.detached.values())

    def drain(self, timeout: float | None = None) -> bool:
        """Waits for the detached sends and their records; True when none is left."""
        with self.changed:
            return self.changed.wait_for(lambda: not self.detached, timeout=timeout)


POOL = Pool()


def drain(timeout: float | None = None) -> bool:
    """Waits for the sends a budgeted ``deliver_due`` left in flight (at exit, or in tests)."""
    return POOL.drain(timeout)


# ---------------------------------------------------------------- claiming and recording


def max_in_flight() -> int:
    """Every send in flight has its own thread: none waits in a queue behind a slow one."""
    return max(1, int(option("NOTIFY_CONCURRENCY")))


def _lease(rows: int) -> timedelta:
    """Long enough to send every row in flight even if each one times out: they go through
    the pool ``NOTIFY_CONCURRENCY`` at a time, behind at most ``max_in_flight()`` others."""
    per_send = float(option("WEBHOOK_CONNECT_TIMEOUT")) + float(option("WEBHOOK_TIMEOUT")) + 5
    rounds = -(-(rows + max_in_flight()) // max(1, int(option("NOTIFY_CONCURRENCY"))))
    return timedelta(seconds=rounds * per_send + 60)


def claim(*, now: datetime, limit: int, busy: Counter[int] | None = None) -> list[Notification]:
    """Locks up to ``limit`` due rows, counts the attempt and leases them (step 1).

    ``busy``: sends in flight per endpoint; an endpoint with ``NOTIFY_PER_ENDPOINT`` of them
    gets no more, so one receiver that does not answer cannot take every thread."""
    per_endpoint = max(1, int(option("NOTIFY_PER_ENDPOINT")))
    taken: Counter[int] = Counter(busy or {})
    with transaction.atomic():
        due = Notification.objects.filter(status__in=DUE_STATUSES, next_attempt_at__lte=now)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        candidates = due.select_related("endpoint").order_by("next_attempt_at", "id")
        rows: list[Notification] = []
        for row in candidates[: limit * 4]:
            if row.endpoint_id is not None:
                if taken[row.endpoint_id] >= per_endpoint:
                    continue
                taken[row.endpoint_id] += 1
            rows.append(row)
            if len(rows) == limit:
                break
        if rows:
            # Counting the attempt here means a row that kills the worker still runs out of attempts.
            Notification.objects.filter(pk__in=[r.pk for r in rows]).update(
                next_attempt_at=now + _lease(len(rows)), attempts=F("attempts") + 1
            )
    for row in rows:
        row.attempts += 1
    return rows


def record(row: Notification, now: datetime, error: str | None) -> str:
    """Stores the outcome of one attempt (step 3); returns the new status."""
    fields: dict[str, Any] = {}
    if error is None:
        fields.update(status=Status.SENT, sent_at=now, next_attempt_at=None, last_error="")
    elif row.attempts >= int(option("NOTIFY_MAX_ATTEMPTS")):
        fields.update(status=Status.DEAD, next_attempt_at=None, last_error=error[:2000])
    else:
        fields.update(
            status=Status.FAILED,
            next_attempt_at=now + backoff(row.attempts),
            last_error=error[:2000],
        )
    Notification.objects.filter(pk=row.pk).update(**fields)
    return str(fields["status"])


# ---------------------------------------------------------------- the loop


def deliver_due(
    *, now: datetime | None = None, batch: int = 500, budget: float | None = None
) -> DeliveryReport:
    """Claims, sends and records due rows (see the module docstring); ``budget`` in seconds.

    A sliding window: up to ``max_in_flight()`` sends at once (less those an earlier budgeted
    call left in flight); each one that ends is recorded and makes room for the next claim."""
    moment = now or current_time()
    deadline = None if budget is None else time.monotonic() + budget
    report = DeliveryReport()
    pending: dict[Future[str | None], Notification] = {}
    claimed, more = 0, True
    while True:
        if more and claimed < batch and not _expired(deadline):
            detached = POOL.busy() if deadline is not None else Counter()
            room = min(CHUNK, batch - claimed, max_in_flight() - len(pending) - detached.total())
            if room > 0:
                busy = detached + Counter(r.endpoint_id for r in pending.values() if r.endpoint_id)
                rows = claim(now=moment, limit=room, busy=busy)
                claimed += len(rows)
                more = len(rows) == room
                pending.update({POOL.submit(row): row for row in rows})
        if not pending or _expired(deadline):
            break
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        done, _ = wait(pending, timeout=remaining, return_when=FIRST_COMPLETED)
        for future in done:
            row = pending.pop(future)
            # sent_at is the pass's instant for a send that ends within the call.
            report.count(record(row, moment, future.result()))
            if row.endpoint_id is not None:
                more = True  # rows held back by NOTIFY_PER_ENDPOINT may go now
    for future, row in pending.items():
        POOL.detach(future, row)
        report.in_flight += 1
    return report


def _expired(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline
