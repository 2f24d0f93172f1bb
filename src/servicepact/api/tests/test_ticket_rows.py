"""The ticket list written from plain values (``api.ticket_rows``) is, byte for byte, what
validating the model-built rows (``ticket_render.render_summary``) through ``TicketList``
and ninja's JSON renderer gives: for staff and for a contact, with and without contact,
asset, assignee, team, contract, a monitoring ticket, clocks stopped and running, a capped
count and a next cursor."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from ninja.responses import NinjaJSONEncoder

from servicepact.accounts.models import Team
from servicepact.api import ticket_rows
from servicepact.api.ticket_render import TicketList, render_summary, summary_queryset
from servicepact.contracts.models import SlaMetric
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


def test_clocks_in_metric_position_order_unknown_metrics_last(staff, many):
    """The clocks' order comes with the clocks (``_page_clocks``): by the metric's position,
    then its code, metrics the table does not know last by code, as ``metric_rank`` sorts."""
    codes = list(SlaMetric.objects.order_by("position", "code").values_list("code", flat=True))
    assert len(codes) >= 2
    for position, code in enumerate(reversed(codes)):  # the display order turned round
        SlaMetric.objects.filter(code=code).update(position=position)
    SlaMetric.objects.filter(code=codes[0]).update(position=1)  # a tie: broken on the code
    ticket = many[1]
    model = ticket.clocks.first()
    for code in ("zz_gone", "aa_gone"):  # a metric since removed from the table
        model.pk, model.metric = None, code
        model.save()
    response = staff.get("/tickets")
    assert response.content == validated_body(staff.user, True, {})
    row = next(t for t in response.json()["items"] if t["id"] == ticket.pk)
    assert [c["metric"] for c in row["clocks"]][-2:] == ["aa_gone", "zz_gone"]


def test_the_list_reads_at_most_three_queries_after_the_token_whatever_the_page(staff, many):
    """Token, page (related names joined onto the page), capped count, clocks: the same four
    for 3 rows and for 13 of the 15, by offset and by cursor, three for the whole list; the related tables are joined outside the
    page's LIMIT (joined inside, PostgreSQL spent 17-50 ms planning each request at 100k)."""
    assert staff.get("/me").status_code == 200  # the token's last use, written once a minute
    counts = []
    for params in ({"limit": 3}, {"limit": 13}, {"limit": 50}, {"limit": 3, "offset": 2}):
        with CaptureQueriesContext(connection) as ctx:
            first = staff.get("/tickets", **params).json()
        counts.append(len(ctx.captured_queries))
    with CaptureQueriesContext(connection) as ctx:
        staff.get("/tickets", limit=3, after=first["next"])
    counts.append(len(ctx.captured_queries))
    assert counts == [4, 4, 3, 4, 4]  # the whole list on one page: no count needed
    page = next(q["sql"] for q in ctx.captured_queries if "customers_customer" in q["sql"])
    assert page.rindex("LIMIT") < page.index("customers_customer")


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2025, 6, 2, 13, 5, 7, tzinfo=UTC),
        datetime(2025, 6, 2, 13, 5, 7, 120000, tzinfo=UTC),
        datetime(2025, 6, 2, 13, 5, 7, 999, tzinfo=UTC),
        datetime(2025, 6, 2, 9, 5, 7, 654321, tzinfo=ZoneInfo("America/New_York")),
    ],
)
def test_instants_are_written_as_djangos_encoder_writes_them(moment):
    assert json.dumps(ticket_rows._instant(moment)) == json.dumps(moment, cls=NinjaJSONEncoder)
    assert ticket_rows._instant(None) is None
