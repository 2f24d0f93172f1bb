"""Version management: the configuration record's history ("what ran on this server on a
given date"), updated by verified changes only."""

from __future__ import annotations

import pytest

from servicepact.assets.configuration import current_software, record_component, software_at
from servicepact.changes import services as cs
from servicepact.core.errors import DomainValidationError
from servicepact.tickets.testing import world

from .conftest import ny

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def w():
    return world()


def versions(asset, at):
    return [(c.kind, c.name, c.version) for c in software_at([asset.pk], at).get(asset.pk, [])]


def test_history_as_of_a_date(w):
    """BIOS 2.1 from 1 March, 2.4 from 1 May: 15 April -> 2.1, 1 May 00:00 -> 2.4 (the
    interval is half-open), before 1 March -> nothing."""
    record_component(asset=w.asset, kind="bios", name="BIOS", version="2.1", at=ny(2025, 3, 1))
    record_component(asset=w.asset, kind="os", name="RHEL", version="9.4", at=ny(2025, 3, 1))
    record_component(asset=w.asset, kind="bios", name="BIOS", version="2.4", at=ny(2025, 5, 1))
    assert versions(w.asset, ny(2025, 4, 15)) == [("bios", "BIOS", "2.1"), ("os", "RHEL", "9.4")]
    assert versions(w.asset, ny(2025, 5, 1)) == [("bios", "BIOS", "2.4"), ("os", "RHEL", "9.4")]
    assert versions(w.asset, ny(2025, 2, 28)) == []
    assert [c.version for c in current_software([w.asset.pk])[w.asset.pk]] == ["2.4", "9.4"]


def test_history_is_appended_not_rewritten(w):
    record_component(asset=w.asset, kind="bios", name="BIOS", version="2.4", at=ny(2025, 5, 1))
    with pytest.raises(DomainValidationError) as err:
        record_component(asset=w.asset, kind="bios", name="BIOS", version="2.1", at=ny(2025, 4, 1))
    assert list(err.value.errors) == ["at"]
    with pytest.raises(DomainValidationError) as err:
        record_component(asset=w.asset, kind="toaster", name="x", version="1", at=ny(2025, 6, 1))
    assert list(err.value.errors) == ["kind"]


def change_with_update(w):
    change = cs.request_change(
        customer=w.customer,
        title="BIOS update",
        assets=[w.asset],
        planned_start=ny(2025, 6, 9, 9),
        planned_end=ny(2025, 6, 9, 11),
        details=cs.ChangeDetails(
            configuration=[cs.ConfigUpdateIn(w.asset.pk, "bios", "BIOS", "2.6")]
        ),
        actor=w.agent,
    )
    cs.approve_change(change=change, actor=w.contact.user)
    return cs.execute_change(change=change, action="start", actor=w.agent)


def test_a_verified_change_updates_the_record(w, clock):
    record_component(asset=w.asset, kind="bios", name="BIOS", version="2.4", at=ny(2025, 5, 1))
    change = change_with_update(w)
    cs.execute_change(change=change, action="implement", actor=w.agent)
    clock.at(ny(2025, 6, 9, 10, 30))
    cs.execute_change(change=change, action="verify", actor=w.agent)
    assert versions(w.asset, ny(2025, 6, 9, 10, 29)) == [("bios", "BIOS", "2.4")]
    assert versions(w.asset, ny(2025, 6, 9, 10, 30)) == [("bios", "BIOS", "2.6")]
    [item] = [c for c in current_software([w.asset.pk])[w.asset.pk]]
    assert item.source == f"change {change.number}"
    assert change.configuration_updates.get().applied_id is not None


def test_a_rolled_back_change_leaves_the_record_alone(w):
    record_component(asset=w.asset, kind="bios", name="BIOS", version="2.4", at=ny(2025, 5, 1))
    change = change_with_update(w)
    cs.execute_change(change=change, action="roll_back", actor=w.agent)
    assert versions(w.asset, ny(2025, 7, 1)) == [("bios", "BIOS", "2.4")]
    assert change.configuration_updates.get().applied_id is None


def test_updates_must_name_the_changes_assets(w):
    beta = world(code="beta")
    with pytest.raises(DomainValidationError) as err:
        cs.request_change(
            customer=w.customer,
            title="x",
            assets=[w.asset],
            planned_start=ny(2025, 6, 9, 9),
            planned_end=ny(2025, 6, 9, 11),
            details=cs.ChangeDetails(
                configuration=[cs.ConfigUpdateIn(beta.asset.pk, "bios", "BIOS", "2.6")]
            ),
        )
    assert list(err.value.errors) == ["configuration[0].asset"]
