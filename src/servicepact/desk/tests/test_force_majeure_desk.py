"""Force majeure from the contract page: who, when and why are kept, and the month's stored
credits (while still computed) are recomputed at once by the schedule's force-majeure rule.

The June 2025 data set (billing.testing) owes 135.00 USD: T1 on site 60.00 (2 %), T1 restore
45.00 (1.5 %), T2 first response 30.00 (1 %); T4's two breaches are already force majeure.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from servicepact.billing.models import CreditAudit, ForceMajeure, PeriodCredit
from servicepact.billing.services import approve_credits, compute_period_credits
from servicepact.billing.testing import june_month, ny
from servicepact.monitoring.services import record_outage

from .conftest import login

pytestmark = pytest.mark.django_db

D = Decimal


def url(june) -> str:
    return f"/desk/contracts/{june.contract.pk}/force-majeure/"


def lines(credit):
    return [(x.ticket_number, x.metric, x.amount, x.exclusion_reason) for x in credit.lines.all()]


@pytest.fixture
def june(clock):
    june = june_month(clock)
    compute_period_credits(contract=june.contract, period="2025-06")
    return june


def test_a_day_of_force_majeure_takes_t2s_breach_out_of_the_computed_credit(june, clock):
    """Tue 3 Jun 00:00 -> Wed 4 Jun 00:00 New York, typed in the manager's zone (UTC:
    04:00 -> 04:00). T2 was opened inside it: its 30.00 becomes 0.00 with the reason, and
    the credit drops from 135.00 to exactly 105.00; T1 (2 Jun) still counts."""
    response = login(june.manager).post(
        url(june),
        {"fm-reason": "Regional power cut", "fm-starts_at": "2025-06-03T04:00",
         "fm-ends_at": "2025-06-04T04:00"},
    )  # fmt: skip
    assert response.status_code == 302
    credit = PeriodCredit.objects.get(contract=june.contract, period="2025-06")
    assert credit.computed_amount == D("105.00")
    t2 = june.tickets["T2"].number
    assert (t2, "first_response", D("0.00"), "force majeure: Regional power cut") in lines(credit)
    flag = ForceMajeure.objects.get(reason="Regional power cut")
    assert (flag.starts_at, flag.ends_at, flag.flagged_by, flag.flagged_at, flag.ticket) == (
        ny(2025, 6, 3),
        ny(2025, 6, 4),
        june.manager,
        ny(2025, 7, 1, 12),
        None,
    )
    audit = CreditAudit.objects.filter(credit=credit).order_by("id").last()
    assert (audit.action, audit.actor, audit.before["computed_amount"]) == (
        "recompute",
        june.manager,
        "135.00",
    )


def test_a_whole_month_of_force_majeure_leaves_no_breach_credit(june):
    """The month 2025-06 in the customer's zone covers every June breach: 0.00 owed, each
    line kept at 0 with the reason."""
    response = login(june.manager).post(url(june), {"fm-reason": "War", "fm-month": "2025-06"})
    assert response.status_code == 302
    credit = PeriodCredit.objects.get(contract=june.contract, period="2025-06")
    assert credit.computed_amount == D("0.00")
    t1, t2 = june.tickets["T1"].number, june.tickets["T2"].number
    assert [(n, m, a) for n, m, a, _r in lines(credit) if n in (t1, t2)] == [
        (t1, "on_site", D("0.00")),
        (t1, "restore", D("0.00")),
        (t2, "first_response", D("0.00")),
    ]
    flag = ForceMajeure.objects.get(reason="War")
    assert (flag.starts_at, flag.ends_at) == (ny(2025, 6, 1), ny(2025, 7, 1))


def test_a_ticket_flagged_from_the_desk_loses_its_credits(june):
    """T1 by number: its 60.00 + 45.00 go, 30.00 (T2) remains."""
    number = june.tickets["T1"].number
    response = login(june.manager).post(url(june), {"fm-reason": "Vandalism", "fm-ticket": number})
    assert response.status_code == 302
    credit = PeriodCredit.objects.get(contract=june.contract, period="2025-06")
    assert credit.computed_amount == D("30.00")


def test_an_agent_may_not_declare_force_majeure(june):
    """Staff without the manager or billing role: 403, nothing stored, 135.00 still owed."""
    response = login(june.world.agent).post(
        url(june), {"fm-reason": "Storm", "fm-month": "2025-06"}
    )
    assert response.status_code == 403
    assert ForceMajeure.objects.filter(reason="Storm").count() == 0
    credit = PeriodCredit.objects.get(contract=june.contract, period="2025-06")
    assert credit.computed_amount == D("135.00")


def test_a_contact_does_not_see_the_desk_action(june):
    response = login(june.world.contact.user).post(
        url(june), {"fm-reason": "x", "fm-month": "2025-06"}
    )
    assert response.status_code == 404
    assert ForceMajeure.objects.count() == 1  # T4's, from the data set


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"fm-reason": " ", "fm-month": "2025-06"}, "reason"),
        ({"fm-reason": "Storm"}, "ticket"),
        ({"fm-reason": "Storm", "fm-month": "2025-13"}, "month"),
        (
            {"fm-reason": "Storm", "fm-month": "2025-06", "fm-starts_at": "2025-06-03T04:00"},
            "month",
        ),
        ({"fm-reason": "Storm", "fm-ticket": "SP-999999"}, "ticket"),
        (
            {
                "fm-reason": "Storm",
                "fm-starts_at": "2025-06-04T04:00",
                "fm-ends_at": "2025-06-03T04:00",
            },
            "ends_at",
        ),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_stores_nothing(june, data, field):
    response = login(june.manager).post(url(june), data)
    assert response.status_code == 422
    assert field in response.context["fm_form"].errors
    assert ForceMajeure.objects.count() == 1
    credit = PeriodCredit.objects.get(contract=june.contract, period="2025-06")
    assert (credit.computed_amount, credit.audit.count()) == (D("135.00"), 1)


def test_a_decided_credit_is_not_recomputed(june):
    """Approved credits stay as decided (a manager adjusts them); the flag is still kept."""
    credit = PeriodCredit.objects.get(contract=june.contract, period="2025-06")
    approve_credits(credit=credit, actor=june.manager, reason="agreed")
    response = login(june.manager).post(url(june), {"fm-reason": "War", "fm-month": "2025-06"})
    assert response.status_code == 302
    credit.refresh_from_db()
    assert (credit.status, credit.computed_amount, credit.approved_amount) == (
        "approved",
        D("135.00"),
        D("135.00"),
    )
    assert ForceMajeure.objects.filter(reason="War").count() == 1


def test_the_contract_page_lists_declarations_with_who_and_why(june):
    page = login(june.manager).get(f"/desk/contracts/{june.contract.pk}/").content.decode()
    assert "Street flood" in page and "acme-manager" in page
    assert 'data-action="force-majeure"' in page


def test_the_admin_cannot_add_force_majeure(june):
    """The admin is a window: adding there is refused (403), not a 500."""
    june.manager.is_superuser = True
    june.manager.save()
    response = login(june.manager).get("/admin/billing/forcemajeure/add/")
    assert response.status_code == 403


def test_force_majeure_over_an_outage_takes_the_availability_credit_away(june, clock):
    """Three hours down on Tue 10 June 12:00-15:00 NY: 1 - 10,800 / 2,592,000 = 99.5833 %,
    below 99.9 -> the 10 % tier, 300.00: 135.00 + 300.00 = 435.00. Declaring 10 June 12:00
    to 15:00 force majeure removes the downtime: 100 %, no tier, back to exactly 135.00."""
    record_outage(
        asset=june.world.asset,
        started_at=ny(2025, 6, 10, 12),
        ended_at=ny(2025, 6, 10, 15),
        reason="UPS failure",
    )
    before = compute_period_credits(contract=june.contract, period="2025-06")
    assert before.computed_amount == D("435.00")
    response = login(june.manager).post(
        url(june),
        {"fm-reason": "Grid failure", "fm-starts_at": "2025-06-10T16:00",
         "fm-ends_at": "2025-06-10T19:00"},
    )  # fmt: skip
    assert response.status_code == 302
    after = PeriodCredit.objects.get(pk=before.pk)
    assert after.computed_amount == D("135.00")
    assert not after.lines.filter(rule="availability", amount__gt=0).exists()
