"""The customer's hours ledger and charges: read-only, its own contracts only (404 else)."""

from __future__ import annotations

from datetime import date

import pytest

from servicepact.billing.commercial import close_month_charges
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
    assert "consumed" in body and f"/portal/charges/{charge.pk}/" in body
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
