"""Desk: request a change with type, risk, plans, board and configuration updates; edit it;
board votes and execution from the change page; the calendar with conflicts; an asset's
configuration as of a date; a contract's blackout periods; releases planned and shipped."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from servicepact.assets.configuration import record_component
from servicepact.changes import services as cs
from servicepact.changes.models import Change
from servicepact.changes.releases import releases_for
from servicepact.notifications.models import Notification
from servicepact.tickets.testing import login, ny, user

pytestmark = pytest.mark.django_db


def form(acme, **overrides):
    data = {
        "customer": acme.customer.pk,
        "title": "BIOS 2.6",
        "assets": [acme.asset.pk],
        "planned_start": "2025-06-10T22:00",
        "planned_end": "2025-06-10T23:30",
        "kind": "normal",
        "impact": "3",
        "likelihood": "2",
        "rollback_plan": "Flash 2.4 back.",
        "approvers": [],
        "cab_rule": "all",
        "configuration": f"{acme.asset.hostname}; bios; BIOS; 2.6",
    }
    data.update(overrides)
    return data


def test_request_vote_approve_and_carry_out_from_the_desk(clock, acme, agent_client):
    clock.at(ny(2025, 6, 2, 9))
    member = user("cab-member", staff=True)
    r = agent_client.post("/desk/changes/new/", form(acme, approvers=[member.pk]))
    change = Change.objects.get()
    assert r.status_code == 302
    assert (change.risk_score, change.rollback_plan, change.approvals.count()) == (
        6,
        "Flash 2.4 back.",
        1,
    )
    assert change.configuration_updates.get().version == "2.6"
    page = agent_client.get(f"/desk/changes/{change.pk}/").content.decode()
    assert "Approve as board member" not in page  # the agent is not on the board
    board = login(member)
    assert "Approve as board member" in board.get(f"/desk/changes/{change.pk}/").content.decode()
    board.post(f"/desk/changes/{change.pk}/board-approve/", {"note": "fine"})
    cs.approve_change(change=change, actor=acme.contact.user)
    assert Change.objects.get().status == "approved"
    clock.at(ny(2025, 6, 10, 22, 5))
    for step in ("start", "implement", "verify"):
        assert (
            agent_client.post(f"/desk/changes/{change.pk}/{step}/", {"note": step}).status_code
            == 302
        )
    change.refresh_from_db()
    assert change.status == "done"
    html = agent_client.get(f"/desk/changes/{change.pk}/").content.decode()
    assert "Done (verified)" in html and "Configuration updated" in html
    config = agent_client.get(f"/desk/assets/{acme.asset.pk}/configuration/?date=2025-06-11")
    assert [c.version for c in config.context["components"]] == ["2.6"]


def test_bad_configuration_lines_are_form_errors_and_nothing_is_stored(clock, acme, agent_client):
    clock.at(ny(2025, 6, 2, 9))
    r = agent_client.post(
        "/desk/changes/new/", form(acme, configuration="acme-srv01; toaster; x; 1")
    )
    assert r.status_code == 422
    assert "the kind is one of" in r.content.decode()
    r = agent_client.post(
        "/desk/changes/new/", form(acme, configuration="other-host; bios; BIOS; 1")
    )
    assert (r.status_code, Change.objects.count()) == (422, 0)
    assert "is not one of the change&#x27;s assets" in r.content.decode()


def test_edit_restarts_approvals(clock, acme, agent_client):
    clock.at(ny(2025, 6, 2, 9))
    agent_client.post("/desk/changes/new/", form(acme))
    change = Change.objects.get()
    cs.approve_change(change=change, actor=acme.contact.user)
    # no board: approved at once by the customer; an approved change cannot be edited
    assert agent_client.get(f"/desk/changes/{change.pk}/edit/").status_code == 302
    other = cs.request_change(
        customer=acme.customer,
        title="x",
        assets=[acme.asset],
        planned_start=ny(2025, 6, 12, 1),
        planned_end=ny(2025, 6, 12, 2),
        actor=acme.agent,
    )
    assert agent_client.get(f"/desk/changes/{other.pk}/edit/").status_code == 200
    r = agent_client.post(
        f"/desk/changes/{other.pk}/edit/", form(acme, title="Renamed", configuration="")
    )
    assert r.status_code == 302
    other.refresh_from_db()
    assert (other.title, other.planned_start) == ("Renamed", datetime(2025, 6, 11, 2, tzinfo=UTC))
    assert other.events.filter(kind="edited").count() == 1


def test_calendar_blackouts_and_releases_pages(clock, acme, agent_client):
    clock.at(ny(2025, 6, 2, 9))
    r = agent_client.post(
        f"/desk/contracts/{acme.contract.pk}/blackouts/",
        {"name": "Freeze", "starts_at": "2025-06-10T00:00", "ends_at": "2025-06-12T00:00"},
    )
    assert r.status_code == 302
    bad = agent_client.post(
        f"/desk/contracts/{acme.contract.pk}/blackouts/",
        {"name": "Bad", "starts_at": "2025-06-12T00:00", "ends_at": "2025-06-10T00:00"},
    )
    assert bad.status_code == 422
    agent_client.post("/desk/changes/new/", form(acme))
    cal = agent_client.get("/desk/changes/calendar/?date=2025-06-10").content.decode()
    assert cal.count('data-testid="conflict"') == 1 and "Freeze" in cal
    r = agent_client.post(
        "/desk/releases/",
        {
            "contract": acme.contract.pk,
            "version": "4.2",
            "planned_on": "2025-06-20",
            "notes_en": "Faster.",
        },
    )
    assert r.status_code == 302
    release = releases_for(acme.agent).get()
    acme.contact.email = "it@acme.test"
    acme.contact.save()
    assert agent_client.post(f"/desk/releases/{release.pk}/ship/").status_code == 302
    assert (
        Notification.objects.filter(event="release.shipped", recipient="it@acme.test").count() == 1
    )


def test_contacts_cannot_reach_the_desk_pages(clock, acme):
    clock.at(ny(2025, 6, 2, 9))
    record_component(asset=acme.asset, kind="os", name="RHEL", version="9", at=ny(2025, 1, 1))
    contact = login(acme.contact.user)
    for url in (
        "/desk/changes/calendar/",
        f"/desk/assets/{acme.asset.pk}/configuration/",
        "/desk/releases/",
        f"/desk/contracts/{acme.contract.pk}/blackouts/",
        "/desk/changes/templates/",
    ):
        assert contact.get(url).status_code == 404, url  # the desk does not exist for contacts
