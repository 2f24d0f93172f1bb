"""Continuous RPO: the age of the last good backup of each required copy, and the worker's
incident when a policy's window is exceeded (no run reported counts, not only a failed one)."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client

from servicepact.backups.models import BackupWatch
from servicepact.backups.rpo import copy_states, worst_age, worst_rpo
from servicepact.backups.selectors import last_good_backup
from servicepact.backups.services import check_backups
from servicepact.backups.tests.conftest import policy, post_runs, run, utc
from servicepact.tickets.models import Ticket

H = 3600


def states(p, at):
    return {s.location: s for s in copy_states([p], at)}


def test_without_any_run_the_rpo_counts_from_the_policy_start(acme, clock):
    """Policy effective 2025-06-01 00:00 UTC, daily window, nothing reported: at 06-02 06:00
    the achieved RPO is 30 h and the window (24 h) is exceeded."""
    p = policy(acme)
    s = states(p, utc(2025, 6, 2, 6))["local"]
    assert s.last_good is None
    assert s.age_seconds == 30 * H
    assert s.overdue is True


def test_a_good_run_resets_the_age_to_its_start(acme, generic_token, clock):
    """Good run 06-02 01:00-01:40: at 06-02 06:00 the age is 5 h (from the start, not the
    finish); before it finished (01:30) the age is still counted from the policy start."""
    p = policy(acme)
    clock.at(utc(2025, 6, 2, 3))
    post_runs(
        Client(), "generic", {"runs": [run("a", finished=utc(2025, 6, 2, 1, 40))]}, generic_token
    )
    assert states(p, utc(2025, 6, 2, 6))["local"].age_seconds == 5 * H
    assert states(p, utc(2025, 6, 2, 1, 30))["local"].age_seconds == 25 * H + 30 * 60


def test_failed_and_running_runs_recover_nothing(acme, generic_token, clock):
    p = policy(acme)
    clock.at(utc(2025, 6, 2, 3))
    body = {
        "runs": [run("f", status="failed"), run("s", status="started", started=utc(2025, 6, 2, 2))]
    }
    post_runs(Client(), "generic", body, generic_token)
    s = states(p, utc(2025, 6, 2, 3))["local"]
    assert s.last_good is None and s.age_seconds == 27 * H


def test_offsite_copy_missing_is_overdue_while_the_local_one_is_fine(acme, generic_token, clock):
    p = policy(acme, offsite=True)
    clock.at(utc(2025, 6, 2, 3))
    post_runs(
        Client(), "generic", {"runs": [run("a", finished=utc(2025, 6, 2, 1, 40))]}, generic_token
    )
    found = states(p, utc(2025, 6, 2, 6))
    assert found["local"].overdue is False
    assert found["offsite"].overdue is True and found["offsite"].last_good is None
    good = last_good_backup([acme.asset.pk])
    assert list(good[acme.asset.pk]) == ["local"]
    assert good[acme.asset.pk]["local"].started_at == utc(2025, 6, 2, 1)


def test_achieved_rpo_over_time(acme, generic_token, clock):
    """Daily runs at 01:00 (finishing 01:30) on 06-02 and 06-03, none on 06-04: the age is
    a sawtooth, and at 06-05 00:00 it is 47 h (from 06-03 01:00)."""
    p = policy(acme)
    clock.at(utc(2025, 6, 6))
    runs = [
        run(f"d{d}", started=utc(2025, 6, d, 1), finished=utc(2025, 6, d, 1, 30)) for d in (2, 3)
    ]
    post_runs(Client(), "generic", {"runs": runs}, generic_token)
    ages = [
        states(p, utc(2025, 6, d, h))["local"].age_seconds // 60
        for d, h in ((2, 0), (2, 2), (3, 0), (3, 2), (5, 0))
    ]
    assert ages == [24 * 60, 60, 23 * 60, 60, 47 * 60]
    # The worst over [06-01, 06-05): just before 06-02 01:30 it was 25.5 h, at the end 47 h.
    assert worst_rpo(p, "local", utc(2025, 6, 1), utc(2025, 6, 5)) == 47 * H
    assert worst_rpo(p, "local", utc(2025, 6, 1), utc(2025, 6, 3)) == 25 * H + 30 * 60


def test_worst_age_peaks_before_each_finish_and_at_the_cutoff():
    """Point 00:00; runs (start 10:00, finish 12:00) and (20:00, 21:00); cut-off 22:00:
    peaks 12 h (before 12:00), 11 h (before 21:00), 2 h (at 22:00) -> 12 h."""
    t = utc(2025, 6, 1)
    points = [
        (t + timedelta(hours=10), t + timedelta(hours=12)),
        (t + timedelta(hours=20), t + timedelta(hours=21)),
    ]
    assert worst_age(points, t, t, t + timedelta(hours=22)) == 12 * H
    assert worst_age([], None, t, t + timedelta(hours=5)) == 5 * H


def test_worker_opens_one_incident_when_the_window_is_exceeded(acme, generic_token, clock):
    """Nothing reported: at 06-02 00:00:01 (24 h + 1 s) the worker opens a backup incident
    on the asset; a second pass opens nothing more; a good run later closes the episode and
    the next check moves to its start + 24 h."""
    policy(acme)
    clock.at(utc(2025, 6, 1, 23))
    assert check_backups() == 0  # not due yet
    clock.at(utc(2025, 6, 2, 0, 0, 1))
    assert check_backups() == 1
    ticket = Ticket.objects.get()
    assert (ticket.category, ticket.asset_id, ticket.channel) == (
        "backup",
        acme.asset.pk,
        "monitoring",
    )
    assert "No good Local backup of acme-srv01" in ticket.subject
    assert check_backups() == 0  # rescheduled one window later
    clock.at(utc(2025, 6, 3, 0, 0, 2))
    assert check_backups() == 1
    assert Ticket.objects.count() == 1  # the open incident is kept, not a second one
    post_runs(
        Client(),
        "generic",
        {"runs": [run("a", started=utc(2025, 6, 3, 1), finished=utc(2025, 6, 3, 1, 30))]},
        generic_token,
    )
    clock.at(utc(2025, 6, 4, 0, 0, 3))
    assert check_backups() == 1
    watch = BackupWatch.objects.get()
    assert watch.ticket is None and watch.overdue_since is None
    assert watch.next_check_at == utc(2025, 6, 4, 1, 0, 1)
    assert Ticket.objects.count() == 1


def test_a_failed_run_within_the_window_opens_nothing(acme, generic_token, clock):
    """Negative: a good run at 06-01 12:00 and a failed one at 06-02 01:00 -> no incident at
    06-02 02:00 (the last good backup is 14 h old, inside the 24 h window)."""
    policy(acme)
    clock.at(utc(2025, 6, 2, 2))
    body = {
        "runs": [
            run("g", started=utc(2025, 6, 1, 12), finished=utc(2025, 6, 1, 12, 20)),
            run("f", status="failed"),
        ]
    }
    post_runs(Client(), "generic", body, generic_token)
    clock.at(utc(2025, 6, 2, 2))
    check_backups()
    clock.at(utc(2025, 6, 2, 8))
    check_backups()
    assert Ticket.objects.count() == 0
    assert BackupWatch.objects.get().next_check_at == utc(2025, 6, 2, 12, 0, 1)
