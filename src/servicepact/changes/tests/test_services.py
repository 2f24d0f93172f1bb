"""Change transitions: requested -> approved | rejected, approved -> done; the customer decides."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from servicepact.assets.models import Asset
from servicepact.changes import services as cs
from servicepact.changes.models import Change
from servicepact.changes.selectors import approved_windows, changes_for, get_change
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.tickets.testing import world

from .conftest import ny

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def request(w, **kw):
    args = {
        "customer": w.customer,
        "title": "Replace RAID controller",
        "assets": [w.asset],
        "planned_start": ny(2025, 6, 14, 2),
        "planned_end": ny(2025, 6, 14, 4),
        "actor": w.agent,
        **kw,
    }
    return cs.request_change(**args)


def test_contact_approves_and_staff_complete():
    w = world()
    change = request(w)
    assert (change.status, change.number) == ("requested", f"CH-{change.pk:06d}")
    change = cs.approve_change(change=change, actor=w.contact.user)
    assert (change.status, change.approved_by, change.approved_at) == (
        "approved",
        w.contact.user,
        ny(2025, 6, 9, 9),
    )
    change = cs.complete_change(change=change, actor=w.agent)
    assert (change.status, change.completed_at) == ("done", ny(2025, 6, 9, 9))


def test_invalid_transitions_raise_and_change_nothing():
    w = world()
    change = cs.reject_change(change=request(w), actor=w.contact.user, reason="busy week")
    with pytest.raises(
        TransitionError,
        match=r"cannot approve change CH-\d+: it is Rejected; allowed from: Requested",
    ):
        cs.approve_change(change=change, actor=w.contact.user)
    with pytest.raises(TransitionError, match="cannot complete"):
        cs.complete_change(change=change, actor=w.agent)
    with pytest.raises(TransitionError, match="cannot reject"):
        cs.reject_change(change=change, actor=w.contact.user)
    change.refresh_from_db()
    assert (change.status, change.rejection_reason, change.approved_at) == (
        "rejected",
        "busy week",
        None,
    )


def test_only_the_customer_approves():
    """Staff cannot approve (the provider would make its own downtime planned); nor can a
    contact of another customer. Staff may reject (withdraw) their own request."""
    w, beta = world(), world(code="beta")
    change = request(w)
    for outsider in (w.agent, beta.contact.user):
        with pytest.raises(PermissionDenied):
            cs.approve_change(change=change, actor=outsider)
    with pytest.raises(PermissionDenied):
        cs.reject_change(change=change, actor=beta.contact.user)
    with pytest.raises(PermissionDenied):
        cs.complete_change(
            change=cs.approve_change(change=change, actor=w.contact.user), actor=w.contact.user
        )
    assert Change.objects.get().status == "approved"
    other = cs.reject_change(change=request(w), actor=w.agent, reason="withdrawn")
    assert other.rejected_by == w.agent


def test_request_validation_names_the_fields():
    w, beta = world(), world(code="beta")
    with pytest.raises(DomainValidationError) as exc:
        request(w, title=" ", assets=[beta.asset], planned_end=ny(2025, 6, 14, 1))
    assert exc.value.errors == {
        "title": ["must not be empty"],
        "assets": ["not assets of Acme: beta-srv01"],
    }
    with pytest.raises(DomainValidationError) as exc:
        request(w, planned_end=ny(2025, 6, 14, 2))
    assert exc.value.errors == {"planned_end": ["must be after planned_start"]}
    assert not Change.objects.exists()


def test_tenancy_of_changes_for():
    w, beta = world(), world(code="beta")
    mine, theirs = request(w), request(beta, assets=[beta.asset])
    assert list(changes_for(w.contact.user)) == [mine]
    assert set(changes_for(w.agent)) == {mine, theirs}
    with pytest.raises(Exception, match="No such change"):
        get_change(w.contact.user, theirs.pk)


def test_approved_windows_per_asset():
    """Only approved or done changes give windows, per asset, overlapping the range."""
    w = world()
    second = Asset.objects.create(customer=w.customer, hostname="acme-srv02")
    approved = cs.approve_change(change=request(w, assets=[w.asset, second]), actor=w.contact.user)
    request(w)  # still requested
    windows = approved_windows([w.asset.pk, second.pk], ny(2025, 6, 1), ny(2025, 7, 1))
    assert {k: [x.change_id for x in v] for k, v in windows.items()} == {
        w.asset.pk: [approved.pk],
        second.pk: [approved.pk],
    }
    assert approved_windows([w.asset.pk], ny(2025, 6, 14, 4), ny(2025, 6, 15)) == {}


def test_a_title_too_long_is_a_field_error_and_stores_nothing():
    """The model's limit (200 characters) is reported on ``title``; no change is stored."""
    w = world()
    with pytest.raises(DomainValidationError) as exc:
        request(w, title="t" * 201)
    assert list(exc.value.errors) == ["title"]
    assert not Change.objects.exists()
