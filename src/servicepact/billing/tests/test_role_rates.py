"""Rates per work type and role: a log carries the role it is priced at (by default the
worker's billing role), the month sums keep it, the close prices each (work type, role) at
the role's own rate or else the work type's, and the audit export lets the customer
recompute the extra-work lines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from servicepact.accounts.models import StaffProfile
from servicepact.billing import worksums
from servicepact.billing.charge_rules import WorkGroup, extra_work_lines, rate_for
from servicepact.billing.commercial import close_month_charges, set_rate_card
from servicepact.billing.models import WorkLogAudit
from servicepact.billing.periods import Period
from servicepact.billing.services import edit_work_log, log_work
from servicepact.billing.testing_commerce import shop
from servicepact.core.errors import DomainValidationError
from servicepact.core.testing import ny

pytestmark = pytest.mark.django_db

D = Decimal
JUNE = Period(2025, 6)
RATES = {
    "remote": "100",
    "remote:senior_engineer": "160",
    "on_site": "150",
    "on_site:specialist": "200",
}


def test_a_role_without_a_rate_of_its_own_costs_the_work_types_rate_once():
    """remote:senior 160 is used for a senior; a specialist (no remote rate of that role)
    costs the remote rate 100, never 100 + 160; a work type without any rate costs 0."""
    rates = {("remote", ""): D(100), ("remote", "senior_engineer"): D(160)}
    assert rate_for(rates, "remote", "senior_engineer") == D(160)
    assert rate_for(rates, "remote", "specialist") == D(100)
    assert rate_for(rates, "remote", "") == D(100)
    assert rate_for(rates, "travel", "senior_engineer") == 0
    lines = extra_work_lines(
        [WorkGroup("remote", 60, 0, "specialist"), WorkGroup("remote", 60, 0, "senior_engineer")],
        rates,
        D("1.5"),
        2,
    )
    assert [(x.description, x.unit_price, x.amount) for x in lines] == [
        ("remote, senior_engineer", D(160), D("160.00")),
        ("remote, specialist", D(100), D("100.00")),
    ]


def role_month(clock):
    """June on the shop's contract (3000 a month, 10 h included) with the role card above;
    the agent is a senior engineer by profile. Billable extra work (app-dev):
    * 120 min remote, role from the profile (senior): 2 h x 160 = 320.00;
    * 60 min remote as specialist (no remote specialist rate): 1 h x 100 = 100.00;
    * 30 min on site without a role: 0.5 h x 150 = 75.00;
    * 90 min on site as specialist: 1.5 h x 200 = 300.00.
    Extra work 795.00 + base fee 3000.00 = 3795.00 (no included work, so no overage)."""
    s = shop(clock)
    set_rate_card(version=s.contract.versions.get(number=1), actor=s.manager, rates=RATES,
                  scope=[("app-dev", "Application development", "billable")])  # fmt: skip
    agent = s.world.agent
    StaffProfile.objects.update_or_create(user=agent, defaults={"billing_role": "senior_engineer"})
    clock.at(ny(2025, 6, 30, 20))
    day = date(2025, 6, 2)
    logs = [
        log_work(ticket=s.ticket, user=agent, minutes=120, day=day, category="app-dev"),
        log_work(ticket=s.ticket, user=agent, minutes=60, day=day, category="app-dev",
                 role="specialist"),
        log_work(ticket=s.ticket, user=agent, minutes=30, day=day, category="app-dev",
                 work_type="on_site", role=""),
        log_work(ticket=s.ticket, user=agent, minutes=90, day=day, category="app-dev",
                 work_type="on_site", role="specialist"),
    ]  # fmt: skip
    return s, logs


def test_the_close_prices_each_work_type_and_role(clock):
    s, logs = role_month(clock)
    assert [log.role for log in logs] == ["senior_engineer", "specialist", "", "specialist"]
    assert worksums.stored_sums(JUNE) == worksums.sums_from_logs(JUNE)
    clock.at(ny(2025, 7, 1, 9))
    (charge,) = close_month_charges(contracts=[s.contract], period=JUNE)
    extra = [
        (line.quantity, line.unit_price, line.amount)
        for line in charge.lines.filter(kind="extra_work").order_by("position")
    ]
    assert extra == [
        (D("0.5"), D(150), D("75.00")),
        (D("1.5"), D(200), D("300.00")),
        (D("2.0"), D(160), D("320.00")),
        (D("1.0"), D(100), D("100.00")),
    ]
    assert charge.total == D("3795.00")


def test_an_edited_role_moves_the_minutes_between_month_sums_and_is_audited(clock):
    """The senior's 120 min re-logged as specialist: the month sums follow (no row of the
    old role left for them), the audit keeps both values; an unknown role is a 422."""
    s, logs = role_month(clock)
    edit_work_log(log=logs[0], actor=s.world.agent, role="specialist", reason="wrong grade")
    sums = worksums.stored_sums(JUNE)
    assert sums == worksums.sums_from_logs(JUNE)
    remote = {k[4]: v for k, v in sums.items() if k[3] == "remote"}
    assert remote == {"specialist": (180, 0, 2)}
    audit = WorkLogAudit.objects.filter(work_log_id=logs[0].pk, action="edit").get()
    assert (audit.before["role"], audit.after["role"]) == ("senior_engineer", "specialist")
    with pytest.raises(DomainValidationError) as error:
        log_work(ticket=s.ticket, user=s.world.agent, minutes=10, day=date(2025, 6, 3),
                 role="wizard")  # fmt: skip
    assert "role" in error.value.errors


def test_an_unknown_role_on_the_rate_card_is_refused(clock):
    s = shop(clock)
    with pytest.raises(DomainValidationError) as error:
        set_rate_card(version=s.contract.versions.get(number=1), actor=s.manager,
                      rates={"remote:wizard": "10"})  # fmt: skip
    assert "rates" in error.value.errors


def test_the_portal_and_the_desk_show_the_role_rates(clock):
    """The rate card on the hours pages: a row per work type and role, "any role" for the
    work type's own rate; the work log on the ticket page names its role."""
    from django.test import Client

    s, _logs = role_month(clock)
    contact = Client()
    contact.force_login(s.world.contact.user)
    page = contact.get(f"/portal/contracts/{s.contract.pk}/hours/").content.decode()
    assert "Senior engineer" in page and "160.00 USD" in page and "any role" in page
    staff = Client()
    staff.force_login(s.world.agent)
    desk = staff.get(f"/desk/contracts/{s.contract.pk}/hours/").content.decode()
    assert "Specialist" in desk and "200.00 USD" in desk
    ticket = staff.get(f"/desk/tickets/{s.ticket.pk}/").content.decode()
    assert 'data-testid="role">Senior engineer<' in ticket


def test_the_worklogs_api_takes_and_shows_the_role(clock):
    """Default: the worker's billing role; given: that role; an unknown role: 422 naming it;
    a patch to "" falls back to the work type's rate."""
    from django.test import Client

    s, _logs = role_month(clock)
    staff = Client()
    staff.force_login(s.world.agent)
    body = {"ticket": s.ticket.pk, "minutes": 30, "date": "2025-06-03", "category": "app-dev"}
    default = staff.post("/api/v1/worklogs", body, content_type="application/json")
    assert default.status_code == 201 and default.json()["role"] == "senior_engineer"
    given = staff.post("/api/v1/worklogs", {**body, "role": "specialist"},
                       content_type="application/json")  # fmt: skip
    assert given.json()["role"] == "specialist"
    bad = staff.post("/api/v1/worklogs", {**body, "role": "wizard"},
                     content_type="application/json")  # fmt: skip
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "role"
    log_id = given.json()["id"]
    cleared = staff.patch(f"/api/v1/worklogs/{log_id}", {"role": ""},
                          content_type="application/json")  # fmt: skip
    assert cleared.status_code == 200 and cleared.json()["role"] == ""
