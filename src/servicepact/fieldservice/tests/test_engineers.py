"""Depots and engineers: the fields the parts stock relies on, validation naming fields."""

from __future__ import annotations

import pytest

from servicepact.core.errors import DomainValidationError
from servicepact.fieldservice.models import Depot, Engineer
from servicepact.fieldservice.services import create_depot, create_engineer

from .conftest import user

pytestmark = pytest.mark.django_db


def test_engineer_takes_the_depot_zone_and_normalises_skills(depot):
    e = create_engineer(
        user=user("sam", staff=True), home_depot=depot, skills=["RAID", "raid", "psu"]
    )
    assert (e.timezone, e.skills, e.active) == ("America/New_York", ["raid", "psu"], True)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"skills": ["disk swap"]}, "skills"),
        ({"skills": [f"s{i}" for i in range(31)]}, "skills"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"staff": False}, "user"),
    ],
)
def test_bad_engineers_are_refused_naming_the_field(depot, kwargs, field):
    staff = kwargs.pop("staff", True)
    with pytest.raises(DomainValidationError) as refused:
        create_engineer(user=user("pat", staff=staff), home_depot=depot, **kwargs)
    assert field in refused.value.errors
    assert not Engineer.objects.exists()


def test_depot_names_are_unique_and_zones_checked(depot):
    with pytest.raises(DomainValidationError) as same:
        create_depot(name="Newark", timezone="UTC")
    assert "name" in same.value.errors
    with pytest.raises(DomainValidationError) as zone:
        create_depot(name="Nowhere", timezone="Not/AZone")
    assert "timezone" in zone.value.errors
    assert list(Depot.objects.values_list("name", flat=True)) == ["Newark"]
