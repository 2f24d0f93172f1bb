"""Desk writes of spare parts (desk/spare_parts.py, desk/stock_pages.py): reserve, deliver,
consume, release from the ticket page and the work order page; receive and adjust on the
stock page; open and advance RMAs. Setup (stock/tests/conftest.py): contract in USD, an open
ticket on acme-srv01, a depot with 5 of PSU-acme (80.00 USD) received. Time: Mon 2 Jun 2025
08:00 New York."""

from __future__ import annotations

from decimal import Decimal

import pytest

from servicepact.billing.models import PartUse
from servicepact.core.testing import ny
from servicepact.fieldservice.services import create_engineer, create_work_order
from servicepact.stock.models import Reservation, Rma, StockMovement
from servicepact.stock.selectors import Levels, levels
from servicepact.stock.tests.conftest import stocked
from servicepact.tickets import services as ts
from servicepact.tickets.models import Ticket
from servicepact.tickets.testing import login, user


@pytest.fixture
def st(db, clock):
    return stocked(clock, received=5)


def _reserve(client, url, st, quantity, **extra):
    data = {"reserve-part": st.part.pk, "reserve-depot": st.depot.pk, "reserve-quantity": quantity}
    data.update(extra)
    return client.post(url, data)


def _levels(st):
    return levels(st.part.pk, st.depot.pk)


def test_reserve_deliver_consume_from_the_ticket_page(st):
    """Reserve 2 of 5: on hand 5, reserved 2; delivered; consumed: on hand 3, reserved 0 and
    exactly one part use of 2 x 80.00, charged (no warranty on acme-srv01)."""
    client = login(st.agent)
    page = client.get(f"/desk/tickets/{st.ticket.pk}/")
    assert page.status_code == 200
    assert "No parts reserved." in page.content.decode()
    done = _reserve(client, f"/desk/tickets/{st.ticket.pk}/spare-parts/", st, 2)
    assert done.status_code == 302
    assert done["Location"] == f"/desk/tickets/{st.ticket.pk}/#spare-parts"
    row = Reservation.objects.get()
    assert (row.quantity, row.status, row.work_order_id) == (2, "reserved", None)
    assert _levels(st) == Levels(on_hand=5, reserved=2)
    page = client.get(f"/desk/tickets/{st.ticket.pk}/")
    [(listed, actions)] = page.context["spare"]["rows"]
    assert listed.pk == row.pk
    assert [a[0] for a in actions] == ["deliver", "consume", "release"]
    base = f"/desk/tickets/{st.ticket.pk}/spare-parts/{row.pk}"
    assert client.post(f"{base}/deliver/").status_code == 302
    row.refresh_from_db()
    assert row.status == "delivered"
    assert client.post(f"{base}/consume/").status_code == 302
    row.refresh_from_db()
    assert row.status == "consumed"
    assert _levels(st) == Levels(on_hand=3, reserved=0)
    use = PartUse.objects.get()
    assert (use.quantity, use.unit_price, use.under_warranty) == (2, Decimal("80.00"), False)
    assert row.part_use_id == use.pk


def test_more_than_available_is_an_error_on_quantity_and_nothing_is_stored(st):
    client = login(st.agent)
    page = _reserve(client, f"/desk/tickets/{st.ticket.pk}/spare-parts/", st, 6)
    assert page.status_code == 422
    form = page.context["spare"]["reserve_form"]
    assert form.errors["quantity"] == ["only 5 available (5 on hand, 0 reserved)"]
    assert "only 5 available (5 on hand, 0 reserved)" in page.content.decode()
    assert not Reservation.objects.exists()
    assert _levels(st) == Levels(on_hand=5)


def test_released_parts_go_back_and_cannot_be_delivered(st):
    """Release 3: available back to 5; delivering the released one is a 409, no movement."""
    client = login(st.agent)
    _reserve(client, f"/desk/tickets/{st.ticket.pk}/spare-parts/", st, 3)
    row = Reservation.objects.get()
    base = f"/desk/tickets/{st.ticket.pk}/spare-parts/{row.pk}"
    assert client.post(f"{base}/release/").status_code == 302
    assert _levels(st) == Levels(on_hand=5, reserved=0)
    moves = StockMovement.objects.count()
    refused = client.post(f"{base}/deliver/")
    assert refused.status_code == 409
    assert refused.context["spare"]["error"] == "cannot deliver a reservation that is Released"
    assert StockMovement.objects.count() == moves
    assert client.post(f"{base}/explode/").status_code == 404
    assert not PartUse.objects.exists()


def test_a_closed_ticket_cannot_reserve(st):
    client = login(st.agent)
    Ticket.objects.filter(pk=st.ticket.pk).update(status="closed")
    page = _reserve(client, f"/desk/tickets/{st.ticket.pk}/spare-parts/", st, 1)
    assert page.status_code == 409
    assert "is not open" in page.context["spare"]["error"]
    assert not Reservation.objects.exists()


