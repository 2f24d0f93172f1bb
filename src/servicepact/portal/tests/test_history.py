"""What the customer reads of a ticket's SLA history: no internal steps (a breach later
withdrawn, deadline re-measurements), breaches that stand in plain words, a legend for business
vs calendar time, and never a monitoring alert's name."""

from __future__ import annotations

import pytest

from servicepact.tickets import services as ts
from servicepact.tickets.choices import Category, Channel, EventKind
from servicepact.tickets.testing import login

from .conftest import ny

pytestmark = pytest.mark.django_db


@pytest.fixture
def withdrawn(clock, acme):
    """P1 hardware at Mon 3 Mar 2025 10:00 NY (first response 30 min, on site 240 min).
    At 14:30 the acknowledgement records both breaches (first response 10:30, on site 14:00);
    then the engineer's arrival at 13:00 is typed in late: the on-site breach is withdrawn."""
    clock.at(ny(2025, 3, 3, 10))
    t = ts.open_ticket(
        customer=acme.customer,
        contact=acme.contact,
        asset=acme.asset,
        subject="PSU failed",
        priority=1,
        category=Category.HARDWARE,
    )
    clock.at(ny(2025, 3, 3, 14, 30))
    ts.acknowledge_ticket(ticket=t, actor=acme.agent)
    ts.record_onsite_arrival(ticket=t, actor=acme.agent, at=ny(2025, 3, 3, 13))
    ts.change_priority(ticket=t, actor=acme.agent, priority=2, reason="one PSU still up")
    return t


def test_the_desk_log_has_every_step(withdrawn, agent_client):
    kinds = [e.kind for e in agent_client.get(f"/desk/tickets/{withdrawn.pk}/").context["events"]]
    assert kinds.count(EventKind.BREACHED) == 3  # first response, on site, restore
    assert EventKind.DEADLINE_MOVED in kinds
    assert withdrawn.events.filter(kind=EventKind.UPDATED, data__breach_withdrawn=True).exists()


def test_the_customer_reads_no_withdrawn_breach_and_no_re_measurement(withdrawn, contact_client):
    response = contact_client.get(f"/portal/tickets/{withdrawn.pk}/")
    events = response.context["events"]
    assert [e.data["metric"] for e in events if e.kind == "breached"] == [
        "first_response",
        "restore",
    ]
    assert not [e for e in events if e.kind in ("deadline_moved", "updated")]
    html = response.content.decode()
    assert "breach withdrawn" not in html
    assert "On-site arrival breached" not in html
    assert "On-site arrival deadline missed" not in html
    assert "First response deadline missed" in html  # the breach that stands, in plain words
    assert "Priority P1 → P2" in html


def test_the_page_explains_business_and_calendar_time(withdrawn, contact_client):
    html = contact_client.get(f"/portal/tickets/{withdrawn.pk}/").content.decode()
    assert 'data-testid="time-legend"' in html
    assert "Business time counts only the hours your contract covers" in html
    assert "ordinary calendar times in your time zone" in html


@pytest.fixture
def monitored(clock, acme):
    clock.at(ny(2025, 3, 3, 10))
    t = ts.open_ticket(
        customer=acme.customer,
        contact=acme.contact,
        asset=acme.asset,
        subject="InstanceDown on acme-srv01",
        description="Labels: alertname=InstanceDown, job=node\nFingerprint: 4f2a",
        channel=Channel.MONITORING,
        priority=2,
    )
    ts.add_comment(
        ticket=t, author=None, body="Monitoring: alert InstanceDown firing", internal=True
    )
    return t


def test_alert_names_never_reach_the_contact(monitored, acme, contact_client):
    """Portal list, ticket page and API read "Monitoring alert on acme-srv01"; no labels."""
    for url in ("/portal/", f"/portal/tickets/{monitored.pk}/", f"/portal/assets/{acme.asset.pk}/"):
        html = contact_client.get(url).content.decode()
        assert "InstanceDown" not in html, url
        assert "Monitoring alert on acme-srv01" in html, url
    assert (
        "alertname" not in contact_client.get(f"/portal/tickets/{monitored.pk}/").content.decode()
    )
    detail = contact_client.get(f"/api/v1/tickets/{monitored.pk}").json()
    assert (detail["subject"], detail["description"]) == ("Monitoring alert on acme-srv01", "")
    listing = contact_client.get("/api/v1/tickets").json()
    assert [t["subject"] for t in listing["items"]] == ["Monitoring alert on acme-srv01"]


def test_staff_read_the_alert_name(monitored, agent_client):
    html = agent_client.get(f"/desk/tickets/{monitored.pk}/").content.decode()
    assert "InstanceDown on acme-srv01" in html
    assert "alertname=InstanceDown" in html
    assert agent_client.get(f"/api/v1/tickets/{monitored.pk}").json()["subject"] == (
        "InstanceDown on acme-srv01"
    )


def test_another_customer_still_gets_404(monitored, globex):
    assert login(globex.contact.user).get(f"/portal/tickets/{monitored.pk}/").status_code == 404
