"""The issue's "done when", through the API alone with a staff token.

Customer, site, calendar (Mon-Fri 09:00-18:00 America/New_York), plan (P2: first response
60 min, resolution 8 business hours), contract, asset and contract line, then a P2 ticket:

- opened Fri 2025-06-06 16:00 EDT: first response due Fri 17:00; resolution due Mon 15:00
  (Fri 16:00-18:00 = 2 h, Mon 09:00-15:00 = 6 h);
- acknowledged Fri 16:30: first response met after 1800 s;
- paused Mon 10:00: 2 h + 1 h = 10800 s used, 18000 s left, no deadline while paused;
- resumed Mon 11:00: the one-hour pause moves the deadline one hour, to Mon 16:00;
- at Mon 12:00 the detail shows 14400 s used and 14400 s left (evaluated live);
- resolved Mon 15:30: 10800 s + 11:00-15:30 (16200 s) = 27000 s, met with 1800 s to spare.

EDT is UTC-4, so Fri 16:00 is 20:00Z.
"""

from __future__ import annotations

import pytest

from servicepact.tickets.testing import user

from .conftest import Api, ny

pytestmark = pytest.mark.django_db

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def created(response):
    assert response.status_code == 201, response.json()
    return response.json()


def clock_of(body, metric):
    return {c["metric"]: c for c in body["clocks"]}[metric]


def test_contract_to_resolved_ticket_through_the_api(db, clock):
    """Every step answers 201/200 and the clocks show the hand-computed instants above."""
    api = Api(user("agent", staff=True))

    customer = created(
        api.post(
            "/customers", {"name": "Initech", "code": "initech", "timezone": "America/New_York"}
        )
    )
    site = created(
        api.post(
            "/sites", {"customer": customer["id"], "name": "NYC DC", "timezone": "America/New_York"}
        )
    )
    calendar = created(
        api.post(
            "/calendars",
            {
                "name": "NY business hours",
                "timezone": "America/New_York",
                "weekly": {d: [["09:00", "18:00"]] for d in WEEKDAYS},
            },
        )
    )
    plan = created(
        api.post(
            "/plans",
            {
                "name": "Business P2",
                "code": "business-p2",
                "calendar": calendar["id"],
                "targets": [
                    {"priority": 2, "metric": "first_response", "target_minutes": 60},
                    {"priority": 2, "metric": "resolution", "target_minutes": 480},
                ],
            },
        )
    )
    contract = created(
        api.post(
            "/contracts",
            {
                "number": "INI-1",
                "customer": customer["id"],
                "plan": plan["id"],
                "start_date": "2025-01-01",
                "end_date": "2025-12-31",
            },
        )
    )
    asset = created(
        api.post(
            "/assets", {"customer": customer["id"], "hostname": "ini-db01", "site": site["id"]}
        )
    )
    created(api.post(f"/contracts/{contract['id']}/lines", {"asset": asset["id"]}))

    clock.at(ny(2025, 6, 6, 16))
    ticket = created(
        api.post(
            "/tickets",
            {
                "customer": customer["id"],
                "asset": asset["id"],
                "subject": "Database server down",
                "impact": 2,
                "urgency": 2,
            },
        )
    )
    url = f"/tickets/{ticket['id']}"
    assert (ticket["priority"], ticket["priority_name"]) == (2, "Urgent")
    assert (ticket["coverage"]["status"], ticket["coverage"]["contract_number"]) == (
        "active",
        "INI-1",
    )
    assert clock_of(ticket, "first_response")["deadline"] == "2025-06-06T21:00:00Z"
    assert clock_of(ticket, "resolution")["deadline"] == "2025-06-09T19:00:00Z"

    clock.at(ny(2025, 6, 6, 16, 30))
    acked = api.post(f"{url}/acknowledge").json()
    fr = clock_of(acked, "first_response")
    assert (fr["state"], fr["elapsed_seconds"], fr["stopped_at"]) == (
        "met",
        1800,
        "2025-06-06T20:30:00Z",
    )

    clock.at(ny(2025, 6, 9, 10))
    paused = api.post(f"{url}/pause", {"reason": "Waiting for remote access"}).json()
    res = clock_of(paused, "resolution")
    assert (paused["status"], res["state"], res["deadline"]) == ("waiting", "paused", None)
    assert (res["elapsed_seconds"], res["remaining_seconds"]) == (10800, 18000)

    clock.at(ny(2025, 6, 9, 11))
    resumed = api.post(f"{url}/resume").json()
    res = clock_of(resumed, "resolution")
    assert (res["state"], res["deadline"]) == ("running", "2025-06-09T20:00:00Z")
    assert (res["elapsed_seconds"], res["remaining_seconds"]) == (10800, 18000)

    clock.at(ny(2025, 6, 9, 12))
    live = clock_of(api.get(url).json(), "resolution")
    assert (live["elapsed_seconds"], live["remaining_seconds"], live["fraction"]) == (
        14400,
        14400,
        0.5,
    )

    clock.at(ny(2025, 6, 9, 15, 30))
    resolved = api.post(f"{url}/resolve", {"resolution": "Replaced the PSU"}).json()
    res = clock_of(resolved, "resolution")
    assert resolved["status"] == "resolved"
    assert (res["state"], res["elapsed_seconds"], res["remaining_seconds"]) == ("met", 27000, 1800)
    assert (res["stopped_at"], res["deadline"], res["breached_at"]) == (
        "2025-06-09T19:30:00Z",
        "2025-06-09T20:00:00Z",
        None,
    )
    assert [(e["kind"], e["at"]) for e in resolved["events"]] == [
        ("opened", "2025-06-06T20:00:00Z"),
        ("acknowledged", "2025-06-06T20:30:00Z"),
        ("paused", "2025-06-09T14:00:00Z"),
        ("resumed", "2025-06-09T15:00:00Z"),
        ("resolved", "2025-06-09T19:30:00Z"),
    ]
