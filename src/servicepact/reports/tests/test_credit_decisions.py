"""A manager decides a month's credits on the desk statement page: approve, adjust, apply.

The billing services do the checks; the view must pass their answers on (403, 409, 422) and
write nothing when they refuse.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from servicepact.billing.models import CreditAudit, PeriodCredit
from servicepact.billing.services import compute_period_credits
from servicepact.billing.testing import june_month, ny

pytestmark = pytest.mark.django_db

URL = "/reports/desk/contracts/{pk}/credits/{action}/"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def june(clock):
    june = june_month(clock)
    compute_period_credits(contract=june.contract, period="2025-06")
    clock.at(ny(2025, 7, 2, 9))
    return june


def test_manager_approves_adjusts_and_applies_from_the_statement_page(june):
    """Approve (135.00), adjust to 100.00, mark applied: three redirects back to the statement,
    the credit ends applied at 100.00, and the page lists the three audited decisions."""
    manager = client_for(june.manager)
    pk = june.contract.pk
    page = manager.get(f"/reports/desk/contracts/{pk}/statement/?period=2025-06")
    assert b"Approve computed amount" in page.content
    r = manager.post(
        URL.format(pk=pk, action="approve"), {"period": "2025-06", "reason": "Checked"}
    )
    assert (r.status_code, r["Location"]) == (
        302,
        f"/reports/desk/contracts/{pk}/statement/?period=2025-06",
    )
    manager.post(
        URL.format(pk=pk, action="adjust"),
        {"period": "2025-06", "amount": "100", "reason": "Goodwill"},
    )
    manager.post(URL.format(pk=pk, action="apply"), {"period": "2025-06", "reason": "CN-17"})
    credit = PeriodCredit.objects.get(contract=june.contract, period="2025-06")
    assert (credit.status, credit.approved_amount) == ("applied", Decimal("100.00"))
    assert list(CreditAudit.objects.filter(credit=credit, action__in=["approve", "adjust", "apply"])
                .order_by("at", "id").values_list("action", "reason")) == [
        ("approve", "Checked"), ("adjust", "Goodwill"), ("apply", "CN-17")]  # fmt: skip
    page = manager.get(f"/reports/desk/contracts/{pk}/statement/?period=2025-06")
    assert b"Goodwill" in page.content and b"Approve computed amount" not in page.content


def test_an_agent_may_not_decide_credits(june):
    """An agent without the manager or billing role gets 403 and the credit stays computed."""
    r = client_for(june.world.agent).post(
        URL.format(pk=june.contract.pk, action="approve"), {"period": "2025-06", "reason": "x"}
    )
    assert r.status_code == 403
    assert b"only a service manager or billing may approve credits" in r.content
    credit = PeriodCredit.objects.get(contract=june.contract, period="2025-06")
    assert (credit.status, credit.approved_amount) == ("computed", None)


def test_refusals_name_the_problem_and_write_nothing(june):
    """Adjust without a reason: 422 naming the field. Apply before any decision: 409."""
    manager = client_for(june.manager)
    audits = CreditAudit.objects.count()
    r = manager.post(
        URL.format(pk=june.contract.pk, action="adjust"), {"period": "2025-06", "amount": "50"}
    )
    assert r.status_code == 422 and b"reason: a reason is required" in r.content
    r = manager.post(URL.format(pk=june.contract.pk, action="apply"), {"period": "2025-06"})
    assert r.status_code == 409 and b"cannot mark applied" in r.content
    assert CreditAudit.objects.count() == audits
    assert PeriodCredit.objects.get(contract=june.contract, period="2025-06").status == "computed"


def test_contacts_and_unknown_actions_get_404(june):
    """The desk page is staff-only (404 for a contact); an unknown action is a 404 too."""
    contact = client_for(june.world.contact.user)
    assert (
        contact.post(
            URL.format(pk=june.contract.pk, action="approve"), {"period": "2025-06"}
        ).status_code
        == 404
    )
    manager = client_for(june.manager)
    assert (
        manager.post(
            URL.format(pk=june.contract.pk, action="forgive"), {"period": "2025-06"}
        ).status_code
        == 404
    )
