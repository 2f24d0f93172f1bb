"""CSAT in the monthly statement, on the dashboard and in renewal risk."""

from __future__ import annotations

from datetime import date

import pytest

from servicepact.aftercare.csat import recent_csat, statement_section
from servicepact.aftercare.services import answer_survey
from servicepact.aftercare.testing import (
    manager,  # noqa: F401 (fixture)
    resolved,
)
from servicepact.billing.renewal_risk import renewal_risks
from servicepact.contracts.models import Contract
from servicepact.core.testing import ny
from servicepact.reports.statement import build_statement
from servicepact.tickets.testing import login, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(db):
    return world(code="acme")


@pytest.fixture
def globex(db):
    return world(code="globex", tz="Asia/Shanghai")


def rate(w, clock, day, score, at_day=None, subject="t"):
    ticket = resolved(w, clock, ny(2025, 6, day, 9), ny(2025, 6, day, 15), subject=subject)
    clock.at(ny(2025, 6 if at_day is None else 7, at_day or day, 16))
    return answer_survey(ticket=ticket, score=score)


def test_statement_mean_and_distribution_by_hand(acme, globex, clock):
    """June: scores 5, 4, 4, 2 -> 4 responses, mean 15/4 = 3.75, distribution 1:0 2:1 3:0
    4:2 5:1. A survey answered 1 Jul (for a June ticket) counts in July, not June;
    Globex's 1 never counts for Acme."""
    for day, score in ((2, 5), (3, 4), (4, 4), (5, 2)):
        rate(acme, clock, day, score, subject=f"t{day}")
    rate(acme, clock, 6, 1, at_day=1, subject="late")
    rate(globex, clock, 2, 1)
    clock.at(ny(2025, 7, 2, 9))
    section = build_statement(acme.contract, "2025-06")["satisfaction"]
    assert section == {
        "responses": 4,
        "mean": "3.75",
        "distribution": [
            {"score": 1, "count": 0},
            {"score": 2, "count": 1},
            {"score": 3, "count": 0},
            {"score": 4, "count": 2},
            {"score": 5, "count": 1},
        ],
    }
    july = build_statement(acme.contract, "2025-07")["satisfaction"]
    assert (july["responses"], july["mean"]) == (1, "1.00")


def test_a_month_without_surveys_has_no_mean(acme, clock):
    clock.at(ny(2025, 7, 2, 9))
    start, end = ny(2025, 6, 1), ny(2025, 7, 1)
    assert statement_section(acme.contract.pk, start, end)["mean"] is None


def test_the_statement_page_shows_the_section(acme, clock):
    rate(acme, clock, 2, 5)
    clock.at(ny(2025, 7, 2, 9))
    page = login(acme.agent).get(
        f"/reports/desk/contracts/{acme.contract.pk}/statement/?period=2025-06"
    )
    assert page.status_code == 200
    assert "Customer satisfaction" in page.content.decode()


def test_dashboard_figures_last_30_days(acme, clock):
    """Three tickets resolved in June, two rated (5 and 2): mean 3.50, response rate
    2/3 = 66.67 %."""
    rate(acme, clock, 2, 5, subject="a")
    rate(acme, clock, 3, 2, subject="b")
    resolved(acme, clock, ny(2025, 6, 4, 9), ny(2025, 6, 4, 15), subject="c")
    figures = recent_csat(ny(2025, 6, 20))
    assert (
        figures["mean"],
        figures["responses"],
        figures["resolved"],
        figures["response_rate"],
    ) == (
        "3.50",
        2,
        3,
        "66.67",
    )


def test_low_satisfaction_is_a_renewal_risk_reason(acme, clock):
    """Contract ends 31 Jul 2025 (in the 120-day window). Scores 3, 3, 4 -> mean 3.33 < 3.5
    over 3 responses: ``low_satisfaction`` (15). With a fourth survey of 5 the mean is
    15/4 = 3.75: no reason."""
    Contract.objects.filter(pk=acme.contract.pk).update(end_date=date(2025, 7, 31))
    for day, score in ((2, 3), (3, 3), (4, 4)):
        rate(acme, clock, day, score, subject=f"t{day}")
    [risk] = renewal_risks(now=ny(2025, 6, 20))
    low = [r for r in risk.reasons if r.code == "low_satisfaction"]
    assert [(r.weight, "3.33" in r.text) for r in low] == [(15, True)]
    rate(acme, clock, 5, 5, subject="t5")
    [risk] = renewal_risks(now=ny(2025, 6, 20))
    assert not [r for r in risk.reasons if r.code == "low_satisfaction"]
