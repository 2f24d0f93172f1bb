"""Desk pages of the money: a contract's scope, hours ledger and conversions; the charges
list and a charge approved to final by a manager (an agent sees no button and gets a 403)."""

from __future__ import annotations

from datetime import date

import pytest

from servicepact.billing.commercial import close_month_charges
from servicepact.billing.models import HoursConversion, HoursEntry, WorkLog, WorkLogAudit
from servicepact.billing.periods import Period
from servicepact.billing.services import log_work
from servicepact.billing.testing_commerce import shop
from servicepact.tickets.testing import login, ny

pytestmark = pytest.mark.django_db


def test_hours_page_shows_scope_ledger_and_takes_a_conversion_a_manager_approves(clock):
    s = shop(clock)
    clock.at(ny(2025, 6, 20, 10))
    log_work(ticket=s.ticket, user=s.world.agent, minutes=180, day=date(2025, 6, 3))
    agent, boss = login(s.world.agent), login(s.manager)
    url = f"/desk/contracts/{s.contract.pk}/hours/"
    page = agent.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Application development" in body and "Billable extra work" in body
    assert 'data-testid="remaining">7.00<' in body  # 10 h - 3 h logged
    asked = agent.post(
        url + "convert/", {"conv-period": "2025-06", "conv-hours": "2", "conv-reason": "dev"}
    )
    assert asked.status_code == 302
    conversion = HoursConversion.objects.get()
    refused = agent.post(f"/desk/conversions/{conversion.pk}/approve/")
    assert refused.status_code == 403
    assert boss.post(f"/desk/conversions/{conversion.pk}/approve/").status_code == 302
    assert HoursEntry.objects.filter(kind="converted").count() == 2
    bad = boss.post(
        url + "adjust/",
        {"adj-period": "2025-06", "adj-hours": "1", "adj-bucket": "maintenance", "adj-reason": ""},
    )
    assert bad.status_code == 422
    csv = agent.get(url, {"format": "csv"})
    assert b"converted" in csv.content


def test_charges_are_listed_and_approved_by_a_manager_only(clock):
    s = shop(clock)
    clock.at(ny(2025, 7, 1, 9))
    (charge,) = close_month_charges(contracts=[s.contract], period=Period(2025, 6))
    agent, boss = login(s.world.agent), login(s.manager)
    listing = agent.get("/desk/charges/", {"status": "draft"})
    assert s.contract.number in listing.content.decode()
    detail = agent.get(f"/desk/charges/{charge.pk}/")
    assert "Approve: make final" not in detail.content.decode()
    assert agent.post(f"/desk/charges/{charge.pk}/").status_code == 403
    assert boss.post(f"/desk/charges/{charge.pk}/").status_code == 302
    final = boss.get(f"/desk/charges/{charge.pk}/").content.decode()
    assert 'data-testid="charge-status">final<' in final
    pdf = boss.get(f"/desk/charges/{charge.pk}/", {"format": "pdf"})
    assert pdf.content.startswith(b"%PDF")


def test_the_ticket_page_logs_work_with_a_start_and_deletes_it_audited(clock):
    """17:00 for 120 minutes on the 09-18 calendar: "60 min out of hours"; deleting leaves
    an audit row with the values."""
    s = shop(clock)
    clock.at(ny(2025, 6, 2, 20))
    agent = login(s.world.agent)
    posted = agent.post(
        f"/desk/tickets/{s.ticket.pk}/worklogs/",
        {"work-user": s.world.agent.pk, "work-date": "2025-06-02", "work-start": "17:00",
         "work-minutes": "120", "work-work_type": "remote", "work-category": "os-support",
         "work-billable": "on"},
    )  # fmt: skip
    assert posted.status_code == 302
    log = WorkLog.objects.get()
    assert (log.out_of_hours_minutes, log.category) == (60, "os-support")
    page = agent.get(f"/desk/tickets/{s.ticket.pk}/").content.decode()
    assert "60 min out of hours" in page
    gone = agent.post(f"/desk/tickets/{s.ticket.pk}/worklogs/{log.pk}/delete/", {"reason": "dup"})
    assert gone.status_code == 302
    assert not WorkLog.objects.exists()
    audit = WorkLogAudit.objects.get(action="delete")
    assert (audit.before["minutes"], audit.reason) == (120, "dup")
