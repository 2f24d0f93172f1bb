"""``worker --once`` exit status and the heartbeat every pass leaves."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from servicepact.core.models import WorkerHeartbeat
from servicepact.core.time import now
from servicepact.worker.passes import run_pass

from .conftest import utc


@pytest.mark.django_db
def test_once_exits_zero_and_beats_when_every_step_succeeds(clock):
    clock.at(utc(2025, 6, 2, 10))
    call_command("worker", "--once")
    beat = WorkerHeartbeat.objects.get()
    assert (beat.beat_at, beat.last_ok_at, beat.failed_steps) == (now(), now(), 0)


@pytest.mark.django_db
def test_once_exits_one_when_a_step_failed(clock, monkeypatch):
    """Delivery raises at 10:05 after a clean pass at 10:00: the command ends with status 1
    and says so; the heartbeat moves, the last successful pass stays at 10:00."""
    from servicepact.worker import passes

    clock.at(utc(2025, 6, 2, 10))
    call_command("worker", "--once")
    clock.at(utc(2025, 6, 2, 10, 5))

    def broken(**kwargs):
        raise RuntimeError("outbox table locked")

    monkeypatch.setattr(passes, "deliver_due", broken)
    with pytest.raises(CommandError) as raised:
        call_command("worker", "--once")
    assert raised.value.returncode == 1
    assert str(raised.value) == "1 step(s) failed, 0 due clock(s) failed: see the log"
    beat = WorkerHeartbeat.objects.get()
    assert (beat.beat_at, beat.last_ok_at, beat.failed_steps) == (
        utc(2025, 6, 2, 10, 5),
        utc(2025, 6, 2, 10),
        1,
    )


@pytest.mark.django_db
def test_a_failed_due_clock_also_fails_the_run(clock, monkeypatch):
    """A ticket whose clocks raise is counted by the clocks step (the step itself goes on):
    that too is a failure the exit status reports."""
    from servicepact.tickets.due import DueReport
    from servicepact.worker import passes

    clock.at(utc(2025, 6, 2, 10))
    monkeypatch.setattr(passes, "process_due_clocks", lambda **kw: DueReport(failed=2))
    with pytest.raises(CommandError) as raised:
        call_command("worker", "--once")
    assert str(raised.value) == "0 step(s) failed, 2 due clock(s) failed: see the log"


@pytest.mark.django_db
def test_a_beat_prunes_workers_silent_for_a_day(clock):
    from servicepact.core.heartbeat import record_heartbeat

    record_heartbeat(at=utc(2025, 6, 1, 9), ok=True, worker="gone:1")
    record_heartbeat(at=utc(2025, 6, 1, 11), ok=True, worker="alive:2")
    record_heartbeat(at=utc(2025, 6, 2, 10), ok=True, worker="alive:3")
    assert sorted(WorkerHeartbeat.objects.values_list("worker", flat=True)) == [
        "alive:2",
        "alive:3",
    ]


@pytest.mark.django_db
def test_a_worker_pass_records_the_heartbeat_readyz_reads(clock):
    """A real pass (nothing due) beats at 10:00; at 10:03 readyz is satisfied."""
    clock.at(utc(2025, 6, 2, 10))
    run_pass()
    clock.at(utc(2025, 6, 2, 10, 3))
    response = Client().get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["checks"]["worker"]["detail"] == "last pass 180 s ago"
