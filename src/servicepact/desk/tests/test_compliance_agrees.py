"""The contract page's "compliance so far" and the monthly statement count the same clocks.

Both count the clocks decided in the month (stopped, or past their deadline), whenever the
ticket was opened. Business hours Mon-Fri 09:00-18:00 New York; P3 first response 120 min,
P1 first response 30 min.
"""

from __future__ import annotations

import pytest

from servicepact.reports.statement import build_statement
from servicepact.tickets import services as ts
from servicepact.tickets.choices import Category

from .conftest import ny

pytestmark = pytest.mark.django_db


def test_contract_page_and_statement_agree_on_the_month(clock, acme, agent_client):
    """A P3 opened Fri 28 Feb 17:00 (due Mon 3 Mar 10:00) answered Mon 09:30 is met in March
    although opened in February; a P1 opened Tue 4 Mar 09:00 is breached at 09:30 and still
    running at 10:00. March, as of Tue 10:00: first response 1 met, 1 breached (50 %); both
    the page and the statement say so, and the resolution clocks are still open."""
    clock.at(ny(2025, 2, 28, 17))
    february = ts.open_ticket(
        customer=acme.customer, asset=acme.asset, subject="a", priority=3, category=Category.NETWORK
    )
    clock.at(ny(2025, 3, 3, 9, 30))
    ts.acknowledge_ticket(ticket=february, actor=acme.agent)
    clock.at(ny(2025, 3, 4, 9))
    ts.open_ticket(
        customer=acme.customer, asset=acme.asset, subject="b", priority=1, category=Category.NETWORK
    )
    moment = ny(2025, 3, 4, 10)
    clock.at(moment)

    response = agent_client.get(f"/desk/contracts/{acme.contract.pk}/")
    assert response.status_code == 200
    page = {m.metric: m for m in response.context["compliance"]}
    statement = build_statement(acme.contract, "2025-03", now=moment)["compliance"]
    in_statement = {m["metric"]: m for m in statement["by_metric"]}

    first = page["first_response"]
    assert (first.met, first.breached, first.open, first.percent) == (1, 1, 0, 50.0)
    assert {m: (c.met, c.breached) for m, c in page.items() if c.decided} == {
        m: (s["met"], s["breached"]) for m, s in in_statement.items()
    }
    assert in_statement["first_response"]["percent"] == "50.00"
    assert (page["resolution"].decided, page["resolution"].open) == (0, 2)
