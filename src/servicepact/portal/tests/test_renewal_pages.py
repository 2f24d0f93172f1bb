"""Renewal proposals in the desk (prepare, approve and send) and the portal (accept or
decline with a note), and the renewal risk on the provider dashboard."""

from __future__ import annotations

from datetime import date

import pytest

from servicepact.billing.models import RenewalProposal
from servicepact.billing.testing_commerce import shop
from servicepact.contracts.models import Contract
from servicepact.tickets.testing import login, ny, world

pytestmark = pytest.mark.django_db


def test_desk_prepares_manager_sends_contact_accepts_in_the_portal(clock):
    s = shop(clock)
    Contract.objects.filter(pk=s.contract.pk).update(end_date=date(2025, 12, 31))
    other = world(code="globex")
    clock.at(ny(2025, 11, 3, 10))
    agent, boss = login(s.world.agent), login(s.manager)
    contact, stranger = login(s.world.contact.user), login(other.contact.user)
    desk = f"/desk/contracts/{s.contract.pk}/hours/"
    assert "Prepare a renewal proposal" in agent.get(desk).content.decode()
    bad = agent.post(
        f"/desk/contracts/{s.contract.pk}/renewals/",
        {"renew-end_date": "2025-01-01", "renew-fee_amount": "3000"},
    )
    assert bad.status_code == 422
    made = agent.post(
        f"/desk/contracts/{s.contract.pk}/renewals/",
        {"renew-end_date": "2026-12-31", "renew-fee_amount": "3100", "renew-note": "same"},
    )
    assert made.status_code == 302
    proposal = RenewalProposal.objects.get()
    portal = f"/portal/contracts/{s.contract.pk}/hours/"
    assert "2026-12-31" not in contact.get(portal).content.decode()  # not sent yet
    assert agent.post(f"/desk/renewals/{proposal.pk}/send/").status_code == 403
    assert boss.post(f"/desk/renewals/{proposal.pk}/send/").status_code == 302
    page = contact.get(portal).content.decode()
    assert "2026-12-31" in page and f"/portal/renewals/{proposal.pk}/accept/" in page
    assert stranger.post(f"/portal/renewals/{proposal.pk}/accept/").status_code == 404
    assert (
        contact.post(f"/portal/renewals/{proposal.pk}/accept/", {"note": "yes"}).status_code == 302
    )
    assert contact.post(f"/portal/renewals/{proposal.pk}/decline/").status_code == 409
    s.contract.refresh_from_db()
    assert s.contract.end_date == date(2026, 12, 31)


def test_portal_decline_leaves_the_contract(clock):
    s = shop(clock)
    Contract.objects.filter(pk=s.contract.pk).update(end_date=date(2025, 12, 31))
    clock.at(ny(2025, 11, 3, 10))
    login(s.world.agent).post(
        f"/desk/contracts/{s.contract.pk}/renewals/",
        {"renew-end_date": "2026-12-31", "renew-fee_amount": "3100"},
    )
    proposal = RenewalProposal.objects.get()
    login(s.manager).post(f"/desk/renewals/{proposal.pk}/send/")
    contact = login(s.world.contact.user)
    answer = contact.post(f"/portal/renewals/{proposal.pk}/decline/", {"note": "no budget"})
    assert answer.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.answer_note) == ("declined", "no budget")
    s.contract.refresh_from_db()
    assert s.contract.end_date == date(2025, 12, 31)


def test_dashboard_lists_renewal_risk_with_reasons(clock):
    s = shop(clock)
    Contract.objects.filter(pk=s.contract.pk).update(end_date=date(2025, 8, 31))
    html = login(s.world.agent).get("/reports/dashboard/").content.decode()
    assert 'data-testid="renewal-risk"' in html
    section = html.split('data-testid="renewal-risk"')[1]
    assert s.contract.number in section and "Hours underused" in section
