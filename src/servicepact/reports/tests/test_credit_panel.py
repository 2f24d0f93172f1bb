"""The desk's credit panel: the cap enforced by the service, agents read-only, and one credit
total in every format of the statement.

June (billing.testing) on a 24,000 USD monthly fee: the rules give 4.5 % = 1,080.00 USD; the
schedule caps credits at 30 % of the monthly fee = 7,200.00 USD.
"""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal

import pytest
from django.test import Client
from pypdf import PdfReader

from servicepact.billing import services as billing
from servicepact.billing.models import CreditAudit, PeriodCredit
from servicepact.billing.services import compute_period_credits
from servicepact.billing.testing import june_month, ny
from servicepact.core.errors import DomainValidationError

pytestmark = pytest.mark.django_db

DECIDE = "/reports/desk/contracts/{pk}/credits/{action}/"
PAGE = "/reports/desk/contracts/{pk}/statement/?period=2025-06"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def june(clock):
    june = june_month(clock, fee="24000")
    compute_period_credits(contract=june.contract, period="2025-06")
    clock.at(ny(2025, 7, 2, 9))
    return june


def credit_of(june) -> PeriodCredit:
    return PeriodCredit.objects.get(contract=june.contract, period="2025-06")


def test_the_cap_is_the_schedules_percentage_of_the_monthly_fee(june):
    """30 % of 24,000.00 = 7,200.00; a schedule without a cap has none."""
    assert credit_of(june).computed_amount == Decimal("1080.00")
    assert billing.credit_cap(credit_of(june)) == Decimal("7200.00")


def test_no_cap_when_the_schedule_has_none(clock):
    """A schedule with cap None: the cap is None and a large adjustment is accepted."""
    june = june_month(clock, fee="24000", cap=None)
    credit = compute_period_credits(contract=june.contract, period="2025-06")
    assert billing.credit_cap(credit) is None
    credit = billing.adjust_credits(
        credit=credit, actor=june.manager, amount="9000", reason="Settlement"
    )
    assert credit.amount_due == Decimal("9000.00")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("99999999", "must not exceed the contract's cap of 7200.00 USD"),
        ("7200.01", "must not exceed the contract's cap of 7200.00 USD"),
        ("-1", "must not be negative"),
        ("-0.01", "must not be negative"),
        ("abc", "not a number: 'abc'"),
        ("NaN", "not a number: 'NaN'"),
    ],
)
def test_the_service_refuses_amounts_above_the_cap_or_below_zero(june, amount, message):
    """The service itself (not only the form) names the field; nothing changes, no audit row."""
    audits = CreditAudit.objects.count()
    with pytest.raises(DomainValidationError) as exc:
        billing.adjust_credits(
            credit=credit_of(june), actor=june.manager, amount=amount, reason="x"
        )
    assert exc.value.errors == {"amount": [message]}
    credit = credit_of(june)
    assert (credit.status, credit.approved_amount) == ("computed", None)
    assert CreditAudit.objects.count() == audits


def test_the_cap_itself_and_zero_are_accepted(june):
    """Exactly 7,200.00 is allowed; so is 0.00 (a manager may waive the credit)."""
    credit = billing.adjust_credits(
        credit=credit_of(june), actor=june.manager, amount="7200", reason="Max"
    )
    assert credit.amount_due == Decimal("7200.00")
    credit = billing.adjust_credits(credit=credit, actor=june.manager, amount="0", reason="Waived")
    assert (credit.status, credit.amount_due) == ("adjusted", Decimal("0.00"))


def test_the_page_answers_422_naming_the_field_for_an_amount_above_the_cap(june):
    """Posting 99,999,999 USD from the panel: 422 with "amount: must not exceed ..."."""
    r = client_for(june.manager).post(
        DECIDE.format(pk=june.contract.pk, action="adjust"),
        {"period": "2025-06", "amount": "99999999", "reason": "typo"},
    )
    assert r.status_code == 422
    assert b"amount: must not exceed the contract&#x27;s cap of 7200.00 USD" in r.content
    assert credit_of(june).approved_amount is None


