"""Portal: the customer decides on maintenance windows (approve, or reject with a reason) and
sees the contract's measured availability in its own local months. Another customer's change is
a 404, exactly as a missing one."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from servicepact.changes import services as cs
from servicepact.changes.models import Change
from servicepact.contracts.services import amend_contract
from servicepact.monitoring.services import record_outage

from .conftest import login, ny

pytestmark = pytest.mark.django_db


def window(world, title, day, status="requested"):
    change = cs.request_change(
        customer=world.customer,
        title=title,
        assets=[world.asset],
        planned_start=ny(2025, 6, day, 22),
        planned_end=ny(2025, 6, day, 23, 30),
        description="Replace the RAID controller firmware.",
        actor=world.agent,
    )
    if status == "approved":
        cs.approve_change(change=change, actor=world.contact.user)
    return change


@pytest.fixture
def changes(clock, acme, globex):
    clock.at(ny(2025, 6, 2, 9))
    return {
        "pending": window(acme, "Firmware update", 10),
        "approved": window(acme, "Switch swap", 5, status="approved"),
        "theirs": window(globex, "Globex core router", 12),
    }


def test_changes_list_shows_pending_first_and_only_the_own_customer(changes, contact_client):
    response = contact_client.get("/portal/changes/")
    html = response.content.decode()
    assert [c.title for c in response.context["pending"]] == ["Firmware update"]
    assert [c.title for c in response.context["others"]] == ["Switch swap"]
    assert "Awaiting your decision (1)" in html
    assert (
        "10 Jun, 22:00 America/New_York (UTC-04:00) – 10 Jun, 23:30 America/New_York (UTC-04:00)"
        in html
    )
    assert '<span class="chstatus chstatus-approved">Approved</span>' in html
    assert "Globex core router" not in html
    assert 'href="/portal/changes/"' in html and "Maintenance</a>" in html  # nav


def test_change_page_shows_the_window_and_the_decision_forms(changes, contact_client):
    change = changes["pending"]
    html = contact_client.get(f"/portal/changes/{change.pk}/").content.decode()
    assert change.number in html
    assert "Tue 10 Jun 2025, 22:00 America/New_York (UTC-04:00)" in html
    assert "1h 30m" in html
    assert "Replace the RAID controller firmware." in html
    assert f'action="/portal/changes/{change.pk}/approve/"' in html
    assert f'action="/portal/changes/{change.pk}/reject/"' in html
    decided = contact_client.get(f"/portal/changes/{changes['approved'].pk}/").content.decode()
    assert "/approve/" not in decided


def test_approving_a_change(changes, acme, contact_client):
    change = changes["pending"]
    response = contact_client.post(f"/portal/changes/{change.pk}/approve/")
    assert response.status_code == 302
    assert response["Location"] == f"/portal/changes/{change.pk}/"
    change.refresh_from_db()
    assert (change.status, change.approved_by, change.approved_at) == (
        "approved",
        acme.contact.user,
        ny(2025, 6, 2, 9),
    )
    html = contact_client.get(response["Location"]).content.decode()
    assert f"Change {change.number} is approved" in html


def test_approving_twice_is_409_with_the_reason(changes, contact_client):
    change = changes["approved"]
    response = contact_client.post(f"/portal/changes/{change.pk}/approve/")
    assert response.status_code == 409
    assert (
        f"cannot approve change {change.number}: it is Approved; allowed from: Requested"
        in response.content.decode()
    )


def test_rejecting_needs_a_reason(changes, contact_client):
    change = changes["pending"]
    url = f"/portal/changes/{change.pk}/reject/"
    empty = contact_client.post(url, {"reject-reason": "  "})
    assert empty.status_code == 422
    assert 'aria-invalid="true"' in empty.content.decode()
    change.refresh_from_db()
    assert change.status == "requested"
    response = contact_client.post(url, {"reject-reason": "Quarter-end close that night"})
    assert response.status_code == 302
    change.refresh_from_db()
    assert (change.status, change.rejection_reason) == ("rejected", "Quarter-end close that night")
    html = contact_client.get(f"/portal/changes/{change.pk}/").content.decode()
    assert "Quarter-end close that night" in html
    assert contact_client.post(url, {"reject-reason": "again"}).status_code == 409


def test_a_refusal_by_the_service_is_403(changes, contact_client, monkeypatch):
    def refuse(**kwargs):
        raise PermissionDenied("only a contact of Acme can approve")

    monkeypatch.setattr(cs, "approve_change", refuse)
    response = contact_client.post(f"/portal/changes/{changes['pending'].pk}/approve/")
    assert response.status_code == 403


def test_another_customers_change_is_404_and_nothing_changes(changes, globex, contact_client):
    theirs = changes["theirs"]
    for url in (
        f"/portal/changes/{theirs.pk}/",
        "/portal/changes/999999/",
    ):
        assert contact_client.get(url).status_code == 404, url
    assert contact_client.post(f"/portal/changes/{theirs.pk}/approve/").status_code == 404
    rejected = contact_client.post(f"/portal/changes/{theirs.pk}/reject/", {"reject-reason": "no"})
    assert rejected.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "requested"
    assert Change.objects.filter(status="rejected").count() == 0
    # And the other way round.
    client = login(globex.contact.user)
    assert client.get(f"/portal/changes/{changes['pending'].pk}/").status_code == 404


def test_staff_are_sent_to_the_desk(changes, acme):
    response = login(acme.agent).get("/portal/changes/")
    assert response.status_code == 302
    assert response["Location"] == "/desk/"


def test_contract_page_shows_availability_in_the_contacts_months(clock, acme, contact_client):
    """June: one unplanned hour (99.8611 %, meets 99.8 %) and a planned half hour in a window
    the customer approved, linked to the change."""
    clock.at(ny(2025, 6, 2, 9))
    amend_contract(
        contract=acme.contract,
        effective_from=ny(2025, 5, 1),
        reason="availability",
        kpis=[{"kind": "availability", "target": "99.8", "measurement_calendar": "24x7"}],
    )
    change = cs.request_change(
        customer=acme.customer,
        title="Firmware",
        assets=[acme.asset],
        planned_start=ny(2025, 6, 12, 22),
        planned_end=ny(2025, 6, 12, 23),
    )
    cs.approve_change(change=change, actor=acme.contact.user)
    clock.at(ny(2025, 6, 20, 9))
    record_outage(
        asset=acme.asset, started_at=ny(2025, 6, 10, 14), ended_at=ny(2025, 6, 10, 15), reason="fan"
    )
    record_outage(
        asset=acme.asset,
        started_at=ny(2025, 6, 12, 22),
        ended_at=ny(2025, 6, 12, 22, 30),
        reason="firmware",
    )
    clock.at(ny(2025, 7, 2, 9))
    response = contact_client.get(f"/portal/contracts/{acme.contract.pk}/")
    html = response.content.decode()
    june = response.context["availability"][1].result
    assert (june.availability_percent, june.met) == (Decimal("99.8611"), True)
    assert (june.unplanned_downtime_seconds, june.planned_downtime_seconds) == (3600, 1800)
    assert "99.8611 %" in html and "Commitment: 99.8 %" in html
    assert (
        '10 Jun, 14:00 America/New_York (UTC-04:00)<span class="sub">until 10 Jun, 15:00 America/New_York (UTC-04:00)</span>'
        in html
    )
    assert f'<a class="nowrap" href="/portal/changes/{change.pk}/">{change.number}</a>' in html
    assert f'href="/portal/assets/{acme.asset.pk}/"' in html
    assert "30m" in html


def test_each_month_links_to_the_portal_statement(clock, acme, contact_client):
    clock.at(ny(2025, 7, 2, 9))
    html = contact_client.get(f"/portal/contracts/{acme.contract.pk}/").content.decode()
    url = f"/reports/portal/contracts/{acme.contract.pk}/statement/"
    assert f'<a href="{url}?period=2025-06">Statement for June 2025</a>' in html
    assert f'<a href="{url}?period=2025-07&amp;format=pdf">PDF</a>' in html
    assert "/reports/desk/" not in html
