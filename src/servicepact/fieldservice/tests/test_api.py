"""/api/v1/workorders: staff create and move work orders; a contact reads its own tickets'
visits only (another customer's are 404); bad input is a 422 naming the field."""

from __future__ import annotations

import base64

import pytest

from servicepact.fieldservice.models import WorkOrder

from .conftest import login, ny, p1_ticket, utc, visit

pytestmark = pytest.mark.django_db
URL = "/api/v1/workorders"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def post(client, path, body):
    return client.post(f"{URL}{path}", body, content_type="application/json")


def test_staff_create_and_walk_a_visit(acme, erin, clock):
    """Created at 09:10 for 11:00; travel 10:00, arrive 10:40, depart 12:05 = 85 minutes
    logged; signature of Pat Lee at 12:00 with a PNG."""
    clock.at(ny(2025, 6, 9, 9))
    ticket = p1_ticket(acme)
    staff = login(acme.agent)
    clock.at(ny(2025, 6, 9, 9, 10))
    created = post(
        staff,
        "",
        {"ticket": ticket.pk, "engineer": erin.pk, "planned_arrival_at": "2025-06-09T15:00:00Z"},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["engineer"]["name"], body["actions"]) == (
        "planned",
        "erin",
        ["travel", "arrive", "cancel"],
    )
    assert body["dispatched_at"] == "2025-06-09T13:10:00Z"
    pk = body["id"]
    clock.at(ny(2025, 6, 9, 10))
    assert post(staff, f"/{pk}/travel", {}).json()["status"] == "travelling"
    clock.at(ny(2025, 6, 9, 10, 40))
    assert post(staff, f"/{pk}/arrive", {}).json()["arrived_at"] == "2025-06-09T14:40:00Z"
    clock.at(ny(2025, 6, 9, 12, 5))
    signed = post(
        staff,
        f"/{pk}/signature",
        {
            "signer_name": "Pat Lee",
            "signed_at": "2025-06-09T16:00:00Z",
            "signature_png": base64.b64encode(PNG).decode(),
        },
    )
    assert signed.json()["signature"] == {
        "signer_name": "Pat Lee",
        "signed_at": "2025-06-09T16:00:00Z",
        "has_image": True,
    }
    done = post(staff, f"/{pk}/depart", {"work_done": "Replaced PSU"}).json()
    assert (done["status"], done["on_site_minutes"], done["work_done"]) == (
        "done",
        85,
        "Replaced PSU",
    )
    assert done["work_log"] is not None and done["actions"] == ["work", "sign"]


def test_tenancy_contacts_see_their_own_visits_only(acme, globex, erin, clock):
    clock.at(ny(2025, 6, 9, 9))
    mine = visit(acme, p1_ticket(acme), erin, ny(2025, 6, 9, 11))
    theirs = visit(globex, p1_ticket(globex), erin, ny(2025, 6, 9, 12))
    contact = login(acme.contact.user)
    listed = contact.get(URL).json()
    assert [i["id"] for i in listed["items"]] == [mine.pk] and listed["count"] == 1
    assert listed["items"][0]["actions"] == [] and listed["items"][0]["work_log"] is None
    assert contact.get(f"{URL}/{theirs.pk}").status_code == 404
    assert contact.get(f"{URL}/{mine.pk}").status_code == 200
    # Moving a visit: 404 outside the tenancy, 403 inside it; nothing changes.
    assert post(contact, f"/{theirs.pk}/arrive", {}).status_code == 404
    assert post(contact, f"/{mine.pk}/arrive", {}).status_code == 403
    assert (
        post(
            contact,
            "",
            {
                "ticket": mine.ticket_id,
                "engineer": erin.pk,
                "planned_arrival_at": "2025-06-09T15:00:00Z",
            },
        ).status_code
        == 403
    )
    assert WorkOrder.objects.filter(arrived_at__isnull=False).count() == 0
    assert WorkOrder.objects.count() == 2


