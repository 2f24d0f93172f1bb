"""Desk and portal show an on-site clock that ended "not required" as such (issue 11)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_a_not_required_clock_says_so_to_staff_and_customer(
    clock, acme, agent_client, contact_client
):
    """A hardware P1 resolved at 10:30 with nobody on site: the ticket pages show its on-site
    clock as "Not required", not met and not breached."""
    from servicepact.tickets import services as ts
    from servicepact.tickets.models import Ticket
    from servicepact.tickets.testing import ny

    clock.at(ny(2025, 6, 9, 10))
    ticket = ts.open_ticket(
        customer=acme.customer, contact=acme.contact, asset=acme.asset, subject="PSU",
        impact=1, urgency=1,
    )  # fmt: skip
    ts.acknowledge_ticket(ticket=ticket, actor=acme.agent)
    clock.at(ny(2025, 6, 9, 10, 30))
    ts.resolve_ticket(ticket=Ticket.objects.get(pk=ticket.pk), actor=acme.agent, resolution="ok")
    clock.at(ny(2025, 6, 9, 16))
    for client, url in (
        (agent_client, f"/desk/tickets/{ticket.pk}/"),
        (contact_client, f"/portal/tickets/{ticket.pk}/"),
    ):
        html = client.get(url).content.decode()
        assert 'class="state state-not_required"' in html, url
        assert "the ticket was resolved before a visit was needed" in html, url
        assert "state-breached" not in html, url
