"""Credit rules: availability tiers, per-breach credits, the cap, the monthly fee.

The month is ``billing.testing.june_month`` (fee 3000 USD a month; tiers <99.95 -> 5 %,
<99.9 -> 10 %, <99 -> 25 %; P1 on site 2 %, P1 first response 1 %, P1 restore 1.5 % per
breach; cap 30 %).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from servicepact.billing import availability as availability_module
from servicepact.billing.credits import BreachFact, draft_credit, monthly_fee
from servicepact.billing.models import CreditSchedule
from servicepact.billing.schedules import ScheduleTerms
from servicepact.billing.services import compute_period_credits, set_credit_schedule
from servicepact.billing.testing import june_month, ny
from servicepact.contracts.models import Contract
from servicepact.contracts.services import amend_contract

pytestmark = pytest.mark.django_db

D = Decimal
TERMS = ScheduleTerms(
    version_id=1,
    label="C-1 v1",
    cap_percent=D("30"),
    claim_window_days=30,
    tiers=((D("99"), D("25")), (D("99.9"), D("10")), (D("99.95"), D("5"))),
    breach={("on_site", 1): D("2"), ("first_response", 1): D("1"), ("restore", 1): D("1.5")},
)


def breach(metric: str, priority: int = 1, number: str = "SP-000001") -> BreachFact:
    return BreachFact(1, number, metric, priority, 1, datetime(2025, 6, 2, tzinfo=UTC), 60)


def lines_of(credit):
    return [
        (line.rule, line.ticket_number, line.metric, line.percent, line.amount, line.excluded)
        for line in credit.lines.all()
    ]


@pytest.fixture(autouse=True)
def _no_monitoring(monkeypatch):
    """Availability comes from the monitoring app; these tests are about the ticket rules."""
    monkeypatch.setattr(availability_module, "contract_availability", None)


@pytest.mark.parametrize(
    ("availability", "percent", "amount"),
    [
        ("100", None, None),
        ("99.9600", None, None),
        ("99.9500", None, None),  # not below 99.95
        ("99.9499", "5", "150.00"),
        ("99.9000", "5", "150.00"),  # not below 99.9
        ("99.8999", "10", "300.00"),
        ("99.0000", "10", "300.00"),
        ("98.9999", "25", "750.00"),
    ],
)
def test_availability_tier_is_the_most_severe_one_below(availability, percent, amount):
    """Tiers do not add up: availability strictly below a threshold earns that tier, and of
    several the lowest threshold (the highest credit) wins; 3000 a month."""
    draft = draft_credit(
        fee=D("3000.00"),
        schedule=TERMS,
        schedules={1: TERMS},
        availability=D(availability),
        availability_note="",
        breaches=[],
    )
    if percent is None:
        assert draft.lines == ()
    else:
        (line,) = draft.lines
        assert (line.rule, line.percent, line.amount) == ("availability", D(percent), D(amount))
        assert line.description.startswith(f"availability {D(availability).normalize():f} % below")


def test_breach_credits_per_metric_and_priority_and_nothing_for_unlisted_ones():
    """P1 on site 2 % = 60.00, P1 restore 1.5 % = 45.00, P1 first response 1 % = 30.00 of
    3000; a P1 resolution or a P2 on-site breach has no rule, hence no line."""
    draft = draft_credit(
        fee=D("3000.00"),
        schedule=TERMS,
        schedules={1: TERMS},
        availability=None,
        availability_note="",
        breaches=[
            breach("on_site"),
            breach("restore"),
            breach("first_response"),
            breach("resolution"),
            breach("on_site", priority=2),
        ],
    )
    assert [(x.metric, x.percent, x.amount) for x in draft.lines] == [
        ("on_site", D("2"), D("60.00")),
        ("restore", D("1.5"), D("45.00")),
        ("first_response", D("1"), D("30.00")),
    ]
    assert (draft.percent, draft.amount) == (D("4.5"), D("135.00"))
    assert (
        draft.lines[0].description == "P1 On-site arrival breach: 2 % per breach (schedule C-1 v1)"
    )


def test_cap_brings_the_total_down_to_exactly_the_cap():
    """25 % (availability 98 %) + 2 + 1.5 + 1 = 29.5 %: under a 30 % cap nothing changes;
    under a 10 % cap a cap line of -19.5 % = -585.00 leaves exactly 300.00."""
    common = {
        "fee": D("3000.00"),
        "availability": D("98"),
        "availability_note": "",
        "breaches": [breach("on_site"), breach("restore"), breach("first_response")],
    }
    uncapped = draft_credit(schedule=TERMS, schedules={1: TERMS}, **common)
    assert (uncapped.percent, uncapped.amount, len(uncapped.lines)) == (D("29.5"), D("885.00"), 4)
    low_cap = ScheduleTerms(**{**TERMS.__dict__, "cap_percent": D("10")})
    capped = draft_credit(schedule=low_cap, schedules={1: low_cap}, **common)
    cap = capped.lines[-1]
    assert (cap.rule, cap.percent, cap.amount) == ("cap", D("-19.5"), D("-585.00"))
    assert (capped.percent, capped.amount) == (D("10"), D("300.00"))


@pytest.mark.parametrize(
    ("fee", "period", "expected"),
    [
        ("3000", "monthly", "3000.00"),
        ("9000", "quarterly", "3000.00"),
        ("36000", "yearly", "3000.00"),
        ("1000", "quarterly", "333.33"),
        ("1000", "yearly", "83.33"),
    ],
)
def test_monthly_fee_divides_quarterly_and_yearly_fees(fee, period, expected):
    """The credit base is one month's fee: quarterly / 3, yearly / 12, rounded to the cent."""
    contract = Contract(fee_amount=D(fee), fee_period=period)
    assert monthly_fee(contract) == D(expected)


