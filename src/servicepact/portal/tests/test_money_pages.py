"""The customer's hours ledger and charges: read-only, its own contracts only (404 else)."""

from __future__ import annotations

from datetime import date

import pytest

from servicepact.billing.commercial import close_month_charges
from servicepact.billing.models import FeeChange
from servicepact.billing.periods import Period
from servicepact.billing.services import log_work
from servicepact.billing.testing_commerce import shop
from servicepact.tickets.testing import login, ny, world

pytestmark = pytest.mark.django_db


def test_a_contact_reads_its_ledger_and_charges_and_not_anothers(clock):
    s = shop(clock)
    other = world(code="globex")
    clock.at(ny(2025, 6, 20, 10))
    log_work(ticket=s.ticket, user=s.world.agent, minutes=120, day=date(2025, 6, 3))
    clock.at(ny(2025, 7, 1, 9))
    (charge,) = close_month_charges(contracts=[s.contract], period=Period(2025, 6))
    mine, stranger = login(s.world.contact.user), login(other.contact.user)
    hours = mine.get(f"/portal/contracts/{s.contract.pk}/hours/")
    body = hours.content.decode()
    assert hours.status_code == 200
    assert "<td>Consumed</td>" in body and f"/portal/charges/{charge.pk}/" in body
    ledger_csv = mine.get(f"/portal/contracts/{s.contract.pk}/hours/", {"format": "csv"}).content
    assert b"included" in ledger_csv and b"-2.00" in ledger_csv
    page = mine.get(f"/portal/charges/{charge.pk}/")
    assert 'data-testid="charge-total">3000.00 USD<' in page.content.decode()
    assert "Approve" not in page.content.decode()
    assert mine.get(f"/portal/charges/{charge.pk}/", {"format": "csv"})["Content-Type"].startswith(
        "text/csv"
    )
    assert stranger.get(f"/portal/charges/{charge.pk}/").status_code == 404
    assert stranger.get(f"/portal/contracts/{s.contract.pk}/hours/").status_code == 404
    assert mine.post(f"/portal/charges/{charge.pk}/").status_code == 405


def test_the_customer_accepts_a_fee_change_in_the_portal_after_the_desk_proposed_it(clock):
    """The agent proposes on the desk, the manager approves, the contact sees it (not
    before) and accepts: a contract version; another customer's contact gets a 404."""
    s = shop(clock)
    other = world(code="globex")
    agent, boss = login(s.world.agent), login(s.manager)
    mine, stranger = login(s.world.contact.user), login(other.contact.user)
    proposed = agent.post(
        f"/desk/contracts/{s.contract.pk}/fee-changes/",
        {"fee-fee_amount": "3600", "fee-included_hours": "12", "fee-effective_from": "2025-08-01",
         "fee-reason": "new hardware"},
    )  # fmt: skip
    assert proposed.status_code == 302
    change = FeeChange.objects.get()
    hours_url = f"/portal/contracts/{s.contract.pk}/hours/"
    assert "new hardware" not in mine.get(hours_url).content.decode()
    assert agent.post(f"/desk/fee-changes/{change.pk}/approve/").status_code == 403
    assert boss.post(f"/desk/fee-changes/{change.pk}/approve/").status_code == 302
    page = mine.get(hours_url).content.decode()
    assert "new hardware" in page and f"/portal/fee-changes/{change.pk}/accept/" in page
    assert stranger.post(f"/portal/fee-changes/{change.pk}/accept/").status_code == 404
    assert mine.post(f"/portal/fee-changes/{change.pk}/accept/").status_code == 302
    change.refresh_from_db()
    assert (change.status, change.version.number) == ("accepted", 2)
    assert mine.post(f"/portal/fee-changes/{change.pk}/decline/").status_code == 409
