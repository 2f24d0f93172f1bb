"""Parts used on tickets: charged at cost plus the rate card's markup at the period close,
never under warranty; validation, closed months and staff only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from servicepact.billing.charge_rules import PartRow, part_lines, part_price
from servicepact.billing.commercial import close_month_charges
from servicepact.billing.models import PartUse
from servicepact.billing.parts import delete_part, record_part
from servicepact.billing.periods import Period
from servicepact.billing.testing_commerce import shop
from servicepact.core.errors import DomainValidationError
from servicepact.core.testing import Clock, ny

pytestmark = pytest.mark.django_db

D = Decimal
JUNE = Period(2025, 6)


def test_part_price_is_cost_plus_markup_rounded_to_the_minor_unit():
    assert part_price(D("80.00"), D("20"), 2) == D("96.00")
    assert part_price(D("10.01"), D("12.5"), 2) == D("11.26")  # 11.26125 half up
    assert part_price(D("999"), D("15"), 0) == D("1149")  # JPY 1148.85 -> 1149
    assert part_price(D("50.00"), D("0"), 2) == D("50.00")


def test_part_lines_skip_warranty_and_free_parts():
    parts = [
        PartRow("HD-2T", "Disk 2 TB", 2, D("80.00"), False),
        PartRow("PSU-1", "Power supply", 1, D("120.00"), True),  # under warranty
        PartRow("CBL", "Cable", 3, D("0.00"), False),  # free: no line
    ]
    (line,) = part_lines(parts, D("20"), 2)
    assert (line.kind, line.description, line.quantity, line.unit_price, line.amount) == (
        "parts",
        "HD-2T Disk 2 TB",
        D(2),
        D("96.00"),
        D("192.00"),
    )
    assert part_lines([parts[1]], D("20"), 2) == []


def test_billable_parts_are_charged_at_close_and_warranty_parts_are_not(clock: Clock):
    """2 disks at 80.00 + 20 % = 2 x 96.00 = 192.00; a power supply under warranty costs
    nothing; a part of July is not in June's charge."""
    s = shop(clock)
    clock.at(ny(2025, 7, 2, 9))
    agent = s.world.agent
    record_part(ticket=s.ticket, actor=agent, part_number="HD-2T", description="Disk 2 TB",
                quantity=2, unit_price="80.00", day=date(2025, 6, 3))  # fmt: skip
    record_part(ticket=s.ticket, actor=agent, part_number="PSU-1", description="Power supply",
                quantity=1, unit_price="120.00", under_warranty=True, day=date(2025, 6, 4))  # fmt: skip
    record_part(ticket=s.ticket, actor=agent, part_number="FAN", description="Fan",
                quantity=1, unit_price="15.00", day=date(2025, 7, 1))  # fmt: skip
    (charge,) = close_month_charges(contracts=[s.contract], period=JUNE)
    rows = [(x.kind, x.description, x.quantity, x.unit_price, x.amount) for x in charge.lines.all()]
    assert rows == [
        ("base_fee", "Base fee", D("1.0000"), D("3000.00"), D("3000.00")),
        ("parts", "Part HD-2T Disk 2 TB", D("2.0000"), D("96.00"), D("192.00")),
    ]
    assert charge.total == D("3192.00")


def test_only_warranty_parts_make_no_parts_line(clock: Clock):
    s = shop(clock)
    clock.at(ny(2025, 7, 2, 9))
    record_part(ticket=s.ticket, actor=s.world.agent, part_number="PSU-1",
                description="Power supply", quantity=3, unit_price="120.00",
                under_warranty=True, day=date(2025, 6, 4))  # fmt: skip
    (charge,) = close_month_charges(contracts=[s.contract], period=JUNE)
    assert [x.kind for x in charge.lines.all()] == ["base_fee"]
    assert charge.total == D("3000.00")


def test_a_part_is_validated_field_by_field(clock: Clock):
    s = shop(clock)
    with pytest.raises(DomainValidationError) as error:
        record_part(ticket=s.ticket, actor=s.world.agent, part_number=" ", description="",
                    quantity=0, unit_price="-1", day=date(2025, 6, 9))  # fmt: skip
    assert set(error.value.errors) == {"part_number", "description", "quantity", "unit_price",
                                       "date"}  # fmt: skip
    with pytest.raises(DomainValidationError) as error:
        record_part(ticket=s.ticket, actor=s.world.agent, part_number="X", description="Y",
                    quantity=1, unit_price="1.005")  # fmt: skip
    assert set(error.value.errors) == {"unit_price"}  # USD has two decimals
    assert not PartUse.objects.exists()


def test_only_staff_record_or_delete_parts(clock: Clock):
    s = shop(clock)
    with pytest.raises(PermissionDenied):
        record_part(ticket=s.ticket, actor=s.world.contact.user, part_number="X",
                    description="Y", quantity=1, unit_price="1")  # fmt: skip
    part = record_part(ticket=s.ticket, actor=s.world.agent, part_number="X", description="Y",
                       quantity=1, unit_price="1")  # fmt: skip
    with pytest.raises(PermissionDenied):
        delete_part(part=part, actor=s.world.contact.user)
    delete_part(part=part, actor=s.world.agent)
    assert not PartUse.objects.exists()


def test_a_charged_month_is_closed_to_parts(clock: Clock):
    """Once June's charge is produced, a June part can neither be added nor removed."""
    s = shop(clock)
    clock.at(ny(2025, 6, 30, 12))
    part = record_part(ticket=s.ticket, actor=s.world.agent, part_number="X", description="Y",
                       quantity=1, unit_price="10", day=date(2025, 6, 30))  # fmt: skip
    clock.at(ny(2025, 7, 1, 9))
    close_month_charges(contracts=[s.contract], period=JUNE)
    with pytest.raises(DomainValidationError) as error:
        record_part(ticket=s.ticket, actor=s.world.agent, part_number="Z", description="Y",
                    quantity=1, unit_price="10", day=date(2025, 6, 29))  # fmt: skip
    assert set(error.value.errors) == {"date"}
    with pytest.raises(DomainValidationError):
        delete_part(part=part, actor=s.world.agent)
    assert PartUse.objects.count() == 1
