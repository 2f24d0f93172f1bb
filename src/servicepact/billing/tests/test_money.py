"""Money: an unknown currency is a 422 naming the field and stores nothing; amounts use the
currency's minor unit (core.money): a JPY credit has no decimals, USD keeps its cents."""

from __future__ import annotations

from decimal import Decimal

import pytest

from servicepact.accounts.services import create_api_token
from servicepact.billing.models import PeriodCredit
from servicepact.billing.services import adjust_credits, compute_period_credits
from servicepact.billing.testing import june_month, manager, ny
from servicepact.contracts.models import Contract
from servicepact.contracts.services import create_contract
from servicepact.core.errors import DomainValidationError
from servicepact.core.money import format_amount, minor_units, parse_amount, validate_currency

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("code", "places"), [("JPY", 0), ("KRW", 0), ("USD", 2), ("CNY", 2), ("BHD", 3)]
)
def test_minor_units_come_from_iso_4217(code, places):
    assert minor_units(code) == places


@pytest.mark.parametrize("code", ["XYZ", "usdd", "", "HRK", "DEM", "XXX", 123, None])
def test_unknown_or_retired_codes_are_refused_naming_the_field(code):
    with pytest.raises(DomainValidationError) as exc:
        validate_currency(code, "fee_currency")
    assert list(exc.value.errors) == ["fee_currency"]
    assert exc.value.errors["fee_currency"][0].startswith("unknown ISO 4217 currency code")


def test_a_known_code_is_upper_cased_and_three_decimal_currencies_are_refused():
    assert validate_currency(" jpy ") == "JPY"
    with pytest.raises(DomainValidationError) as exc:
        validate_currency("BHD")
    assert exc.value.errors == {
        "currency": ["BHD has 3 decimal places; amounts are stored with 2: not supported yet"]
    }


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        ("100.5", "JPY", "JPY amounts have no decimals"),
        ("1.005", "USD", "USD amounts have at most 2 decimals"),
        ("-1", "USD", "must not be negative"),
        ("NaN", "USD", "not a number: 'NaN'"),
        ("12,50", "EUR", "not a number: '12,50'"),
        ("10000000000", "USD", "at most 9999999999.99"),
    ],
)
def test_amounts_finer_than_the_minor_unit_are_refused(value, code, message):
    with pytest.raises(DomainValidationError) as exc:
        parse_amount(value, code)
    assert exc.value.errors == {"amount": [message]}


def test_amounts_are_written_as_the_currency_writes_them():
    assert parse_amount("100", "JPY") == Decimal(100)
    assert format_amount(Decimal("135.00"), "JPY") == "135"
    assert format_amount(Decimal("135"), "USD") == "135.00"
    assert format_amount(Decimal("134.50"), "JPY") == "135"  # half up


def test_create_contract_with_an_unknown_currency_stores_nothing(clock):
    june = june_month(clock)
    before = Contract.objects.count()
    with pytest.raises(DomainValidationError) as exc:
        create_contract(
            number="X-1",
            customer=june.world.customer,
            plan=june.contract.plan,
            start_date=june.contract.start_date,
            end_date=june.contract.end_date,
            fee_amount="100",
            fee_currency="XYZ",
        )
    assert exc.value.errors == {"fee_currency": ["unknown ISO 4217 currency code: 'XYZ'"]}
    assert Contract.objects.count() == before


def test_api_unknown_currency_is_a_422_naming_fee_currency(client, clock):
    june = june_month(clock)
    before = Contract.objects.count()
    _, raw = create_api_token(user=june.world.agent, name="t")
    body = {
        "number": "X-2",
        "customer": june.world.customer.pk,
        "plan": june.contract.plan.pk,
        "start_date": "2025-01-01",
        "end_date": "2025-12-31",
        "fee_amount": "1000",
        "fee_currency": "ABC",
    }
    response = client.post(
        "/api/v1/contracts",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "loc": ["body", "fee_currency"],
                "msg": "unknown ISO 4217 currency code: 'ABC'",
                "type": "invalid",
            }
        ]
    }
    assert Contract.objects.count() == before
    jpy = {**body, "fee_currency": "JPY", "fee_amount": "1000.5"}
    response = client.post(
        "/api/v1/contracts",
        jpy,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "fee_amount"
    assert response.json()["detail"][0]["msg"] == "JPY amounts have no decimals"
    assert Contract.objects.count() == before


@pytest.fixture
def june_in_yen(clock):
    """June (USD 3000: 135.00 of credits, 4.5 %) with a fee of 3001 yen instead: every line
    and total rounds to whole yen (2 % of 3001 = 60.02 -> 60; 4.5 % -> 135)."""
    june = june_month(clock)
    Contract.objects.filter(pk=june.contract.pk).update(
        fee_currency="JPY", fee_amount=Decimal("3001")
    )
    clock.at(ny(2025, 7, 2, 9))
    return june


def test_a_jpy_credit_has_no_decimals(june_in_yen):
    contract = Contract.objects.get(pk=june_in_yen.contract.pk)
    credit = compute_period_credits(contract=contract, period="2025-06")
    assert credit.currency == "JPY"
    assert credit.computed_percent == Decimal("4.50")
    assert credit.computed_amount == Decimal("135")
    amounts = [line.amount for line in credit.lines.all()]
    assert amounts and all(a == a.to_integral_value() for a in amounts)


def test_a_jpy_adjustment_refuses_decimals_and_stores_nothing(june_in_yen):
    contract = Contract.objects.get(pk=june_in_yen.contract.pk)
    credit = compute_period_credits(contract=contract, period="2025-06")
    boss = manager("yen-boss")
    with pytest.raises(DomainValidationError) as exc:
        adjust_credits(credit=credit, amount="100.50", actor=boss, reason="goodwill")
    assert exc.value.errors == {"amount": ["JPY amounts have no decimals"]}
    credit.refresh_from_db()
    assert credit.approved_amount is None and credit.status == "computed"
    adjusted = adjust_credits(credit=credit, amount="100", actor=boss, reason="goodwill")
    assert PeriodCredit.objects.get(pk=adjusted.pk).approved_amount == Decimal("100")