def test_list_filters(acme, erin, clock):
    clock.at(ny(2025, 6, 9, 9))
    ticket = p1_ticket(acme)
    a = visit(acme, ticket, erin, ny(2025, 6, 9, 23, 30))  # 2025-06-10 03:30 UTC
    b = visit(acme, ticket, erin, ny(2025, 6, 10, 8))
    staff = login(acme.agent)
    ids = lambda q: [i["id"] for i in staff.get(f"{URL}?{q}").json()["items"]]  # noqa: E731
    # The date is the engineer's (New York) day, not the UTC one.
    assert ids("date=2025-06-09") == [a.pk]
    assert ids("date=2025-06-10") == [b.pk]
    assert ids(f"ticket={ticket.pk}&status=planned") == [a.pk, b.pk]
    assert ids("status=done") == []
    assert ids(f"engineer={erin.pk + 1000}") == []
    assert staff.get(f"{URL}?status=flying").status_code == 422


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"planned_arrival_at": "2025-06-09T15:00:00"}, "planned_arrival_at"),  # naive
        ({"engineer": 999999}, "engineer"),
        ({"ticket": 999999}, "ticket"),
        ({"dispatched_at": "2025-06-10T15:00:00Z"}, "dispatched_at"),  # future
        ({"planned_arrival_at": "2025-06-01T15:00:00Z"}, "planned_arrival_at"),  # before opening
    ],
)
def test_bad_work_orders_are_422_naming_the_field(acme, erin, clock, body, field):
    clock.at(ny(2025, 6, 9, 9))
    ticket = p1_ticket(acme)
    base = {"ticket": ticket.pk, "engineer": erin.pk, "planned_arrival_at": "2025-06-09T15:00:00Z"}
    response = post(login(acme.agent), "", {**base, **body})
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["loc"][-1] == field
    assert not WorkOrder.objects.exists()


def test_signature_fields_are_required_and_checked(acme, erin, clock):
    """A blank signer, a signature before the arrival, a non-PNG image, bad base64: each a 422
    on its own field; the work order stays unsigned."""
    clock.at(ny(2025, 6, 9, 9))
    order = visit(acme, p1_ticket(acme), erin, ny(2025, 6, 9, 11))
    staff = login(acme.agent)
    clock.at(ny(2025, 6, 9, 10))
    post(staff, f"/{order.pk}/arrive", {})
    clock.at(ny(2025, 6, 9, 11))
    cases = [
        ({"signer_name": "  "}, "signer_name"),
        ({}, "signer_name"),
        ({"signer_name": "Pat", "signed_at": utc(2025, 6, 9, 13, 59).isoformat()}, "signed_at"),
        (
            {"signer_name": "Pat", "signature_png": base64.b64encode(b"GIF89a").decode()},
            "signature_image",
        ),
        ({"signer_name": "Pat", "signature_png": "%%%"}, "signature_png"),
    ]
    for body, field in cases:
        response = post(staff, f"/{order.pk}/signature", body)
        assert response.status_code == 422, (body, response.content)
        assert response.json()["detail"][0]["loc"][-1] == field, body
    assert WorkOrder.objects.get(pk=order.pk).signed_at is None


def test_cancel_needs_a_reason(acme, erin, clock):
    clock.at(ny(2025, 6, 9, 9))
    order = visit(acme, p1_ticket(acme), erin, ny(2025, 6, 9, 11))
    response = post(login(acme.agent), f"/{order.pk}/cancel", {"reason": " "})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "reason"
    assert WorkOrder.objects.get(pk=order.pk).status == "planned"


def test_list_walks_by_cursor_in_a_fixed_number_of_queries(
    acme, erin, clock, django_assert_max_num_queries
):
    """Three visits, one a page by the ``next`` cursor: the same order as one page of all;
    a page of 50 costs the same queries as a page of 1 (no query per row)."""
    clock.at(ny(2025, 6, 9, 9))
    ticket = p1_ticket(acme)
    made = [visit(acme, ticket, erin, ny(2025, 6, 9, h)).pk for h in (14, 11, 12)]
    staff = login(acme.agent)
    seen, query = [], f"{URL}?limit=1"
    while query:
        page = staff.get(query).json()
        seen += [i["id"] for i in page["items"]]
        query = f"{URL}?limit=1&after={page['next']}" if page.get("next") else ""
    assert seen == [made[1], made[2], made[0]]
    with django_assert_max_num_queries(8):
        assert staff.get(f"{URL}?limit=50").json()["count"] == 3
