"""Conflicts: two changes on one asset with overlapping windows; a change inside a blackout
of its contract. Each explained; adjacent windows and rejected changes are no conflict."""

from __future__ import annotations

import pytest

from servicepact.assets.models import Asset
from servicepact.changes import services as cs
from servicepact.changes.conflicts import conflicts_for, conflicts_for_changes
from servicepact.contracts.blackouts import add_blackout
from servicepact.tickets.testing import world

from .conftest import ny

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def w():
    return world()


def change(w, start, end, assets=None, title="Work"):
    return cs.request_change(
        customer=w.customer,
        title=title,
        assets=assets or [w.asset],
        planned_start=start,
        planned_end=end,
        actor=w.agent,
    )


def test_overlap_on_the_same_asset_is_explained_on_both_changes(w):
    """A 02:00-04:00 and B 03:00-05:00 on acme-srv01: each names the other and the asset."""
    a = change(w, ny(2025, 6, 14, 2), ny(2025, 6, 14, 4))
    b = change(w, ny(2025, 6, 14, 3), ny(2025, 6, 14, 5))
    found = conflicts_for_changes([a, b])
    assert [(c.kind, c.other_change_id) for c in found[a.pk]] == [("overlap", b.pk)]
    assert [(c.kind, c.other_change_id) for c in found[b.pk]] == [("overlap", a.pk)]
    assert found[a.pk][0].message == (
        f"Overlaps change {b.number} on acme-srv01: its window "
        "2025-06-14 03:00 America/New_York (UTC-04:00) – "
        "2025-06-14 05:00 America/New_York (UTC-04:00) meets this one."
    )


def test_adjacent_windows_other_assets_and_rejected_changes_do_not_conflict(w):
    """Windows are half-open: 02:00-04:00 and 04:00-06:00 meet, they do not overlap."""
    other = Asset.objects.create(customer=w.customer, site=w.site, hostname="acme-srv02")
    a = change(w, ny(2025, 6, 14, 2), ny(2025, 6, 14, 4))
    change(w, ny(2025, 6, 14, 4), ny(2025, 6, 14, 6))
    change(w, ny(2025, 6, 14, 2), ny(2025, 6, 14, 4), assets=[other])
    rejected = change(w, ny(2025, 6, 14, 3), ny(2025, 6, 14, 5))
    cs.reject_change(change=rejected, actor=w.contact.user)
    assert conflicts_for(a) == []


def test_a_change_inside_the_year_end_freeze_is_a_blackout_conflict(w):
    freeze = add_blackout(
        contract=w.contract,
        name="Year-end freeze",
        starts_at=ny(2025, 12, 15),
        ends_at=ny(2026, 1, 5),
        actor=w.agent,
    )
    inside = change(w, ny(2025, 12, 20, 2), ny(2025, 12, 20, 4))
    before = change(w, ny(2025, 12, 14, 22), ny(2025, 12, 15))  # ends as the freeze starts
    [conflict] = conflicts_for(inside)
    assert (conflict.kind, conflict.blackout_id) == ("blackout", freeze.pk)
    assert conflict.message.startswith(
        "Inside the blackout period “Year-end freeze” of contract ACME-1"
    )
    assert conflicts_for(before) == []


def test_another_contracts_blackout_does_not_apply(w):
    beta = world(code="beta")
    add_blackout(
        contract=beta.contract,
        name="Beta freeze",
        starts_at=ny(2025, 12, 15),
        ends_at=ny(2026, 1, 5),
        actor=w.agent,
    )
    assert conflicts_for(change(w, ny(2025, 12, 20, 2), ny(2025, 12, 20, 4))) == []
