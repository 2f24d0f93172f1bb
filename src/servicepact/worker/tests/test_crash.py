"""A worker that dies in the middle of a batch loses nothing and duplicates nothing.

Two ways to die: an exception injected between the claim and the commit (every database),
and a real ``servicepact worker --once`` process killed with SIGKILL while it holds a
batch's transaction open (PostgreSQL: the subprocess needs the test database by name).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection

from servicepact.notifications.delivery import claim, deliver_due
from servicepact.notifications.models import Notification
from servicepact.tickets import due
from servicepact.tickets.choices import EventKind
from servicepact.tickets.models import SlaClock, TicketEvent
from servicepact.worker.passes import run_pass

from .conftest import FR, open_network_tickets, setup_contract, utc

OPENED = utc(2025, 6, 2, 10)
HALF = utc(2025, 6, 2, 10, 30)  # first response 60 min: 50 % at 10:30


def open_tickets(n: int):
    s = setup_contract()
    return s, open_network_tickets(s, n)


def crossings() -> Counter:
    return Counter(
        TicketEvent.objects.filter(kind=EventKind.THRESHOLD_CROSSED).values_list(
            "ticket_id", "data__percent"
        )
    )


@pytest.mark.django_db
def test_exception_between_claim_and_commit_rolls_back_and_the_next_pass_does_the_work(
    clock, monkeypatch
):
    """The escalation of the second of three tickets raises after its event and its outbox rows
    were written: that ticket's transaction rolls back entirely (no event, no row, clock still
    due at 10:30) while the other two commit. The next pass does the second ticket's work, and
    each ticket ends with exactly one 50 % event and one in-app + one e-mail row, sent once."""
    clock.at(OPENED)
    _s, tickets = open_tickets(3)
    victim = tickets[1]
    original = due.escalate

    def crash_on_victim(ticket, *args):
        original(ticket, *args)
        if ticket.pk == victim.pk:
            raise RuntimeError("worker died here")

    monkeypatch.setattr(due, "escalate", crash_on_victim)
    clock.at(HALF)
    report = run_pass()
    assert (report.clocks.tickets, report.clocks.failed) == (3, 1)
    assert report.clocks.errors == [f"ticket {victim.pk}: RuntimeError: worker died here"]
    assert set(crossings()) == {(tickets[0].pk, 50), (tickets[2].pk, 50)}
    assert not Notification.objects.filter(ticket_id=victim.pk).exists()
    fr = SlaClock.objects.get(ticket=victim, metric=FR)
    assert (fr.last_threshold, fr.next_check_at) == (0, HALF)

    monkeypatch.setattr(due, "escalate", original)
    clock.at(HALF + timedelta(seconds=5))
    assert run_pass().clocks.thresholds == 1
    assert crossings() == Counter({(t.pk, 50): 1 for t in tickets})
    assert TicketEvent.objects.get(ticket=victim, kind=EventKind.THRESHOLD_CROSSED).at == HALF
    for t in tickets:
        assert sorted(
            Notification.objects.filter(ticket_id=t.pk).values_list("channel", "status")
        ) == [("email", "sent"), ("in_app", "sent")]
    assert (
        Counter(m.extra_headers["X-ServicePact-Delivery"] for m in mail.outbox).most_common(1)[0][1]
        == 1
    )
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_a_delivery_interrupted_after_its_claim_is_retried_when_the_lease_ends(clock):
    """A worker that claimed rows and died before recording the outcome leaves them leased:
    other passes skip them until the lease ends, then send them (the attempt is counted)."""
    clock.at(OPENED)
    open_tickets(1)
    clock.at(HALF)
    run_pass_without_delivery()
    claimed = claim(now=HALF, limit=10)  # ... and the process dies here
    assert len(claimed) == 2
    assert deliver_due(now=HALF + timedelta(seconds=30)).attempted == 0
    lease_end = Notification.objects.get(channel="email").next_attempt_at
    assert lease_end > HALF + timedelta(minutes=1)
    report = deliver_due(now=lease_end)
    assert report.sent == 2
    assert list(Notification.objects.values_list("attempts", flat=True)) == [2, 2]
    assert len(mail.outbox) == 1


def run_pass_without_delivery() -> None:
    report = due.process_due_clocks(now=HALF)
    assert report.thresholds == 1


KILLER = textwrap.dedent("""
    import os, signal, sys
    import django, time_machine
    from datetime import datetime, timezone
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicepact.settings"
    django.setup()
    from django.core.management import call_command
    from servicepact.tickets import due

    original, calls = due.escalate, []

    def escalate_then_die(ticket, *args):
        original(ticket, *args)
        calls.append(ticket.pk)
        if len(calls) == int(sys.argv[1]):
            # Mid-batch, inside the ticket's open transaction: no cleanup, no rollback sent.
            os.kill(os.getpid(), signal.SIGKILL)

    due.escalate = escalate_then_die
    due.BATCH_TICKETS = 4  # batches of 4 tickets, one transaction each: the 5th opens batch 2
    with time_machine.travel(datetime(2025, 6, 2, 10, 30, tzinfo=timezone.utc), tick=False):
        call_command("worker", "--once", "--batch", "100")
""")


@pytest.mark.django_db(transaction=True)
def test_worker_killed_with_sigkill_mid_batch_loses_nothing_after_restart(clock):
    """Ten tickets reach 50 % at 10:30. A real worker process, taking them in batches of four
    (one transaction each), is SIGKILLed at the fifth ticket, inside the second batch's
    transaction: the first batch (four tickets) is committed, the second rolled back, the
    last two untouched, nothing delivered. The restarted worker finishes: every ticket has one 50 % event, and
    every notification was delivered exactly once."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the subprocess must open the test database by name")
    clock.at(OPENED)
    _s, tickets = open_tickets(10)
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    done = subprocess.run(
        [sys.executable, "-c", KILLER, "5"],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == -9, done.stderr
    assert len(crossings()) == 4
    assert Notification.objects.count() == 8
    assert not Notification.objects.filter(status="sent").exists()

    clock.at(HALF + timedelta(seconds=10))
    report = run_pass()
    assert (report.clocks.tickets, report.clocks.thresholds, report.delivery.sent) == (6, 6, 20)
    assert crossings() == Counter({(t.pk, 50): 1 for t in tickets})
    assert Notification.objects.filter(status="sent").count() == 20
    assert len(mail.outbox) == 10
    assert len({m.extra_headers["X-ServicePact-Delivery"] for m in mail.outbox}) == 10
