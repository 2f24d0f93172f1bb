"""The ticket list written from plain values (``api.ticket_rows``) is, byte for byte, what
validating the model-built rows (``ticket_render.render_summary``) through ``TicketList``
and ninja's JSON renderer gives: for staff and for a contact, with and without contact,
asset, assignee, team, contract, a monitoring ticket, clocks stopped and running, a capped
count and a next cursor."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from ninja.responses import NinjaJSONEncoder

from servicepact.accounts.models import Team
from servicepact.api.ticket_render import TicketList, render_summary, summary_queryset
from servicepact.core import pagination
from servicepact.core.pagination import api_page
from servicepact.tickets import services as ts
from servicepact.tickets.choices import Channel
from servicepact.tickets.selectors import ticket_list

from .conftest import BASE, ny, open_ticket

pytestmark = pytest.mark.django_db


def validated_body(user, staff, params):
    """What the list answered before: model rows, ``render_summary``, then ninja's way
    (``TicketList.model_validate`` of the result, ``model_dump``, its JSON encoder)."""
    paging = pagination.PageQuery(**params)
    qs = ticket_list(user).order_by("-opened_at", "-id")
    result = api_page(summary_queryset(qs), paging)
    result["items"] = [render_summary(t, staff=staff) for t in result["items"]]
    dumped = TicketList.model_validate(result).model_dump()
    return json.dumps(dumped, cls=NinjaJSONEncoder).encode()


@pytest.fixture
def many(acme, globex, clock):
    clock.at(ny(2025, 6, 2, 9))
    made = [open_ticket(acme)]
    clock.at(ny(2025, 6, 2, 9, 30))
    made.append(open_ticket(acme, impact=3, urgency=3, subject="Slow backups", asset=None))
    team = Team.objects.create(name="Night shift")
    agent = acme.agent
    get_user_model().objects.filter(pk=agent.pk).update(first_name="Ann", last_name="Lee")
    agent.refresh_from_db()
    ts.assign_ticket(ticket=made[1], actor=agent, assignee=agent)
    made[1].__class__.objects.filter(pk=made[1].pk).update(team=team)
    clock.at(ny(2025, 6, 2, 10))
    made.append(open_ticket(acme, contact=None, channel=Channel.MONITORING, subject="cpu high"))
    made.append(
        open_ticket(acme, channel=Channel.MONITORING, subject="disk full", asset=None, contact=None)
    )
    clock.at(ny(2025, 6, 2, 11))
    other = open_ticket(globex)
    ts.acknowledge_ticket(ticket=other, actor=agent)
    clock.at(ny(2025, 6, 2, 12))
    ts.acknowledge_ticket(ticket=made[0], actor=agent)
    ts.resolve_ticket(ticket=made[0], actor=agent, resolution="Swapped")
    for hour in range(13, 18):  # the same instant twice: ties broken on the id
        clock.at(ny(2025, 6, 3, hour))
        open_ticket(globex, subject=f"Noise {hour}")
        open_ticket(globex, subject=f"Noise {hour} again")
    return made


@pytest.mark.parametrize("params", [{}, {"limit": 3}, {"limit": 2, "offset": 4}])
def test_staff_list_equals_the_validated_rows(staff, many, params):
    response = staff.get("/tickets", **params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.content == validated_body(staff.user, True, params)
    assert response.json()["items"]


def test_the_cursor_page_and_the_capped_count_equal_the_validated_rows(staff, many, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 4)
    first = staff.get("/tickets", limit=3).json()
    assert (first["count"], first["count_exact"]) == (4, False)
    params = {"limit": 3, "after": first["next"]}
    response = staff.get("/tickets", **params)
    assert response.content == validated_body(staff.user, True, params)
    exact = {"limit": 3, "count": "exact"}
    assert staff.get("/tickets", **exact).content == validated_body(staff.user, True, exact)


def test_contact_list_equals_the_validated_rows(acme_contact, many):
    """The contact sees "Monitoring alert on <host>" / "Monitoring alert", never the alert."""
    response = acme_contact.get("/tickets")
    assert response.content == validated_body(acme_contact.user, False, {})
    subjects = {t["subject"] for t in response.json()["items"]}
    assert "cpu high" not in subjects and "Monitoring alert" in subjects
    assert any(s.startswith("Monitoring alert on ") for s in subjects)


def test_empty_list_equals_the_validated_rows(staff, db):
    assert staff.client.get(f"{BASE}/tickets").content == validated_body(staff.user, True, {})
