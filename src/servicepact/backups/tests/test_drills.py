"""Drill schedules: due dates as clocks with escalation, missed = breach; drill records,
findings with follow-up tickets, evidence, and the customer's sign-off (tenancy)."""

from __future__ import annotations

from datetime import date

from django.test import Client

from servicepact.backups.models import DrillDue
from servicepact.backups.services import (
    add_drill_evidence,
    add_drill_finding,
    create_drill_schedule,
    process_drill_dues,
    record_drill,
)
from servicepact.backups.tests.conftest import utc
from servicepact.notifications.models import Notification
from servicepact.tickets.models import Ticket


def quarterly(w, first=date(2025, 6, 30), warn=14):
    return create_drill_schedule(
        contract=w.contract,
        kind="restore",
        interval_months=3,
        first_due_on=first,
        warn_days=warn,
        rto_minutes=240,
    )


def manager(w):
    w.contract.service_manager = w.agent
    w.contract.save(update_fields=["service_manager"])
    w.agent.email = "agent@example.com"
    w.agent.save(update_fields=["email"])


def test_due_date_ends_at_the_end_of_the_day_in_the_customers_zone(acme):
    """Acme is in New York: 2025-06-30 ends at 07-01 00:00 EDT = 04:00 UTC; the first check
    is 14 days before."""
    schedule = quarterly(acme)
    due = DrillDue.objects.get(schedule=schedule)
    assert due.due_at == utc(2025, 7, 1, 4)
    assert due.next_check_at == utc(2025, 6, 17, 4)


def test_escalation_warning_final_then_missed_and_the_next_due_date(acme, clock):
    manager(acme)
    schedule = quarterly(acme)
    clock.at(utc(2025, 6, 10))
    assert process_drill_dues() == 0
    clock.at(utc(2025, 6, 17, 5))
    assert process_drill_dues() == 1
    assert process_drill_dues() == 0  # next step at the final warning
    clock.at(utc(2025, 6, 30, 5))
    assert process_drill_dues() == 1
    clock.at(utc(2025, 7, 1, 4))
    assert process_drill_dues() == 1
    dues = list(DrillDue.objects.filter(schedule=schedule).order_by("due_on"))
    assert [(d.due_on, d.status) for d in dues] == [
        (date(2025, 6, 30), "missed"),
        (date(2025, 9, 30), "pending"),
    ]
    events = sorted(Notification.objects.filter(channel="in_app").values_list("event", flat=True))
    assert events == ["drill.final", "drill.missed", "drill.warning"]
    assert Notification.objects.filter(channel="email", recipient="agent@example.com").count() == 3
    clock.at(utc(2025, 7, 2))
    assert process_drill_dues() == 0  # idempotent: nothing more, no second notice


def test_a_drill_recorded_in_time_makes_the_due_date_done(acme, clock):
    """Negative of the breach: a drill finished 06-20 -> done, no missed due date, no
    notice of a miss."""
    manager(acme)
    schedule = quarterly(acme)
    clock.at(utc(2025, 6, 20, 18))
    drill = record_drill(
        contract=acme.contract,
        schedule=schedule,
        kind="restore",
        scope="db01 full restore",
        started_at=utc(2025, 6, 20, 14),
        finished_at=utc(2025, 6, 20, 16),
        succeeded=True,
        achieved_rto_minutes=120,
        achieved_rpo_minutes=600,
        actor=acme.agent,
    )
    dues = list(DrillDue.objects.filter(schedule=schedule).order_by("due_on"))
    assert [(d.due_on, d.status, d.drill_id) for d in dues] == [
        (date(2025, 6, 30), "done", drill.pk),
        (date(2025, 9, 30), "pending", None),
    ]
    clock.at(utc(2025, 7, 1, 5))
    process_drill_dues()
    assert not Notification.objects.filter(event="drill.missed").exists()