def test_an_agent_sees_the_decisions_read_only(june):
    """An agent's page shows status, amounts and audit trail but no decision form."""
    billing.adjust_credits(credit=credit_of(june), actor=june.manager, amount="500", reason="GW")
    html = client_for(june.world.agent).get(PAGE.format(pk=june.contract.pk)).content.decode()
    assert "Credit decision" in html and "read-only" in html
    assert "/credits/adjust/" not in html and "/credits/approve/" not in html
    assert "Approve computed amount" not in html
    assert "GW" in html  # the audit trail


def test_a_manager_sees_the_forms_with_the_cap(june):
    """The manager's page has the approve and adjust forms and states the cap."""
    html = client_for(june.manager).get(PAGE.format(pk=june.contract.pk)).content.decode()
    assert "/credits/approve/" in html and "/credits/adjust/" in html
    assert "At most 7200.00 USD" in html
    assert "read-only" not in html


def test_the_audit_trail_names_the_contracts_zone(june):
    """The audit rows are in the customer's zone, named (IANA + offset), never an abbreviation."""
    html = client_for(june.manager).get(PAGE.format(pk=june.contract.pk)).content.decode()
    audit = html.split('class="table compact credit-audit"', 1)[1].split("</table>", 1)[0]
    assert "America/New_York (UTC-04:00)" in audit
    assert "EDT" not in audit and "UTC</td>" not in audit


def _formats(june) -> dict[str, str]:
    c = client_for(june.manager)
    base = PAGE.format(pk=june.contract.pk)
    html = c.get(base).content.decode()
    pdf = c.get(base + "&format=pdf").content
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    rows = list(csv.reader(io.StringIO(c.get(base + "&format=csv").content.decode())))
    credits = rows[[r[:1] for r in rows].index(["# credits"]) :]
    total_row = next(r for r in credits if r and r[0] == "total")
    data = json.loads(c.get(base + "&format=json").content)
    shown = re.search(r'id="credit-total">([^<]+)<', html)
    assert shown is not None
    return {
        "html": shown.group(1).strip(),
        "pdf": text,
        "csv": f"{total_row[4]} {total_row[5]}",
        "json": f"{data['credits']['amount_due']} {data['credits']['currency']}",
    }


@pytest.mark.parametrize("close", [False, True], ids=["live", "frozen"])
def test_html_pdf_csv_and_json_show_the_same_total_after_an_adjustment(june, close):
    """Adjusted to 3,000.00 and applied (the rules said 1,080.00): all four formats say
    3000.00 USD, live and from the frozen statement; the computed amount stays visible."""
    if close:
        from servicepact.reports.services import close_period

        close_period(june.contract, "2025-06")
    credit = billing.adjust_credits(
        credit=credit_of(june), actor=june.manager, amount="3000", reason="Agreed"
    )
    billing.mark_applied(credit=credit, actor=june.manager, reason="CN-1")
    shown = _formats(june)
    assert shown["html"] == shown["csv"] == shown["json"] == "3000.00 USD"
    pdf = " ".join(shown["pdf"].split())
    assert "3000.00 USD" in pdf and "1080.00 USD" in pdf  # total, and what the rules computed


def test_without_a_decision_every_format_shows_the_computed_total(june):
    """No decision yet: the total is the computed 1,080.00 in all four formats."""
    shown = _formats(june)
    assert shown["html"] == shown["csv"] == shown["json"] == "1080.00 USD"
    assert "1080.00 USD" in " ".join(shown["pdf"].split())


def test_a_credit_waived_to_zero_totals_zero_everywhere(june):
    """There is no "declined" state: a manager adjusts to 0.00; every format then says 0.00."""
    billing.adjust_credits(credit=credit_of(june), actor=june.manager, amount="0", reason="No")
    shown = _formats(june)
    assert shown["html"] == shown["csv"] == shown["json"] == "0.00 USD"
