"""Issue 16's gaps: approvals recorded after the fact carry the instant they were given
(not in the future, not before the request); planned releases can be changed and cancelled;
standard change templates can be edited (service, API, desk)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from servicepact.changes import services as cs
from servicepact.changes.choices import ChangeKind
from servicepact.changes.releases import cancel_release, edit_release, ship_release
from servicepact.changes.tests.test_board_and_emergency import request
from servicepact.changes.tests.test_releases import release
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.notifications.models import Notification
from servicepact.tickets.testing import user, world

from .conftest import ny

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def w():
    return world()


def test_an_approval_recorded_later_keeps_the_instant_it_was_given(w, clock):
    """Emergency change requested and started Mon 9 Jun 09:00 (New York); the customer said
    yes on the phone at 09:30, recorded on Tue 10:00 with approved_at Mon 09:30: the approval
    and its event are dated 09:30; given after the start, so approved after the fact."""
    change = request(w, kind=ChangeKind.EMERGENCY)
    cs.execute_change(change=change, action="start", actor=w.agent)
    clock.at(ny(2025, 6, 10, 10))
    change = cs.approve_change(
        change=change, actor=w.contact.user, approved_at=ny(2025, 6, 9, 9, 30)
    )
    assert change.approved_at == ny(2025, 6, 9, 9, 30)
    assert change.events.get(kind="customer_approved").at == ny(2025, 6, 9, 9, 30)
    assert change.approved_after_fact is True


@pytest.mark.parametrize(
    "given",
    [ny(2025, 6, 10, 11), ny(2025, 6, 9, 8, 59)],  # after now; before the request
)
def test_an_approval_in_the_future_or_before_the_request_is_refused(w, clock, given):
    """Negative: 422 on approved_at, nothing stored."""
    change = request(w, kind=ChangeKind.EMERGENCY)
    clock.at(ny(2025, 6, 10, 10))
    with pytest.raises(DomainValidationError) as error:
        cs.approve_change(change=change, actor=w.contact.user, approved_at=given)
    assert list(error.value.errors) == ["approved_at"]
    change.refresh_from_db()
    assert change.approved_at is None


def test_a_board_vote_recorded_later_and_the_api(w, clock):
    """A board member's vote given at 09:15, recorded at 10:00: the board's decision is
    dated 09:15. Over the API a customer's approved_at in the future is a 422 naming it."""
    member = user("cab1", staff=True)
    change = request(w, approvers=[member])
    clock.at(ny(2025, 6, 9, 10))
    change = cs.vote_on_change(
        change=change, actor=member, approve=True, decided_at=ny(2025, 6, 9, 9, 15)
    )
    assert change.cab_decided_at == ny(2025, 6, 9, 9, 15)
    contact = Client()
    contact.force_login(w.contact.user)
    url = f"/api/v1/changes/{change.pk}/approve"
    late = {"approved_at": "2025-06-09T15:00:00Z"}  # 11:00 New York: after now (10:00)
    response = contact.post(url, late, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "approved_at"
    ok = contact.post(url, {"approved_at": "2025-06-09T13:40:00Z"}, content_type="application/json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["status"] == "approved"
    assert contact.post(f"/api/v1/changes/{request(w).pk}/approve").status_code == 200  # no body


def test_a_planned_release_is_changed_then_cancelled_and_a_shipped_one_is_not(w):
    """Edit: version, date and notes change under the planning rules (a version taken by
    another release of the contract: 422). Cancel: nobody is e-mailed; a cancelled or
    shipped release can be neither changed nor cancelled (409); a contact: 403."""
    first = release(w)
    other = release(w, version="4.3.0")
    edited = edit_release(release=first, actor=w.agent, version="4.2.1",
                          planned_on=date(2025, 6, 27), notes={"en": "Fixes."})  # fmt: skip
    assert (edited.version, edited.planned_on, edited.notes) == (
        "4.2.1",
        date(2025, 6, 27),
        {"en": "Fixes."},
    )
    with pytest.raises(DomainValidationError) as taken:
        edit_release(release=first, actor=w.agent, version="4.3.0")
    assert list(taken.value.errors) == ["version"]
    with pytest.raises(PermissionDenied):
        cancel_release(release=first, actor=w.contact.user)
    cancelled = cancel_release(release=first, actor=w.agent)
    assert cancelled.status == "cancelled"
    assert not Notification.objects.filter(event="release.shipped").exists()
    for action in (
        lambda r: edit_release(release=r, actor=w.agent, version="9"),
        lambda r: cancel_release(release=r, actor=w.agent),
        lambda r: ship_release(release=r, actor=w.agent),
    ):
        with pytest.raises(TransitionError):
            action(cancelled)
    ship_release(release=other, actor=w.agent)
    with pytest.raises(TransitionError):
        edit_release(release=other, actor=w.agent, planned_on=date(2025, 7, 1))


def test_releases_api_and_desk_edit_and_cancel(w):
    first = release(w)
    staff = Client()
    staff.force_login(w.agent)
    url = f"/api/v1/releases/{first.pk}"
    patched = staff.patch(url, {"version": "4.2.2"}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["version"] == "4.2.2"
    bad = staff.patch(url, {"assets": [999999]}, content_type="application/json")
    assert bad.status_code == 422
    contact = Client()
    contact.force_login(w.contact.user)
    assert contact.patch(url, {"version": "x"}, content_type="application/json").status_code == 403
    assert contact.post(url + "/cancel").status_code == 403
    other = Client()
    other.force_login(world(code="beta").contact.user)
    assert other.post(url + "/cancel").status_code == 404
    page = staff.post(f"/desk/releases/{first.pk}/edit/",
                      {"version": "4.2.3", "planned_on": "2025-06-30", "notes_en": "Notes"})  # fmt: skip
    assert page.status_code == 302
    first.refresh_from_db()
    assert (first.version, first.notes) == ("4.2.3", {"en": "Notes"})
    assert staff.post(f"/desk/releases/{first.pk}/cancel/").status_code == 302
    assert staff.post(url + "/cancel").status_code == 409


def test_a_template_is_edited_and_retired(w):
    """Service, API and desk; an empty title is a 422; a contact may not (403)."""
    template = cs.create_template(title="Patch Tuesday", impact=1, likelihood=1, actor=w.agent)
    edited = cs.edit_template(template=template, actor=w.agent, title="Monthly patches",
                              rollback_plan="Uninstall the update")  # fmt: skip
    assert (edited.title, edited.rollback_plan) == ("Monthly patches", "Uninstall the update")
    with pytest.raises(DomainValidationError) as error:
        cs.edit_template(template=template, actor=w.agent, title="  ")
    assert list(error.value.errors) == ["title"]
    with pytest.raises(PermissionDenied):
        cs.edit_template(template=template, actor=w.contact.user, title="x")
    staff = Client()
    staff.force_login(w.agent)
    url = f"/api/v1/changes/templates/{template.pk}"
    response = staff.patch(url, {"active": False, "impact": 2}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert (response.json()["active"], response.json()["impact"]) == (False, 2)
    assert staff.patch(url, {"impact": 7}, content_type="application/json").status_code == 422
    assert staff.patch("/api/v1/changes/templates/999999", {},
                       content_type="application/json").status_code == 404  # fmt: skip
    page = staff.post(f"/desk/changes/templates/{template.pk}/",
                      {"title": "Patches", "impact": 1, "likelihood": 2, "active": "on"})  # fmt: skip
    assert page.status_code == 302
    template.refresh_from_db()
    assert (template.title, template.likelihood, template.active) == ("Patches", 2, True)


def test_an_approval_body_that_is_not_an_aware_instant_is_a_422(w):
    contact = Client()
    contact.force_login(w.contact.user)
    url = f"/api/v1/changes/{request(w).pk}/approve"
    for body in ({"approved_at": "2025-06-09T09:30:00"}, {"approved_at": "yesterday"}):
        response = contact.post(url, body, content_type="application/json")
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"][-1] == "approved_at"


def test_the_desk_records_a_board_vote_given_earlier(w, clock):
    """The member's own zone (UTC without a profile): "2025-06-09T13:15" is 09:15 in New
    York, after the 09:00 request: stored as given. In the future: refused, nothing voted."""
    member = user("cab1", staff=True)
    change = request(w, approvers=[member])
    other = request(w, approvers=[member])
    clock.at(ny(2025, 6, 9, 10))
    desk = Client()
    desk.force_login(member)
    desk.post(f"/desk/changes/{change.pk}/board-approve/", {"decided_at": "2025-06-09T13:15"})
    change.refresh_from_db()
    assert change.cab_decided_at == ny(2025, 6, 9, 9, 15)
    desk.post(f"/desk/changes/{other.pk}/board-approve/", {"decided_at": "2025-06-09T23:00"})
    assert other.approvals.get().decision == "pending"
