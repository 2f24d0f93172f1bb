"""A ticket covered by a warranty (no contract) and the vendor clocks beside it never produce
customer credits or charges: the contract's June stays what it was (billing.testing's month)."""

from __future__ import annotations

from datetime import date

import pytest

from servicepact.assets.models import Asset
from servicepact.assets.services import create_vendor_contract
from servicepact.billing.facts import period_facts
from servicepact.billing.periods import Period
from servicepact.billing.services import compute_period_credits
from servicepact.billing.testing import june_month, ny
from servicepact.tickets import services as ts
from servicepact.tickets.models import SlaClock
from servicepact.tickets.testing import always_calendar, gold_tier, warranty
from servicepact.tickets.vendor_clocks import vendor_clocks

pytestmark = pytest.mark.django_db


def test_a_breached_warranty_ticket_and_its_vendor_clock_earn_no_credit(clock):
    """June's credits are computed; then a P1 hardware ticket on spare01 (Gold warranty, no
    contract line) opened Tue 2025-06-10 09:00 New York, nobody ever on site: our on-site
    clock breached at 13:00, Lenovo's 8 h restore clock at 17:00. Recomputed, the contract's
    breaches and computed amount are exactly the same, and the ticket is in none of them."""
    june = june_month(clock)
    before = compute_period_credits(contract=june.contract, period="2025-06")
    breaches_before = [
        (b.ticket_number, b.metric) for b in period_facts(june.contract, Period(2025, 6)).breaches
    ]
    assert breaches_before  # the month has contract breaches: the comparison can fail
    w = june.world
    spare = Asset.objects.create(customer=w.customer, site=w.site, hostname="spare01")
    warranty(spare, gold_tier())
    create_vendor_contract(
        vendor="Lenovo", kind="manufacturer", calendar=always_calendar("vendor 24x7"),
        start_date=date(2025, 1, 1), end_date=date(2027, 12, 31), targets={"restore": 480},
        assets=[spare],
    )  # fmt: skip
    t = ts.open_ticket(
        customer=w.customer, asset=spare, subject="PSU", impact=1, urgency=1,
        opened_at=ny(2025, 6, 10, 9),
    )  # fmt: skip
    on_site = SlaClock.objects.get(ticket=t, metric="on_site")
    assert (on_site.state, on_site.deadline_at) == ("breached", ny(2025, 6, 10, 13))
    [vendor] = vendor_clocks(t, ny(2025, 6, 30, 12))
    assert (vendor.state, vendor.result.deadline) == ("breached", ny(2025, 6, 10, 17))

    after = compute_period_credits(contract=june.contract, period="2025-06")
    facts = period_facts(june.contract, Period(2025, 6))
    assert [(b.ticket_number, b.metric) for b in facts.breaches] == breaches_before
    assert t.number not in {b.ticket_number for b in facts.breaches}
    assert (after.computed_percent, after.computed_amount) == (
        before.computed_percent,
        before.computed_amount,
    )
