"""The ``servicepact worker`` command: one pass for cron, a loop that stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from servicepact.notifications.models import Notification
from servicepact.tickets import services as ts
from servicepact.tickets.choices import Category
from servicepact.worker.passes import run_pass

from .conftest import setup_contract, utc


@pytest.mark.django_db
def test_once_runs_one_pass_and_prints_its_summary(clock):
    """`worker --once` at 10:30 escalates the ticket due then and prints the pass summary."""
    clock.at(utc(2025, 6, 2, 10))
    s = setup_contract()
    ticket = ts.open_ticket(
        customer=s.customer,
        contact=s.contact,
        subject="Down",
        impact=1,
        urgency=1,
        category=Category.NETWORK,
    )
    ts.assign_ticket(ticket=ticket, actor=s.agent, assignee=s.agent)
    clock.at(utc(2025, 6, 2, 10, 30))
    out = StringIO()
    call_command("worker", "--once", "--batch", "10", stdout=out)
    line = out.getvalue().strip()
    assert line.startswith(
        "pass at 2025-06-02T10:30:00+00:00: clocks tickets=1 clocks=1 thresholds=1"
    )
    assert "outbox sent=2" in line
    assert Notification.objects.filter(status="sent").count() == 2


@pytest.mark.django_db
def test_a_stop_request_ends_the_pass_after_the_current_step(clock):
    """With the stop flag set during the first step, the pass returns after it: due clocks done,
    the outbox rows they produced left for the next process."""
    clock.at(utc(2025, 6, 2, 10))
    s = setup_contract()
    ts.open_ticket(
        customer=s.customer,
        contact=s.contact,
        subject="Down",
        impact=1,
        urgency=1,
        category=Category.NETWORK,
    )
    clock.at(utc(2025, 6, 2, 10, 30))
    report = run_pass(stop=lambda: True)
    assert (report.interrupted, report.clocks.thresholds, report.delivery.attempted) == (True, 1, 0)
    assert report.summary().endswith("(stopped early)")
    # No assignee, no team: "notify the assignee" falls back to the service manager (in-app, e-mail).
    assert Notification.objects.filter(status="pending").count() == 2


def test_sigterm_stops_the_loop_cleanly(tmp_path: Path):
    """A real `servicepact worker` process on its own SQLite file: after its first pass, SIGTERM
    makes it finish and exit 0 with "worker stopped"."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        "LOG_LEVEL": "INFO",
        "SERVICEPACT_VAR_DIR": str(tmp_path),
    }
    manage = [sys.executable, "-m", "servicepact"]
    subprocess.run(
        [*manage, "migrate", "--noinput"], env=env, check=True, capture_output=True, timeout=300
    )
    proc = subprocess.Popen(
        [*manage, "worker", "--interval", "0.2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        assert proc.stderr is not None
        line = proc.stderr.readline()
        while "pass at" not in line and time.monotonic() < deadline:
            line = proc.stderr.readline()
        assert "pass at" in line
        proc.send_signal(signal.SIGTERM)
        out, _err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert out.strip() == "worker stopped"


@pytest.mark.django_db
def test_a_failing_step_is_logged_and_the_later_steps_still_run(clock, monkeypatch, caplog):
    """If delivery raises (e.g. the database hiccups), the pass logs it, counts one failed step
    and still runs the lifecycle, auto-close and statement steps after it."""
    from servicepact.worker import passes

    clock.at(utc(2025, 6, 2, 10))

    def broken(**kwargs):
        raise RuntimeError("outbox table locked")

    monkeypatch.setattr(passes, "deliver_due", broken)
    ran = []
    monkeypatch.setattr(passes, "auto_close", lambda **kw: ran.append("auto_close") or 0)
    report = passes.run_pass()
    assert report.failed_steps == 1
    assert ran == ["auto_close"]
    assert "worker step" in caplog.text and "outbox table locked" in caplog.text
