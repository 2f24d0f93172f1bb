"""Drill schedules derived from the contract's backup-drill commitment (a frequency in days)
and kept in step with amendments; the API (``/api/v1/drills/schedules``) and the desk page.
Schedules set up by hand are never touched by the derivation."""

from __future__ import annotations

from datetime import date

from django.test import Client

from servicepact.backups.drills import interval_from_days
from servicepact.backups.models import DrillDue, DrillSchedule
from servicepact.backups.services import create_drill_schedule, sync_drill_schedules
from servicepact.backups.tests.conftest import utc
from servicepact.contracts.models import KpiCommitment
from servicepact.contracts.services import amend_contract


def drill_kpi(w, days: str = "90") -> KpiCommitment:
    return KpiCommitment.objects.create(
        contract_version=w.contract.versions.get(number=1), kind="backup_drill", target=days
    )


def test_days_become_whole_months():
    """90 -> 3, 182 -> 6, 365 -> 12; 1 day -> at least 1 month; 10 years -> at most 60."""
    assert [interval_from_days(d) for d in (90, 182, 365, 1, 3650)] == [3, 6, 12, 1, 60]


def test_the_commitment_creates_the_schedule_once(acme, clock):
    """A 90-day commitment, synced on Sat 21 Jun 2025 (NY): a quarterly restore schedule,
    first due 21 Sep 2025, pointing at the commitment; a second sync changes nothing."""
    kpi = drill_kpi(acme)
    clock.at(utc(2025, 6, 21, 12))
    assert sync_drill_schedules() == 1
    schedule = DrillSchedule.objects.get()
    assert (schedule.kind, schedule.interval_months, schedule.kpi_id) == ("restore", 3, kpi.pk)
    assert schedule.first_due_on == date(2025, 9, 21)
    assert list(schedule.dues.values_list("due_on", "status")) == [(date(2025, 9, 21), "pending")]
    assert sync_drill_schedules() == 0
    assert DrillSchedule.objects.count() == 1 and DrillDue.objects.count() == 1


def test_an_amendment_replaces_or_stops_the_derived_schedule(acme, clock):
    """From 1 Jul the commitment is 365 days: before it takes effect nothing changes; on
    2 Jul the quarterly schedule stops (its pending due date, not a breach yet, is withdrawn)
    and a yearly one starts, due 2 Jul 2026. From 1 Aug no commitment: the yearly stops too.
    A schedule set up by hand is never touched (negative)."""
    drill_kpi(acme)
    by_hand = create_drill_schedule(contract=acme.contract, kind="failover",
                                    interval_months=12, first_due_on=date(2025, 12, 31))  # fmt: skip
    clock.at(utc(2025, 6, 21, 12))
    sync_drill_schedules()
    amend_contract(contract=acme.contract, effective_from=utc(2025, 7, 1, 4), reason="yearly",
                   kpis=[{"kind": "backup_drill", "target": "365"}])  # fmt: skip
    assert sync_drill_schedules() == 0
    clock.at(utc(2025, 7, 2, 12))
    assert sync_drill_schedules() == 1
    quarterly, yearly = DrillSchedule.objects.filter(kind="restore").order_by("pk")
    assert (quarterly.is_active, quarterly.dues.count()) == (False, 0)
    assert (yearly.is_active, yearly.interval_months) == (True, 12)
    assert list(yearly.dues.values_list("due_on", flat=True)) == [date(2026, 7, 2)]
    amend_contract(contract=acme.contract, effective_from=utc(2025, 8, 1, 4), reason="none",
                   kpis=[])  # fmt: skip
    clock.at(utc(2025, 8, 2, 12))
    assert sync_drill_schedules() == 1
    yearly.refresh_from_db()
    assert (yearly.is_active, yearly.dues.count()) == (False, 0)
    by_hand.refresh_from_db()
    assert by_hand.is_active and by_hand.dues.filter(status="pending").count() == 1


def test_the_schedules_api_tenancy_and_staff_only_writes(acme, globex, clock):
    """Staff create a schedule (201) and sync (the commitment's schedule appears); the
    contact sees its customer's schedules, another customer's contact none; a contact
    cannot create (403); a bad interval is a 422 naming the field."""
    drill_kpi(acme)
    clock.at(utc(2025, 6, 21, 12))
    staff = Client()
    staff.force_login(acme.agent)
    body = {"contract": acme.contract.pk, "kind": "failover", "interval_months": 12,
            "first_due_on": "2025-12-31", "scope": "db failover"}  # fmt: skip
    created = staff.post("/api/v1/drills/schedules", body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["next_due"]["due_on"] == "2025-12-31"
    assert created.json()["commitment"] is None
    synced = staff.post("/api/v1/drills/schedules/sync", {"contract": acme.contract.pk},
                        content_type="application/json")  # fmt: skip
    assert synced.json() == {"changed": 1}
    bad = staff.post("/api/v1/drills/schedules", {**body, "interval_months": 0},
                     content_type="application/json")  # fmt: skip
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "interval_months"
    contact = Client()
    contact.force_login(acme.contact.user)
    items = contact.get("/api/v1/drills/schedules").json()["items"]
    assert sorted(i["kind"] for i in items) == ["failover", "restore"]
    assert contact.post("/api/v1/drills/schedules", body,
                        content_type="application/json").status_code == 403  # fmt: skip
    other = Client()
    other.force_login(globex.contact.user)
    assert other.get("/api/v1/drills/schedules").json()["count"] == 0


def test_the_desk_page_lists_sets_up_and_derives(acme, clock):
    drill_kpi(acme)
    clock.at(utc(2025, 6, 21, 12))
    staff = Client()
    staff.force_login(acme.agent)
    url = "/desk/drills/schedules/"
    assert staff.get(url).status_code == 200
    response = staff.post(url, {"contract": acme.contract.pk, "kind": "failover",
                                "interval_months": 6, "first_due_on": "2025-12-31",
                                "warn_days": 14})  # fmt: skip
    assert response.status_code == 302
    assert staff.post(url, {"contract": acme.contract.pk, "kind": "failover",
                            "interval_months": 0, "first_due_on": "2025-12-31",
                            "warn_days": 14}).status_code == 422  # fmt: skip
    assert staff.post(url + "sync/").status_code == 302
    page = staff.get(url).content.decode()
    assert "every 90 days" in page and "set up by hand" in page
    assert DrillSchedule.objects.count() == 2
