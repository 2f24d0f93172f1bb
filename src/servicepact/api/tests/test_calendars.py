"""Calendars in the engine's JSON format: create, read back, edit; errors name the JSON path."""

from __future__ import annotations

import pytest

from servicepact.contracts.models import Calendar, CalendarHours

pytestmark = pytest.mark.django_db

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
BERLIN = {
    "name": "Berlin office",
    "timezone": "Europe/Berlin",
    "weekly": {d: [["08:00", "17:00"]] for d in WEEKDAYS},
    "holidays": ["2025-12-25", {"date": "2025-12-26", "name": "Zweiter Weihnachtstag"}],
    "overrides": {"2025-12-24": [["08:00", "12:00"]]},
    "versions": [{"from": "2026-01-01", "weekly": {d: [["09:00", "18:00"]] for d in WEEKDAYS}}],
}


def test_create_calendar_round_trips_the_engine_format(staff):
    """201; holidays keep their names; the version and override come back as sent."""
    response = staff.post("/calendars", BERLIN)
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["timezone"]) == ("Berlin office", "Europe/Berlin")
    assert body["weekly"]["mon"] == [["08:00", "17:00"]]
    assert body["holidays"] == [
        {"date": "2025-12-25", "name": ""},
        {"date": "2025-12-26", "name": "Zweiter Weihnachtstag"},
    ]
    assert body["overrides"] == {"2025-12-24": [["08:00", "12:00"]]}
    assert body["versions"] == BERLIN["versions"]
    engine = staff.get(f"/calendars/{body['id']}/engine").json()
    assert engine == {
        "timezone": "Europe/Berlin",
        "weekly": BERLIN["weekly"],
        "holidays": ["2025-12-25", "2025-12-26"],
        "overrides": {"2025-12-24": [["08:00", "12:00"]]},
        "versions": BERLIN["versions"],
    }


def test_list_and_detail(staff, acme):
    """Staff list every calendar by name; the detail matches the list item."""
    listed = staff.get("/calendars").json()
    assert (listed["count"], listed["items"][0]["name"]) == (1, "acme hours")
    detail = staff.get(f"/calendars/{acme.calendar.pk}").json()
    assert detail == listed["items"][0]


def test_engine_error_names_the_json_path_and_writes_nothing(staff):
    """An overlapping window is a 422 at body.weekly.mon[1]; no calendar row is created."""
    bad = dict(BERLIN, weekly={"mon": [["09:00", "12:00"], ["11:00", "13:00"]]})
    before = Calendar.objects.count()
    response = staff.post("/calendars", bad)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "weekly", "mon", 1]
    assert Calendar.objects.count() == before


def test_bad_holiday_date_is_named(staff):
    """holidays[1] that is not a date -> loc body.holidays[1]."""
    before = Calendar.objects.count()
    response = staff.post("/calendars", dict(BERLIN, holidays=["2025-12-25", "someday"]))
    assert response.json()["detail"][0]["loc"] == ["body", "holidays", 1]
    assert Calendar.objects.count() == before


def test_duplicate_name_is_422(staff, acme):
    """Calendar names are unique."""
    response = staff.post("/calendars", dict(BERLIN, name="acme hours"))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "name"]


def test_edit_hours_override_and_holidays_bump_the_revision(staff, acme):
    """Each edit is a new calendar revision (running clocks are recomputed from it)."""
    url = f"/calendars/{acme.calendar.pk}"
    hours = staff.post(f"{url}/hours", {"effective_from": "2025-07-01", "weekly": "24x7"})
    assert hours.status_code == 200
    assert hours.json()["versions"] == [{"from": "2025-07-01", "weekly": "24x7"}]
    override = staff.put(f"{url}/overrides/2025-06-14", {"windows": [["10:00", "14:00"]]})
    assert override.json()["overrides"] == {"2025-06-14": [["10:00", "14:00"]]}
    holidays = staff.post(
        f"{url}/holidays", {"holidays": [{"date": "2025-07-04", "name": "July 4"}]}
    )
    assert holidays.json()["holidays"] == [{"date": "2025-07-04", "name": "July 4"}]
    assert holidays.json()["revision"] == 4
    assert CalendarHours.objects.filter(calendar=acme.calendar).count() == 2


def test_contact_reads_the_calendars_of_its_terms_but_cannot_edit(acme, acme_contact, globex):
    """A contact sees the calendar its contract measures on (not Globex's); edits are 403."""
    listed = acme_contact.get("/calendars").json()
    assert [c["name"] for c in listed["items"]] == ["acme hours"]
    assert acme_contact.get(f"/calendars/{globex.calendar.pk}").status_code == 404
    assert acme_contact.post("/calendars", BERLIN).status_code == 403
    response = acme_contact.post(f"/calendars/{acme.calendar.pk}/holidays", {"holidays": []})
    assert response.status_code == 403
