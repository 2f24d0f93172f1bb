"""The dispatch board and "my day": a day is the engineer's own local day."""

from __future__ import annotations

from datetime import date

import pytest

from servicepact.fieldservice import services
from servicepact.fieldservice.selectors import board_engineers, day_plan

from .conftest import login, ny, p1_ticket, user, utc, visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def kenji(db):
    """Engineer Kenji, Tokyo (UTC+9), home depot Osaka."""
    depot = services.create_depot(name="Osaka", timezone="Asia/Tokyo")
    return services.create_engineer(user=user("kenji", staff=True), home_depot=depot)


def test_the_day_is_each_engineers_local_day(acme, erin, kenji, clock):
    """2025-06-10 in New York is [04:00Z 06-10, 04:00Z 06-11); in Tokyo [15:00Z 06-09,
    15:00Z 06-10). Erin's 23:30 EDT visit on 06-09 (03:30Z 06-10) is on her 06-09, not 06-10;
    Kenji's 08:00 JST 06-10 visit (23:00Z 06-09) is on his 06-10; a 00:30 JST 06-11 one
    (15:30Z 06-10) is not; cancelled visits are left out."""
    clock.at(ny(2025, 6, 9, 9))
    t = p1_ticket(acme)
    late = visit(acme, t, erin, ny(2025, 6, 9, 23, 30))
    erin_10 = visit(acme, t, erin, ny(2025, 6, 10, 9))
    kenji_10 = visit(acme, t, kenji, utc(2025, 6, 9, 23))
    visit(acme, t, kenji, utc(2025, 6, 10, 15, 30))
    gone = visit(acme, t, erin, ny(2025, 6, 10, 11))
    services.cancel_work_order(work_order=gone, actor=acme.agent, reason="fixed remotely")
    rows = {
        r.engineer.pk: [o.pk for o in r.orders]
        for r in day_plan(list(board_engineers()), date(2025, 6, 10))
    }
    assert rows == {erin.pk: [erin_10.pk], kenji.pk: [kenji_10.pk]}
    rows_9 = {
        r.engineer.pk: [o.pk for o in r.orders]
        for r in day_plan(list(board_engineers()), date(2025, 6, 9))
    }
    assert rows_9 == {erin.pk: [late.pk], kenji.pk: []}


def test_board_and_my_day_pages(acme, erin, kenji, clock):
    clock.at(ny(2025, 6, 9, 9))
    t = p1_ticket(acme)
    order = visit(acme, t, erin, ny(2025, 6, 9, 11))
    board = login(acme.agent).get("/desk/dispatch/?day=2025-06-09")
    assert board.status_code == 200
    text = board.content.decode()
    assert text.count('data-testid="board-order"') == 1 and t.number in text
    assert "kenji" in text
    mine = login(erin.user).get("/desk/my-day/")
    assert mine.status_code == 200
    assert mine.content.decode().count(f"/desk/workorders/{order.pk}/") >= 1
    other_day = login(erin.user).get("/desk/my-day/?day=2025-06-10")
    assert f"/desk/workorders/{order.pk}/" not in other_day.content.decode()
    assert login(acme.contact.user).get("/desk/dispatch/").status_code == 404


def test_board_is_a_few_queries_whatever_the_visits(
    acme, erin, kenji, clock, django_assert_max_num_queries
):
    clock.at(ny(2025, 6, 9, 9))
    t = p1_ticket(acme)
    for hour in range(9, 17):
        visit(acme, t, erin, ny(2025, 6, 9, hour))
    with django_assert_max_num_queries(4):
        rows = day_plan(list(board_engineers()), date(2025, 6, 9))
        assert sum(len(r.orders) for r in rows) == 8
        assert {o.ticket.customer.name for r in rows for o in r.orders} == {"Acme"}
