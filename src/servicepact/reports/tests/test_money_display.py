"""Statements write amounts in the currency's minor unit: a JPY credit has no decimals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from servicepact.billing.services import compute_period_credits
from servicepact.billing.testing import june_month, ny
from servicepact.contracts.models import Contract
from servicepact.reports.statement import build_statement

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("computed", [False, True])
def test_a_jpy_statement_has_no_decimals(clock, computed):
    """June with a fee of 3001 yen: 4.5 % -> 135 yen; the preview and the stored credit alike."""
    june = june_month(clock)
    Contract.objects.filter(pk=june.contract.pk).update(
        fee_currency="JPY", fee_amount=Decimal("3001")
    )
    clock.at(ny(2025, 7, 2, 9))
    contract = Contract.objects.get(pk=june.contract.pk)
    if computed:
        compute_period_credits(contract=contract, period="2025-06")
    credits = build_statement(contract, "2025-06")["credits"]
    assert (credits["currency"], credits["amount_due"], credits["monthly_fee"]) == (
        "JPY",
        "135",
        "3001",
    )
    assert credits["lines"] and all("." not in line["amount"] for line in credits["lines"])


def test_the_desk_credit_panel_shows_whole_yen(client, clock):
    june = june_month(clock)
    Contract.objects.filter(pk=june.contract.pk).update(
        fee_currency="JPY", fee_amount=Decimal("3001")
    )
    clock.at(ny(2025, 7, 2, 9))
    contract = Contract.objects.get(pk=june.contract.pk)
    compute_period_credits(contract=contract, period="2025-06")
    client.force_login(june.world.agent)
    html = client.get(
        f"/reports/desk/contracts/{contract.pk}/statement/", {"period": "2025-06"}
    ).content.decode()
    assert "credit-decisions" in html
    assert html.count("135 JPY") >= 3 and "135.00" not in html
