"""A backup-failure incident resolves when backups resume: the next good run of the copy
makes the watch due at once, and the worker resolves the incident the watch opened (once
acknowledged, as monitoring does) with a system note naming the run. Negative cases: a
failed run, a good run of another copy, an incident nobody acknowledged (note only) and one
people already resolved are left alone."""

from __future__ import annotations

from django.test import Client

from servicepact.backups.models import BackupWatch
from servicepact.backups.services import check_backups
from servicepact.backups.tests.conftest import policy, post_runs, run, utc
from servicepact.tickets.models import Comment, Ticket
from servicepact.tickets.services import acknowledge_ticket, resolve_ticket


def overdue_incident(acme, clock) -> Ticket:
    """Nothing reported under a daily policy from 06-01 00:00: the worker opens the incident
    at 06-02 00:00:01."""
    clock.at(utc(2025, 6, 2, 0, 0, 1))
    assert check_backups() == 1
    ticket = Ticket.objects.get()
    clock.at(utc(2025, 6, 2, 0, 5))
    return acknowledge_ticket(ticket=ticket, actor=acme.agent)


def test_the_next_good_run_resolves_the_incident_with_a_system_note(acme, generic_token, clock):
    """A good local run 06-02 09:00-09:30 reported at 10:00: the watch is due at 10:00
    (not one window later), the worker's pass resolves the incident at 10:00 with a note
    naming the run and the policy; the watch forgets it and waits until 06-03 09:00:01."""
    policy(acme)
    ticket = overdue_incident(acme, clock)
    clock.at(utc(2025, 6, 2, 10))
    good = run("g", started=utc(2025, 6, 2, 9), finished=utc(2025, 6, 2, 9, 30))
    post_runs(Client(), "generic", {"runs": [good]}, generic_token)
    assert BackupWatch.objects.get().next_check_at == utc(2025, 6, 2, 10)
    assert check_backups() == 1
    ticket.refresh_from_db()
    assert ticket.status == "resolved" and ticket.resolved_at == utc(2025, 6, 2, 10)
    note = Comment.objects.get(ticket=ticket, system_kind="backup_resumed")
    assert note.is_internal and note.author is None
    assert note.system_params["at"] == utc(2025, 6, 2, 9).isoformat()
    assert "Backups resumed: a good Local backup of acme-srv01" in note.body
    assert "backups resumed" in ticket.events.filter(kind="resolved").get().data["resolution"]
    watch = BackupWatch.objects.get()
    assert (watch.ticket, watch.overdue_since) == (None, None)
    assert watch.next_check_at == utc(2025, 6, 3, 9, 0, 1)


def test_a_failed_run_or_a_good_run_of_another_copy_leaves_the_incident_open(
    acme, generic_token, clock
):
    """Negative: a failed local run wakes nothing and resolves nothing; with an off-site copy
    required, a good local run alone leaves the off-site incident open (its window is still
    exceeded) and writes no note."""
    policy(acme, offsite=True)
    clock.at(utc(2025, 6, 2, 0, 0, 1))
    assert check_backups() == 2  # local and off-site both overdue: two incidents
    for ticket in Ticket.objects.all():
        acknowledge_ticket(ticket=ticket, actor=acme.agent)
    clock.at(utc(2025, 6, 2, 10))
    post_runs(Client(), "generic", {"runs": [run("f", status="failed")]}, generic_token)
    assert check_backups() == 0  # nothing due: the failed run woke no watch
    assert set(Ticket.objects.values_list("status", flat=True)) == {"acknowledged"}
    good = run("g", started=utc(2025, 6, 2, 9), finished=utc(2025, 6, 2, 9, 30))
    post_runs(Client(), "generic", {"runs": [good]}, generic_token)
    assert check_backups() == 2
    statuses = {w.location: w.ticket for w in BackupWatch.objects.all()}
    assert statuses["local"] is None
    offsite = statuses["offsite"]
    assert offsite is not None and offsite.status == "acknowledged"
    assert not Comment.objects.filter(ticket=offsite, system_kind="backup_resumed").exists()
    assert Ticket.objects.filter(status="resolved").count() == 1


def test_an_incident_people_resolved_is_not_resolved_again(acme, generic_token, clock):
    """Negative: staff resolved the incident by hand; the good run only frees the watch (no
    note, no second resolution)."""
    policy(acme)
    ticket = overdue_incident(acme, clock)
    clock.at(utc(2025, 6, 2, 8))
    resolve_ticket(ticket=ticket, actor=acme.agent, resolution="restarted the agent")
    clock.at(utc(2025, 6, 2, 10))
    good = run("g", started=utc(2025, 6, 2, 9), finished=utc(2025, 6, 2, 9, 30))
    post_runs(Client(), "generic", {"runs": [good]}, generic_token)
    assert check_backups() == 1
    ticket.refresh_from_db()
    assert ticket.resolved_at == utc(2025, 6, 2, 8)
    assert not Comment.objects.filter(ticket=ticket, system_kind="backup_resumed").exists()
    assert BackupWatch.objects.get().ticket is None


def test_an_incident_nobody_acknowledged_gets_the_note_but_stays_new(acme, generic_token, clock):
    """Negative: resolving a new incident would stop its response clock unanswered; the
    good run writes the note, the watch lets the incident go, people close it."""
    policy(acme)
    clock.at(utc(2025, 6, 2, 0, 0, 1))
    check_backups()
    clock.at(utc(2025, 6, 2, 10))
    good = run("g", started=utc(2025, 6, 2, 9), finished=utc(2025, 6, 2, 9, 30))
    post_runs(Client(), "generic", {"runs": [good]}, generic_token)
    assert check_backups() == 1
    ticket = Ticket.objects.get()
    assert ticket.status == "new" and ticket.resolved_at is None
    assert Comment.objects.filter(ticket=ticket, system_kind="backup_resumed").count() == 1
    assert BackupWatch.objects.get().ticket is None