def test_june_credits_per_breach_with_force_majeure_kept_at_zero(clock):
    """June: T1 on site 60.00, T1 restore 45.00, T2 first response 30.00; T4's on-site and
    restore breaches are force majeure (0.00, reason kept). Total 4.5 % = 135.00 USD,
    claims until 30 Jul (30 days after 30 Jun)."""
    june = june_month(clock)
    credit = compute_period_credits(contract=june.contract, period="2025-06")
    t1, t2, t4 = (june.tickets[k].number for k in ("T1", "T2", "T4"))
    assert lines_of(credit) == [
        ("breach", t1, "on_site", D("2.00"), D("60.00"), False),
        ("breach", t1, "restore", D("1.50"), D("45.00"), False),
        ("breach", t2, "first_response", D("1.00"), D("30.00"), False),
        ("breach", t4, "on_site", D("0.00"), D("0.00"), True),
        ("breach", t4, "restore", D("0.00"), D("0.00"), True),
    ]
    assert credit.lines.get(position=4).exclusion_reason == "force majeure: Street flood"
    assert (credit.status, credit.computed_percent, credit.computed_amount) == (
        "computed",
        D("4.50"),
        D("135.00"),
    )
    assert (credit.currency, credit.monthly_fee, credit.approved_amount) == (
        "USD",
        D("3000.00"),
        None,
    )
    assert credit.claim_deadline == date(2025, 7, 30)


def test_june_credits_with_a_low_cap(clock):
    """A 3 % cap turns 4.5 % (135.00) into 3 % = 90.00 with a cap line of -45.00."""
    june = june_month(clock, cap="3")
    credit = compute_period_credits(contract=june.contract, period="2025-06")
    cap = credit.lines.last()
    assert (cap.rule, cap.percent, cap.amount) == ("cap", D("-1.50"), D("-45.00"))
    assert (
        cap.description == "cap 3 % of the monthly fee: 4.5 % reduced to 3 % (schedule ACME-1 v1)"
    )
    assert (credit.computed_percent, credit.computed_amount) == (D("3.00"), D("90.00"))


def test_quarterly_fee_gives_the_same_june_credits(clock):
    """9000 a quarter is 3000 a month: the same 135.00."""
    june = june_month(clock, fee="9000", fee_period="quarterly")
    credit = compute_period_credits(contract=june.contract, period="2025-06")
    assert (credit.monthly_fee, credit.computed_amount) == (D("3000.00"), D("135.00"))


def test_without_a_schedule_there_are_no_credits(clock):
    """A contract version with no credit schedule owes nothing: 0.00, no lines, no claim
    deadline."""
    june = june_month(clock)
    CreditSchedule.objects.all().delete()
    credit = compute_period_credits(contract=june.contract, period="2025-06")
    assert (credit.computed_amount, credit.lines.count(), credit.claim_deadline) == (
        D("0.00"),
        0,
        None,
    )


def test_an_amendment_without_its_own_schedule_keeps_the_previous_one(clock):
    """v2 (from 1 Jun) has no schedule: v1's carries over, so June is unchanged. Giving v2
    its own schedule (P1 on site 5 %, no tiers, no cap) changes nothing either: the June
    tickets are measured, and credited, under v1, the version in force when they opened."""
    june = june_month(clock)
    v2 = amend_contract(
        contract=june.contract, effective_from=ny(2025, 6, 1), reason="New year of service"
    )
    credit = compute_period_credits(contract=june.contract, period="2025-06")
    assert credit.computed_amount == D("135.00")
    set_credit_schedule(
        version=v2, breach_credits=[{"metric": "on_site", "priority": 1, "credit_percent": "5"}]
    )
    credit = compute_period_credits(contract=june.contract, period="2025-06")
    assert credit.computed_amount == D("135.00")
    assert credit.lines.first().description.endswith("(schedule ACME-1 v1)")
