"""What the desk pages show: clocks with deadlines in both zones, coverage warnings, the
contract's targets and this month's compliance, an asset's coverage over time."""

from __future__ import annotations

from datetime import date

import pytest

from servicepact.assets.models import Asset
from servicepact.tickets import services as ts
from servicepact.tickets.choices import Category
from servicepact.tickets.testing import world

from .conftest import login, ny

pytestmark = pytest.mark.django_db


def test_ticket_page_shows_each_clock_with_deadlines_in_customer_and_agent_time(
    clock, acme, agent_client
):
    clock.at(ny(2025, 3, 3, 10))
    ticket = ts.open_ticket(
        customer=acme.customer, asset=acme.asset, subject="Disk", priority=1, description="RAID"
    )
    clock.at(ny(2025, 3, 3, 10, 15))
    response = agent_client.get(f"/desk/tickets/{ticket.pk}/")
    html = response.content.decode()
    metrics = [c.metric for c in response.context["clocks"]]
    assert metrics == ["first_response", "on_site", "restore", "resolution"]
    first = response.context["clocks"][0]
    assert (first.elapsed_seconds, first.state, first.tone) == (15 * 60, "running", "on_track")
    # First response: 30 business minutes -> 10:30 New York, 16:30 Berlin.
    assert "Mon 3 Mar, 10:30 America/New_York (UTC-05:00)" in html
    assert "Mon 3 Mar, 16:30 Europe/Berlin (UTC+01:00)" in html
    assert "15m of 30m business time used (50 %)" in html
    assert 'role="progressbar"' in html
    assert "Clock timeline" in html
    assert "RAID" in html


def test_grace_coverage_is_flagged_with_its_explanation(clock):
    clock.at(ny(2025, 3, 3, 10))
    w = world(code="nord", start=date(2024, 1, 1), end=date(2025, 2, 20), grace_days=30)
    ticket = ts.open_ticket(customer=w.customer, asset=w.asset, subject="License server")
    html = login(w.agent).get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "In grace" in html
    assert "the contract expired on 20 Feb 2025" in html
    assert ticket.coverage_explanation in html


def test_grace_coverage_explanation_in_chinese(clock):
    """The explanation is written from the ticket's stored facts in the reader's language."""
    clock.at(ny(2025, 3, 3, 10))
    w = world(code="nord", start=date(2024, 1, 1), end=date(2025, 2, 20), grace_days=30)
    ticket = ts.open_ticket(customer=w.customer, asset=w.asset, subject="License server")
    page = login(w.agent).get(f"/desk/tickets/{ticket.pk}/", headers={"Accept-Language": "zh-Hans"})
    html = page.content.decode()
    assert "处于宽限期：合同已于 2025-02-20 到期；服务按其条款持续至 2025-03-22" in html
    assert ticket.coverage_explanation not in html


def test_out_of_contract_is_flagged(clock, acme, agent_client):
    clock.at(ny(2025, 3, 3, 10))
    spare = Asset.objects.create(customer=acme.customer, hostname="spare01")
    ticket = ts.open_ticket(customer=acme.customer, asset=spare, subject="Old box")
    html = agent_client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "Out of contract" in html
    assert "no SLA applies" in html
    assert "No SLA clocks" in html


def test_internal_comments_and_events_show_on_the_desk(clock, acme, agent_client):
    clock.at(ny(2025, 3, 3, 10))
    ticket = ts.open_ticket(customer=acme.customer, asset=acme.asset, subject="Disk")
    ts.assign_ticket(ticket=ticket, actor=acme.agent, assignee=acme.agent)
    ts.add_comment(ticket=ticket, author=acme.agent, body="Cost centre 42", internal=True)
    html = agent_client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "Cost centre 42" in html
    assert "Assigned to acme-agent" in html


def test_contract_page_shows_targets_per_priority_and_this_months_compliance(
    clock, acme, agent_client
):
    clock.at(ny(2025, 3, 3, 10))
    met = ts.open_ticket(
        customer=acme.customer, asset=acme.asset, subject="a", priority=3, category=Category.NETWORK
    )
    clock.at(ny(2025, 3, 3, 10, 30))
    ts.acknowledge_ticket(ticket=met, actor=acme.agent)  # within 120 min: met
    clock.at(ny(2025, 3, 4, 9))
    late = ts.open_ticket(
        customer=acme.customer, asset=acme.asset, subject="b", priority=1, category=Category.NETWORK
    )
    clock.at(ny(2025, 3, 4, 10))  # 60 of 30 minutes: breached and still running
    response = agent_client.get(f"/desk/contracts/{acme.contract.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    rows = response.context["target_rows"]
    assert [r["priority"] for r in rows] == [1, 2, 3, 4]
    assert rows[0]["cells"][0]["term"].target_seconds == 30 * 60
    assert rows[3]["cells"][1]["term"] is None  # no on-site target for P4
    compliance = {m.metric: m for m in response.context["compliance"]}
    first = compliance["first_response"]
    assert (first.total, first.met, first.breached, first.open) == (2, 1, 1, 0)
    assert first.percent == 50.0
    assert compliance["resolution"].open == 2
    assert "Compliance in March 2025 so far" in html
    assert late.number in html  # the open tickets table lists both
    assert met.number in html


def test_asset_page_shows_coverage_over_time_and_ticket_history(clock, acme, agent_client):
    clock.at(ny(2025, 3, 3, 10))
    ticket = ts.open_ticket(customer=acme.customer, asset=acme.asset, subject="Disk")
    response = agent_client.get(f"/desk/assets/{acme.asset.pk}/")
    html = response.content.decode()
    assert response.context["coverage"].status == "active"
    row = response.context["bars"]["rows"][0]
    assert (row["line"].contract, row["status"], row["end"]) == (
        acme.contract,
        "active",
        date(2026, 12, 31),
    )
    assert "1 Jan 2025" in html and "31 Dec 2026" in html
    assert ticket.number in html


def test_customer_page_lists_sites_contacts_contracts_assets_and_open_tickets(
    clock, acme, agent_client
):
    clock.at(ny(2025, 3, 3, 10))
    ticket = ts.open_ticket(customer=acme.customer, asset=acme.asset, subject="Disk")
    html = agent_client.get(f"/desk/customers/{acme.customer.pk}/").content.decode()
    for text in ("HQ", acme.contact.name, acme.contract.number, acme.asset.hostname, ticket.number):
        assert text in html, text


def test_lists_of_customers_and_contracts(clock, acme, globex, agent_client):
    clock.at(ny(2025, 3, 3, 10))
    customers = agent_client.get("/desk/customers/").content.decode()
    assert "Acme" in customers and "Globex" in customers
    contracts = agent_client.get("/desk/contracts/").content.decode()
    assert acme.contract.number in contracts and globex.contract.number in contracts