def test_a_drill_after_the_due_date_misses_it_and_counts_for_the_next(acme, clock):
    schedule = quarterly(acme)
    clock.at(utc(2025, 7, 5))
    record_drill(
        contract=acme.contract,
        schedule=schedule,
        kind="restore",
        scope="late",
        started_at=utc(2025, 7, 4),
        finished_at=utc(2025, 7, 4, 3),
        succeeded=True,
    )
    dues = list(DrillDue.objects.filter(schedule=schedule).order_by("due_on"))
    assert [d.status for d in dues] == ["missed", "done", "pending"]
    assert [d.due_on for d in dues] == [date(2025, 6, 30), date(2025, 9, 30), date(2025, 12, 30)]


def test_findings_open_follow_up_tickets_and_evidence_is_stored(acme, clock):
    clock.at(utc(2025, 6, 20, 18))
    drill = record_drill(
        contract=acme.contract,
        kind="failover",
        scope="DC2",
        started_at=utc(2025, 6, 20, 10),
        finished_at=utc(2025, 6, 20, 12),
        succeeded=False,
    )
    finding = add_drill_finding(drill=drill, text="DNS TTL too long for failover", actor=acme.agent)
    ticket = Ticket.objects.get()
    assert finding.ticket == ticket and ticket.category == "backup" and ticket.kind == "request"
    evidence = add_drill_evidence(
        drill=drill, name="../restore log.txt", content=b"ok", actor=acme.agent
    )
    assert evidence.name == "restore_log.txt" and evidence.size == 2
    assert evidence.file.read() == b"ok"


def _drill(w):
    return record_drill(
        contract=w.contract,
        kind="restore",
        scope="db",
        started_at=utc(2025, 6, 20, 10),
        finished_at=utc(2025, 6, 20, 12),
        succeeded=True,
        achieved_rto_minutes=90,
    )


def test_sign_off_by_the_contact_once(acme, clock):
    clock.at(utc(2025, 6, 21))
    drill = _drill(acme)
    contact = Client()
    contact.force_login(acme.contact.user)
    url = f"/api/v1/drills/{drill.pk}/sign-off"
    response = contact.post(url, {"note": "restore verified"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["signed_off_by"] == "acme-it"
    assert response.json()["signed_off_at"] is not None
    again = contact.post(url, {}, content_type="application/json")
    assert again.status_code == 409


def test_sign_off_tenancy_and_staff(acme, globex, clock):
    """Another customer's contact: 404 (read and sign); staff: 403 (only the customer signs)."""
    clock.at(utc(2025, 6, 21))
    drill = _drill(acme)
    other = Client()
    other.force_login(globex.contact.user)
    assert other.get(f"/api/v1/drills/{drill.pk}").status_code == 404
    url = f"/api/v1/drills/{drill.pk}/sign-off"
    assert other.post(url, {}, content_type="application/json").status_code == 404
    assert other.get("/api/v1/drills").json()["count"] == 0
    staff = Client()
    staff.force_login(acme.agent)
    assert staff.post(url, {}, content_type="application/json").status_code == 403
    drill.refresh_from_db()
    assert drill.signed_off_at is None


def test_staff_records_a_drill_through_the_api(acme, clock):
    clock.at(utc(2025, 6, 21))
    schedule = quarterly(acme)
    staff = Client()
    staff.force_login(acme.agent)
    body = {
        "contract": acme.contract.pk,
        "schedule": schedule.pk,
        "kind": "restore",
        "scope": "db01",
        "started_at": "2025-06-20T10:00:00Z",
        "finished_at": "2025-06-20T12:00:00Z",
        "succeeded": True,
        "achieved_rto_minutes": 120,
        "findings": ["backup job lacks pg_wal"],
    }
    response = staff.post("/api/v1/drills", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["findings"][0]["ticket"] == Ticket.objects.get().pk
    bad = staff.post(
        "/api/v1/drills",
        {**body, "finished_at": "2025-06-20T09:00:00Z"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][-1] == "finished_at"
    contact = Client()
    contact.force_login(acme.contact.user)
    assert contact.post("/api/v1/drills", body, content_type="application/json").status_code == 403
