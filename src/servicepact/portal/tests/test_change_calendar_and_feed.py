"""Portal: the change calendar (month and week), the iCalendar feed (parsed with the
``icalendar`` library; a token only ever shows its own customer's changes; unknown and
revoked tokens are 404) and the releases pages, all tenancy-scoped."""

from __future__ import annotations

from datetime import date

import icalendar
import pytest

from servicepact.changes import services as cs
from servicepact.changes.calendar import feed_for_token
from servicepact.changes.models import CalendarFeed
from servicepact.changes.releases import plan_release, ship_release
from servicepact.core.testing import utc

from .conftest import login, ny

pytestmark = pytest.mark.django_db


def window(world, title, day, hours=(22, 23)):
    return cs.request_change(
        customer=world.customer,
        title=title,
        assets=[world.asset],
        planned_start=ny(2025, 6, day, hours[0]),
        planned_end=ny(2025, 6, day, hours[1]),
        actor=world.agent,
    )


@pytest.fixture
def setup(clock, acme, globex):
    clock.at(ny(2025, 6, 2, 9))
    a1 = window(acme, "Acme firmware", 10)
    a2 = window(acme, "Acme overlap", 10, (22, 23))
    cs.approve_change(change=a1, actor=acme.contact.user)
    g = window(globex, "Globex secret kernel", 10)
    return acme, globex, a1, a2, g


def subscribe(client):
    response = client.post("/portal/changes/feed/")
    assert response.status_code == 200
    url = response.context["url"]
    assert "/portal/changes/feed/spcal_" in url
    return url.split("testserver", 1)[1]


def test_feed_parses_and_shows_only_its_customers_changes(setup):
    acme, globex, a1, a2, _g = setup
    path = subscribe(login(acme.contact.user))
    response = login(globex.contact.user).get(path)  # the token, not the session, decides
    assert (response.status_code, response["Content-Type"]) == (200, "text/calendar; charset=utf-8")
    cal = icalendar.Calendar.from_ical(response.content)
    events = sorted(cal.walk("VEVENT"), key=lambda e: str(e["summary"]))
    assert [str(e["summary"]) for e in events] == [
        f"{a1.number}: Acme firmware",
        f"{a2.number}: Acme overlap",
    ]
    first = events[0]
    assert first.decoded("dtstart") == utc(2025, 6, 11, 2)
    assert first.decoded("dtend") == utc(2025, 6, 11, 3)
    assert (str(first["status"]), str(events[1]["status"])) == ("CONFIRMED", "TENTATIVE")
    assert "Globex" not in response.content.decode()
    assert CalendarFeed.objects.get().token_hash not in path  # stored hashed, never the raw


def test_bad_revoked_and_foreign_looking_tokens_are_404(setup, client):
    acme, *_ = setup
    old = subscribe(login(acme.contact.user))
    new = subscribe(login(acme.contact.user))  # a new address revokes the old one
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert client.get("/portal/changes/feed/spcal_nonsense.ics").status_code == 404
    assert client.get("/portal/changes/feed/garbage.ics").status_code == 404
    assert feed_for_token("") is None


def test_staff_cannot_make_a_customer_feed_in_the_portal(setup):
    acme, *_ = setup
    assert login(acme.agent).post("/portal/changes/feed/").status_code in (302, 403)
    assert CalendarFeed.objects.count() == 0


def test_calendar_month_and_week_show_own_changes_and_conflicts(setup):
    acme, _globex, a1, a2, _g = setup
    client = login(acme.contact.user)
    month = client.get("/portal/changes/calendar/?date=2025-06-01")
    assert month.status_code == 200
    html = month.content.decode()
    assert f"cal-{a1.pk}-20250610" in html and f"cal-{a2.pk}-20250610" in html
    assert "Globex secret kernel" not in html
    assert html.count('data-testid="conflict"') == 2  # each change names the other
    week = client.get("/portal/changes/calendar/?mode=week&date=2025-06-11")
    view = week.context["view"]
    assert (view.mode, view.start, view.end) == ("week", date(2025, 6, 9), date(2025, 6, 16))
    other_week = client.get("/portal/changes/calendar/?mode=week&date=2025-06-20")
    assert f"cal-{a1.pk}" not in other_week.content.decode()


def test_releases_pages_are_tenancy_scoped(setup):
    acme, globex, *_ = setup
    upcoming = plan_release(
        contract=acme.contract,
        version="4.2.0",
        planned_on=date(2025, 7, 1),
        notes={"en": "Faster reports.", "zh-hans": "报表更快。"},
        actor=acme.agent,
    )
    shipped = plan_release(
        contract=acme.contract, version="4.1.0", planned_on=date(2025, 6, 1), actor=acme.agent
    )
    ship_release(release=shipped, actor=acme.agent)
    theirs = plan_release(
        contract=globex.contract, version="9.9", planned_on=date(2025, 7, 1), actor=acme.agent
    )
    client = login(acme.contact.user)
    page = client.get("/portal/releases/")
    assert [r.version for r in page.context["upcoming"]] == ["4.2.0"]
    assert [r.version for r in page.context["past"].items] == ["4.1.0"]
    detail = client.get(f"/portal/releases/{upcoming.pk}/")
    assert "Faster reports." in detail.content.decode()
    assert client.get(f"/portal/releases/{theirs.pk}/").status_code == 404
