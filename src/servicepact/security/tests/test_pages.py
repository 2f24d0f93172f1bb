"""Desk and portal pages: deadlines listed, state actions, accepted-risk sign-off, tenancy."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from servicepact.core.testing import utc
from servicepact.security import services
from servicepact.security.testing import advisory_args, secured
from servicepact.tickets.testing import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(clock):
    clock.at(utc(2025, 6, 2, 10))
    w = world(code="acme")
    secured(w)
    advisory = services.create_advisory(**advisory_args("critical"))
    w.vuln = services.report_vulnerability(advisory=advisory, contract=w.contract, assets=[w.asset])
    w.audit = services.schedule_audit(contract=w.contract, kind="pentest", due_on=date(2025, 6, 1))
    w.finding = services.add_finding(
        audit=w.audit, title="Open SMB share", severity="high", actor=w.agent
    )
    w.other = world(code="globex")
    return w


def login(who):
    client = Client()
    client.force_login(who)
    return client


def test_desk_lists_vulnerabilities_with_deadlines_and_acts(w):
    agent = login(w.agent)
    page = agent.get("/desk/security/").content.decode()
    assert w.vuln.number in page and "CVE-2024-6387" in page
    detail = agent.get(f"/desk/security/vulnerabilities/{w.vuln.pk}/").content.decode()
    assert "Mark patched" in detail and "Record the mitigation" in detail
    response = agent.post(
        f"/desk/security/items/vulnerability/{w.vuln.pk}/mitigate/", {"text": "ACL"}
    )
    assert response.status_code == 302
    w.vuln.refresh_from_db()
    assert (w.vuln.state, w.vuln.mitigation) == ("mitigated", "ACL")
    empty = agent.post(
        f"/desk/security/items/vulnerability/{w.vuln.pk}/false-positive/", {"text": ""}
    )
    assert empty.status_code == 422
    assert (
        agent.post(f"/desk/security/items/vulnerability/{w.vuln.pk}/accept-risk/", {}).status_code
        == 404
    )
    assert agent.post(f"/desk/security/items/vulnerability/{w.vuln.pk}/patch/").status_code == 302
    w.vuln.refresh_from_db()
    assert w.vuln.state == "patched"
    again = agent.post(f"/desk/security/items/vulnerability/{w.vuln.pk}/patch/")
    assert again.status_code == 409


def test_desk_audit_pages(w):
    agent = login(w.agent)
    assert w.audit.number in agent.get("/desk/security/audits/").content.decode()
    page = agent.get(f"/desk/security/audits/{w.audit.pk}/").content.decode()
    assert w.finding.number in page
    agent.post(f"/desk/security/audits/{w.audit.pk}/done/", {"performed_on": "2025-06-02"})
    w.audit.refresh_from_db()
    assert w.audit.status == "done"
    assert agent.get(f"/desk/security/findings/{w.finding.pk}/").status_code == 200


def test_contacts_have_no_desk(w):
    assert login(w.contact.user).get("/desk/security/").status_code in (302, 404)


def test_portal_lists_the_customers_items_and_accepts_the_risk(w):
    contact = login(w.contact.user)
    page = contact.get("/portal/security/").content.decode()
    assert w.vuln.number in page and w.finding.number in page
    detail = contact.get(f"/portal/security/vulnerability/{w.vuln.pk}/").content.decode()
    assert "Accept the risk" in detail
    refused = contact.post(f"/portal/security/vulnerability/{w.vuln.pk}/accept-risk/", {"note": ""})
    assert refused.status_code == 422
    ok = contact.post(
        f"/portal/security/vulnerability/{w.vuln.pk}/accept-risk/", {"note": "Test VM"}
    )
    assert ok.status_code == 302
    w.vuln.refresh_from_db()
    assert (w.vuln.state, w.vuln.clock_status) == ("accepted_risk", "paused")
    again = contact.post(f"/portal/security/vulnerability/{w.vuln.pk}/accept-risk/", {"note": "x"})
    assert again.status_code == 409
    ok = contact.post(
        f"/portal/security/finding/{w.finding.pk}/accept-risk/", {"note": "Temporary"}
    )
    assert ok.status_code == 302


def test_portal_tenancy_is_a_404(w):
    stranger = login(w.other.contact.user)
    assert w.vuln.number not in stranger.get("/portal/security/").content.decode()
    assert stranger.get(f"/portal/security/vulnerability/{w.vuln.pk}/").status_code == 404
    assert stranger.get(f"/portal/security/finding/{w.finding.pk}/").status_code == 404
    assert stranger.get(f"/portal/security/audit/{w.audit.pk}/").status_code == 404
    response = stranger.post(
        f"/portal/security/vulnerability/{w.vuln.pk}/accept-risk/", {"note": "x"}
    )
    assert response.status_code == 404
    w.vuln.refresh_from_db()
    assert w.vuln.state == "open"
