"""Desk change pages: request a change from a form (the service's validation, as the API's),
read one (window, assets, approval, events), mark it done or withdraw it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from servicepact.changes import services as cs
from servicepact.changes.models import Change
from servicepact.tickets.testing import login, ny

pytestmark = pytest.mark.django_db


def _post(client, acme, **overrides):
    data = {
        "customer": acme.customer.pk,
        "title": "Firmware update",
        "description": "BIOS and iLO",
        "assets": [acme.asset.pk],
        "planned_start": "2025-06-10T22:00",
        "planned_end": "2025-06-10T23:30",
    }
    data.update(overrides)
    return client.post("/desk/changes/new/", data)


def test_an_agent_requests_a_change_in_the_customers_local_time(clock, acme, agent_client):
    """22:00-23:30 typed for Acme (New York, EDT in June) is 02:00-03:30 UTC next day; the
    agent lands on the new change's page, which names the zone."""
    clock.at(ny(2025, 6, 2, 9))
    r = _post(agent_client, acme)
    change = Change.objects.get()
    assert (r.status_code, r["Location"]) == (302, f"/desk/changes/{change.pk}/")
    assert (change.planned_start, change.planned_end) == (
        datetime(2025, 6, 11, 2, tzinfo=UTC),
        datetime(2025, 6, 11, 3, 30, tzinfo=UTC),
    )
    assert (change.status, change.requested_by, list(change.assets.all())) == (
        "requested",
        acme.agent,
        [acme.asset],
    )
    html = agent_client.get(r["Location"]).content.decode()
    assert "Tue 10 Jun 2025, 22:00 America/New_York (UTC-04:00)" in html
    assert acme.asset.hostname in html and "Waiting for the customer" in html
    assert "Requested" in html and acme.agent.get_username() in html


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"planned_end": "2025-06-10T21:00"}, "planned_end", "must be after planned_start"),
        ({"title": "   "}, "title", "This field is required."),
        ({"assets": []}, "assets", "This field is required."),
        ({"planned_start": "next tuesday"}, "planned_start", "Enter a date and time"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(
    clock, acme, agent_client, overrides, field, message
):
    """422, the error under its field, nothing stored."""
    clock.at(ny(2025, 6, 2, 9))
    r = _post(agent_client, acme, **overrides)
    assert r.status_code == 422
    assert message in str(r.context["form"].errors[field])
    assert Change.objects.count() == 0


def test_another_customers_asset_is_refused_by_the_service(clock, acme, globex, agent_client):
    """The same rule as the API: every asset must be the customer's (request_change)."""
    clock.at(ny(2025, 6, 2, 9))
    r = _post(agent_client, acme, assets=[acme.asset.pk, globex.asset.pk])
    assert r.status_code == 422
    assert f"not assets of Acme: {globex.asset.hostname}" in str(r.context["form"].errors["assets"])
    assert Change.objects.count() == 0


def _change(acme, clock):
    clock.at(ny(2025, 6, 2, 9))
    return cs.request_change(
        customer=acme.customer,
        title="Switch swap",
        assets=[acme.asset],
        planned_start=ny(2025, 6, 10, 22),
        planned_end=ny(2025, 6, 10, 23),
        actor=acme.agent,
    )


def test_the_detail_shows_approval_and_events_and_marks_done(clock, acme, agent_client):
    """Approved by the contact, then marked done by the agent: both steps in the events."""
    change = _change(acme, clock)
    clock.at(ny(2025, 6, 3, 9))
    cs.approve_change(change=change, actor=acme.contact.user)
    html = agent_client.get(f"/desk/changes/{change.pk}/").content.decode()
    assert f"Approved by {acme.contact.user.get_username()}" in html
    assert "Mark done" in html and "Withdraw the request" not in html
    r = agent_client.post(f"/desk/changes/{change.pk}/complete/")
    assert r.status_code == 302
    change.refresh_from_db()
    assert change.status == "done"
    html = agent_client.get(f"/desk/changes/{change.pk}/").content.decode()
    events = html.split('id="events-title"', 1)[1]
    assert events.index("Requested") < events.index("Approved") < events.index("Done")


def test_a_requested_change_can_be_withdrawn_but_not_marked_done(clock, acme, agent_client):
    change = _change(acme, clock)
    r = agent_client.post(f"/desk/changes/{change.pk}/complete/")
    change.refresh_from_db()
    assert (r.status_code, change.status) == (302, "requested")  # refused: not approved
    agent_client.post(f"/desk/changes/{change.pk}/withdraw/", {"reason": "Moved"})
    change.refresh_from_db()
    assert (change.status, change.rejection_reason) == ("rejected", "Moved")


def test_the_list_links_to_the_detail_and_the_form(clock, acme, agent_client):
    change = _change(acme, clock)
    html = agent_client.get("/desk/changes/").content.decode()
    assert f'href="/desk/changes/{change.pk}/"' in html and 'href="/desk/changes/new/"' in html


def test_contacts_get_404(clock, acme):
    change = _change(acme, clock)
    contact = login(acme.contact.user)
    assert contact.get(f"/desk/changes/{change.pk}/").status_code == 404
    assert contact.get("/desk/changes/new/").status_code == 404
