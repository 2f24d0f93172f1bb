"""The portal's ticket page lists the parts held or fitted for the ticket (no costs); a
released reservation is not listed; another customer's contact gets a 404."""

from __future__ import annotations

from servicepact.stock import services
from servicepact.stock.tests.conftest import stocked
from servicepact.tickets.testing import login, world


def test_the_ticket_page_lists_its_parts_without_costs(db, clock):
    st = stocked(clock, received=5)
    kept = services.reserve_part(
        ticket=st.ticket, part=st.part, depot=st.depot, quantity=2, actor=st.agent
    )
    gone = services.reserve_part(
        ticket=st.ticket, part=st.part, depot=st.depot, quantity=1, actor=st.agent
    )
    services.release_reservation(reservation=gone, actor=st.agent)
    services.consume_reservation(reservation=kept, actor=st.agent)
    page = login(st.shop.world.contact.user).get(f"/portal/tickets/{st.ticket.pk}/")
    assert page.status_code == 200
    assert [(r.pk, r.status) for r in page.context["spare_parts"]] == [(kept.pk, "consumed")]
    body = page.content.decode()
    assert "PSU-acme" in body and "Consumed" in body
    assert "80.00" not in body and "80,00" not in body
    other = world(code="globex")
    assert login(other.contact.user).get(f"/portal/tickets/{st.ticket.pk}/").status_code == 404
