"""The desk's work order page offers exactly the actions the table allows; the portal shows
a contact its tickets' visits (and no one else's)."""

from __future__ import annotations

import re

import pytest

from servicepact.fieldservice import services
from servicepact.fieldservice.models import WorkOrder
from servicepact.fieldservice.transitions import actions_for

from .conftest import login, ny, p1_ticket, visit

pytestmark = pytest.mark.django_db


def offered(html):
    return re.findall(r'data-action="([a-z]+)"', html)


def test_work_order_page_shows_only_allowed_actions(acme, erin, clock):
    clock.at(ny(2025, 6, 9, 9))
    order = visit(acme, p1_ticket(acme), erin, ny(2025, 6, 9, 11))
    staff = login(acme.agent)
    page = staff.get(f"/desk/workorders/{order.pk}/").content.decode()
    assert offered(page) == actions_for("planned") == ["travel", "arrive", "cancel"]
    clock.at(ny(2025, 6, 9, 10, 30))
    moved = staff.post(f"/desk/workorders/{order.pk}/arrive/", {})
    assert moved.status_code == 302
    page = staff.get(f"/desk/workorders/{order.pk}/").content.decode()
    assert offered(page) == ["depart", "work", "sign"]
    refused = staff.post(f"/desk/workorders/{order.pk}/travel/", {})
    assert refused.status_code == 409
    signed = staff.post(f"/desk/workorders/{order.pk}/sign/", {"sign-signer_name": ""})
    assert signed.status_code == 422
    assert WorkOrder.objects.get(pk=order.pk).status == "on_site"


def test_plan_a_visit_from_the_ticket_page(acme, erin, clock):
    clock.at(ny(2025, 6, 9, 9))
    ticket = p1_ticket(acme)
    staff = login(acme.agent)
    assert 'data-action="visit"' in staff.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    response = staff.post(
        f"/desk/tickets/{ticket.pk}/visits/",
        {"visit-engineer": erin.pk, "visit-planned_arrival": "2025-06-09T11:00"},
    )
    order = WorkOrder.objects.get()
    assert response.status_code == 302 and order.planned_arrival_at == ny(2025, 6, 9, 11)


def test_portal_shows_own_visits(acme, globex, erin, clock):
    clock.at(ny(2025, 6, 9, 9))
    ticket = p1_ticket(acme)
    order = visit(acme, ticket, erin, ny(2025, 6, 9, 11))
    clock.at(ny(2025, 6, 9, 10, 30))
    services.record_arrival(work_order=order, actor=acme.agent)
    services.record_work_done(work_order=order, actor=acme.agent, work_done="Swapped the PSU")
    services.sign_work_order(work_order=order, actor=acme.agent, signer_name="Pat Lee")
    page = login(acme.contact.user).get(f"/portal/tickets/{ticket.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert text.count('data-testid="visit"') == 1
    assert "Swapped the PSU" in text and "Pat Lee" in text and "erin" in text
    assert login(globex.contact.user).get(f"/portal/tickets/{ticket.pk}/").status_code == 404


def test_drawn_signature_downloads_within_the_tenancy_only(acme, globex, erin, clock):
    clock.at(ny(2025, 6, 9, 9))
    order = visit(acme, p1_ticket(acme), erin, ny(2025, 6, 9, 11))
    clock.at(ny(2025, 6, 9, 10, 30))
    services.record_arrival(work_order=order, actor=acme.agent)
    png = b"\x89PNG\r\n\x1a\n" + b"\x01" * 16
    services.sign_work_order(work_order=order, actor=acme.agent, signer_name="Pat", image=png)
    own = login(acme.contact.user).get(f"/portal/workorders/{order.pk}/signature.png")
    assert own.status_code == 200 and b"".join(own.streaming_content) == png
    assert own["Content-Disposition"].startswith("attachment")
    assert (
        login(globex.contact.user).get(f"/portal/workorders/{order.pk}/signature.png").status_code
        == 404
    )
    assert login(acme.agent).get(f"/desk/workorders/{order.pk}/signature.png").status_code == 200