def test_the_work_order_page_reserves_for_its_visit(st):
    """From the work order page the form starts on that work order; a work order of another
    ticket is not a choice (422 on work_order)."""
    engineer = create_engineer(user=user("erin", staff=True), home_depot=st.depot, skills=[])
    order = create_work_order(
        ticket=st.ticket,
        engineer=engineer,
        planned_arrival_at=ny(2025, 6, 2, 11),
        actor=st.agent,
    )
    other = ts.open_ticket(customer=st.shop.world.customer, subject="Other", priority=3)
    foreign = create_work_order(
        ticket=other,
        engineer=engineer,
        planned_arrival_at=ny(2025, 6, 2, 14),
        actor=st.agent,
    )
    client = login(st.agent)
    page = client.get(f"/desk/workorders/{order.pk}/")
    assert page.status_code == 200
    assert page.context["spare"]["reserve_form"].initial == {"work_order": order.pk}
    url = f"/desk/workorders/{order.pk}/spare-parts/"
    bad = _reserve(client, url, st, 1, **{"reserve-work_order": foreign.pk})
    assert bad.status_code == 422
    assert "work_order" in bad.context["spare"]["reserve_form"].errors
    assert not Reservation.objects.exists()
    done = _reserve(client, url, st, 1, **{"reserve-work_order": order.pk})
    assert done["Location"] == f"/desk/workorders/{order.pk}/#spare-parts"
    row = Reservation.objects.get()
    assert row.work_order_id == order.pk
    released = client.post(f"{url}{row.pk}/release/")
    assert released["Location"] == f"/desk/workorders/{order.pk}/#spare-parts"
    row.refresh_from_db()
    assert row.status == "released"


def test_a_contact_cannot_write(st):
    contact = login(st.shop.world.contact.user)
    assert _reserve(contact, f"/desk/tickets/{st.ticket.pk}/spare-parts/", st, 1).status_code == 404
    assert contact.post("/desk/stock/receive/", {}).status_code == 404
    assert contact.post("/desk/stock/rmas/open/", {}).status_code == 404
    assert not Reservation.objects.exists()


def test_receive_and_adjust_on_the_stock_page(st):
    """Receive 3: on hand 8. Adjust −9: below zero, 422 on delta. Adjust without a reason:
    422 on reason. Adjust −1 "counted": on hand 7."""
    client = login(st.agent)
    page = client.get("/desk/stock/")
    assert "Receive stock" in page.content.decode()
    done = client.post(
        "/desk/stock/receive/",
        {"receive-part": st.part.pk, "receive-depot": st.depot.pk, "receive-quantity": 3},
    )
    assert done.status_code == 302
    assert _levels(st) == Levels(on_hand=8)
    adjust = {"adjust-part": st.part.pk, "adjust-depot": st.depot.pk}
    low = client.post("/desk/stock/adjust/", {**adjust, "adjust-delta": -9, "adjust-reason": "x"})
    assert low.status_code == 422
    assert low.context["adjust_form"].errors["delta"] == [
        "only 8 available (8 on hand, 0 reserved)"
    ]
    bare = client.post("/desk/stock/adjust/", {**adjust, "adjust-delta": -1, "adjust-reason": ""})
    assert bare.status_code == 422
    assert "reason" in bare.context["adjust_form"].errors
    zero = client.post("/desk/stock/adjust/", {**adjust, "adjust-delta": 0, "adjust-reason": "x"})
    assert zero.context["adjust_form"].errors["delta"] == ["a whole number other than 0"]
    assert _levels(st) == Levels(on_hand=8)
    ok = client.post(
        "/desk/stock/adjust/", {**adjust, "adjust-delta": -1, "adjust-reason": "counted"}
    )
    assert ok.status_code == 302
    assert _levels(st) == Levels(on_hand=7)
    assert StockMovement.objects.filter(kind="adjusted").get().reason == "counted"


def test_open_and_advance_an_rma(st):
    """Open: faulty +1 at the depot; sent: faulty back to 0; "sent" again is no longer a
    choice (422); a ticket number that does not exist, or a ticket without an asset, is a 422
    on ticket."""
    client = login(st.agent)
    data = {
        "rma-ticket": st.ticket.number,
        "rma-part": st.part.pk,
        "rma-depot": st.depot.pk,
        "rma-faulty_serial": "SN-OLD",
        "rma-replacement_serial": "SN-NEW",
    }
    bad = client.post("/desk/stock/rmas/open/", {**data, "rma-ticket": "T-NOPE"})
    assert bad.status_code == 422
    assert bad.context["open_form"].errors["ticket"] == ["No ticket with this number."]
    no_asset = client.post("/desk/stock/rmas/open/", data)
    assert no_asset.context["open_form"].errors == {"ticket": ["the ticket names no asset"]}
    Ticket.objects.filter(pk=st.ticket.pk).update(asset=st.shop.world.asset)
    same = client.post("/desk/stock/rmas/open/", {**data, "rma-replacement_serial": "SN-OLD"})
    assert same.context["open_form"].errors.get("replacement_serial") == [
        "must differ from the faulty serial"
    ]
    assert not Rma.objects.exists()
    assert client.post("/desk/stock/rmas/open/", data).status_code == 302
    rma = Rma.objects.get()
    assert _levels(st) == Levels(on_hand=5, faulty=1)
    page = client.get("/desk/stock/rmas/")
    [(listed, form)] = page.context["rows"]
    assert listed.pk == rma.pk
    assert [c[0] for c in form.fields["status"].choices] == ["sent"]
    sent = client.post(
        f"/desk/stock/rmas/{rma.pk}/advance/",
        {f"rma{rma.pk}-status": "sent", f"rma{rma.pk}-vendor_reference": "V-1"},
    )
    assert sent.status_code == 302
    rma.refresh_from_db()
    assert (rma.status, rma.vendor_reference) == ("sent", "V-1")
    assert _levels(st) == Levels(on_hand=5, faulty=0)
    again = client.post(f"/desk/stock/rmas/{rma.pk}/advance/", {f"rma{rma.pk}-status": "sent"})
    assert again.status_code == 422
    assert "status" in dict(again.context["rows"])[rma].errors
    assert _levels(st) == Levels(on_hand=5, faulty=0)
