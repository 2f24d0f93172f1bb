"""The stock ledger: sums of immutable rows, never below zero, one low-stock alert per
crossing, consumption as exactly one part use (none on release)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from servicepact.assets.models import WarrantyEntitlement
from servicepact.assets.services import create_warranty
from servicepact.billing.models import PartUse
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.models import ImmutableModelError
from servicepact.notifications.models import Notification
from servicepact.stock import services
from servicepact.stock.choices import MovementKind, ReservationStatus
from servicepact.stock.models import StockMovement
from servicepact.stock.selectors import balances, levels, low_balances
from servicepact.tickets import services as ts

from .conftest import stocked

pytestmark = pytest.mark.django_db


def test_levels_are_the_sums_of_the_movements(st, clock):
    """Received 5 and two reservations of 1 (available 3). Then: release one (reserved 1),
    consume the other (on hand 4, reserved 0), adjust -1 (3), transfer 1 out (2). Here:
    on hand 2, reserved 0, available 2; the other depot: 1 on hand."""
    other = services.create_depot(name="Backup depot", timezone="UTC", actor=st.agent)
    one = services.reserve_part(
        ticket=st.ticket, part=st.part, depot=st.depot, quantity=1, actor=st.agent
    )
    two = services.reserve_part(
        ticket=st.ticket, part=st.part, depot=st.depot, quantity=1, actor=st.agent
    )
    assert levels(st.part.pk, st.depot.pk).available == 3
    services.release_reservation(reservation=two, actor=st.agent)
    services.consume_reservation(reservation=one, actor=st.agent)
    services.adjust_stock(
        part=st.part, depot=st.depot, delta=-1, reason="dropped in the van", actor=st.agent
    )
    services.transfer_stock(part=st.part, source=st.depot, target=other, quantity=1, actor=st.agent)
    here = levels(st.part.pk, st.depot.pk)
    assert (here.on_hand, here.reserved, here.available) == (2, 0, 2)
    there = levels(st.part.pk, other.pk)
    assert (there.on_hand, there.available) == (1, 1)
    kinds = list(
        StockMovement.objects.filter(depot=st.depot).order_by("id").values_list("kind", flat=True)
    )
    assert kinds == [
        MovementKind.RECEIVED,
        MovementKind.RESERVED,
        MovementKind.RESERVED,
        MovementKind.RELEASED,
        MovementKind.CONSUMED,
        MovementKind.ADJUSTED,
        MovementKind.TRANSFERRED,
    ]
    # The page's SQL sums agree with the aggregate.
    row = balances().get(part=st.part, depot=st.depot)
    assert (row.on_hand, row.reserved, row.available, row.faulty) == (2, 0, 2, 0)


def test_a_movement_is_never_changed_or_deleted(st):
    row = StockMovement.objects.first()
    row.reason = "edited"
    with pytest.raises(ImmutableModelError):
        row.save()
    with pytest.raises(ImmutableModelError):
        row.delete()


def test_stock_never_goes_below_zero_and_a_refusal_stores_nothing(st):
    services.reserve_part(
        ticket=st.ticket, part=st.part, depot=st.depot, quantity=4, actor=st.agent
    )
    before = StockMovement.objects.count()
    with pytest.raises(DomainValidationError) as err:
        services.reserve_part(
            ticket=st.ticket, part=st.part, depot=st.depot, quantity=2, actor=st.agent
        )
    assert set(err.value.errors) == {"quantity"}
    assert "only 1 available" in err.value.errors["quantity"][0]
    with pytest.raises(DomainValidationError) as err:
        services.adjust_stock(
            part=st.part, depot=st.depot, delta=-2, reason="count", actor=st.agent
        )
    assert set(err.value.errors) == {"delta"}  # 5 on hand, 4 reserved: at most -1
    other = services.create_depot(name="Other", timezone="UTC", actor=st.agent)
    with pytest.raises(DomainValidationError):
        services.transfer_stock(
            part=st.part, source=st.depot, target=other, quantity=2, actor=st.agent
        )
    assert StockMovement.objects.count() == before
    assert st.ticket.reservations.count() == 1


def test_validation_names_the_field_and_only_staff_write(st):
    for bad in (0, -1, 10_001, "2", True):
        with pytest.raises(DomainValidationError) as err:
            services.receive_stock(part=st.part, depot=st.depot, quantity=bad, actor=st.agent)
        assert set(err.value.errors) == {"quantity"}
    with pytest.raises(DomainValidationError) as err:
        services.adjust_stock(part=st.part, depot=st.depot, delta=2, reason=" ", actor=st.agent)
    assert set(err.value.errors) == {"reason"}
    with pytest.raises(DomainValidationError) as err:
        services.create_part(
            part_number="X", description="Y", unit_cost="1.001", currency="USD", actor=st.agent
        )
    assert set(err.value.errors) == {"unit_cost"}
    with pytest.raises(DomainValidationError) as err:
        services.create_part(
            part_number=st.part.part_number, description="Y", unit_cost="1", currency="EUR",
            actor=st.agent,
        )  # fmt: skip
    assert set(err.value.errors) == {"part_number"}
    with pytest.raises(PermissionDenied):
        services.receive_stock(
            part=st.part, depot=st.depot, quantity=1, actor=st.shop.world.contact.user
        )


def test_a_closed_ticket_gets_no_reservation(st, clock):
    ts.acknowledge_ticket(ticket=st.ticket, actor=st.agent)
    ts.start_work(ticket=st.ticket, actor=st.agent)
    ts.resolve_ticket(ticket=st.ticket, actor=st.agent, resolution="fixed")
    with pytest.raises(TransitionError):
        services.reserve_part(
            ticket=st.ticket, part=st.part, depot=st.depot, quantity=1, actor=st.agent
        )


def _alerts() -> int:
    return Notification.objects.filter(event="stock.low").count()


def test_low_stock_alerts_once_per_crossing(st):
    """Threshold 3, 5 received. Reserve 2 -> available 3: not below, no alert. Reserve 1 ->
    2: crossed, one alert (the service manager, in-app; no e-mail address). Reserve 1 -> 1:
    still below, nothing new. Release both -> 4: back above. Reserve 2 -> 2: the second
    crossing, a second alert."""
    services.set_threshold(part=st.part, depot=st.depot, threshold=3, actor=st.agent)
    a = services.reserve_part(
        ticket=st.ticket, part=st.part, depot=st.depot, quantity=2, actor=st.agent
    )
    assert _alerts() == 0 and not low_balances().exists()
    b = services.reserve_part(
        ticket=st.ticket, part=st.part, depot=st.depot, quantity=1, actor=st.agent
    )
    assert _alerts() == 1
    alert = Notification.objects.get(event="stock.low")
    assert alert.user == st.shop.manager
    assert alert.subject == "Low stock: PSU-acme at acme depot"
    assert alert.payload["available"] == 2 and alert.payload["threshold"] == 3
    c = services.reserve_part(
        ticket=st.ticket, part=st.part, depot=st.depot, quantity=1, actor=st.agent
    )
    assert _alerts() == 1
    assert list(low_balances().values_list("available", flat=True)) == [1]
    for r in (b, c):
        services.release_reservation(reservation=r, actor=st.agent)
    assert _alerts() == 1 and not low_balances().exists()
    services.release_reservation(reservation=a, actor=st.agent)
    services.reserve_part(
        ticket=st.ticket, part=st.part, depot=st.depot, quantity=3, actor=st.agent
    )
    assert _alerts() == 2


def test_consumption_is_exactly_one_part_use_and_release_none(st, clock):
    """2 reserved and consumed: one PartUse of 2 x 80.00 USD, not under warranty (the ticket
    has no asset). A released reservation leaves no part use."""
    kept = services.reserve_part(
        ticket=st.ticket, part=st.part, depot=st.depot, quantity=2, actor=st.agent
    )
    dropped = services.reserve_part(
        ticket=st.ticket, part=st.part, depot=st.depot, quantity=1, actor=st.agent
    )
    services.release_reservation(reservation=dropped, actor=st.agent)
    assert PartUse.objects.count() == 0
    done = services.consume_reservation(reservation=kept, actor=st.agent)
    use = PartUse.objects.get()
    assert done.part_use == use and done.status == ReservationStatus.CONSUMED
    assert (use.part_number, use.quantity, use.unit_price, use.under_warranty) == (
        "PSU-acme", 2, Decimal("80.00"), False,
    )  # fmt: skip
    assert use.date == date(2025, 6, 2)
    with pytest.raises(TransitionError):
        services.consume_reservation(reservation=kept, actor=st.agent)
    with pytest.raises(TransitionError):
        services.release_reservation(reservation=kept, actor=st.agent)
    assert PartUse.objects.count() == 1
    assert levels(st.part.pk, st.depot.pk).on_hand == 3


def test_a_part_is_under_warranty_when_the_warranty_covers_parts_or_the_contract_does(st, clock):
    """The asset's warranty entitlement covers parts until 2025-06-02 (today) and labour for
    a year more: the first part is free. Parts coverage then ends yesterday (labour still
    runs): the second part is charged, the entitlement's labour dates do not make a part
    free. The third is free because staff state the contract covers parts."""
    asset = st.shop.world.asset
    plan = st.shop.world.contract.plan
    warranty = create_warranty(
        asset=asset,
        plan=plan,
        source="manufacturer",
        parts_start=date(2024, 6, 3),
        parts_end=date(2025, 6, 2),  # the last day of parts warranty is today
        labour_start=date(2024, 6, 3),
        labour_end=date(2026, 6, 2),
    )
    ticket = ts.open_ticket(customer=asset.customer, asset=asset, subject="PSU", priority=2)
    r = services.reserve_part(
        ticket=ticket, part=st.part, depot=st.depot, quantity=1, actor=st.agent
    )
    services.consume_reservation(reservation=r, actor=st.agent)
    WarrantyEntitlement.objects.filter(pk=warranty.pk).update(parts_end=date(2025, 6, 1))
    r = services.reserve_part(
        ticket=ticket, part=st.part, depot=st.depot, quantity=1, actor=st.agent
    )
    services.consume_reservation(reservation=r, actor=st.agent)
    r = services.reserve_part(
        ticket=ticket, part=st.part, depot=st.depot, quantity=1, actor=st.agent
    )
    services.consume_reservation(reservation=r, actor=st.agent, covered_by_contract=True)
    flags = list(PartUse.objects.order_by("id").values_list("under_warranty", flat=True))
    assert flags == [True, False, True]


def test_the_legacy_warranty_date_alone_does_not_make_a_part_free(st, clock):
    """``Asset.warranty_end`` without an entitlement is information only (it covers
    nothing): the part is charged."""
    asset = st.shop.world.asset
    asset.warranty_end = date(2026, 1, 1)
    asset.save()
    ticket = ts.open_ticket(customer=asset.customer, asset=asset, subject="PSU", priority=2)
    r = services.reserve_part(
        ticket=ticket, part=st.part, depot=st.depot, quantity=1, actor=st.agent
    )
    services.consume_reservation(reservation=r, actor=st.agent)
    assert list(PartUse.objects.values_list("under_warranty", flat=True)) == [False]


def test_a_part_costed_in_another_currency_is_refused_and_nothing_moves(st, clock):
    eur = services.create_part(
        part_number="FAN-1", description="Fan", unit_cost="10", currency="EUR", actor=st.agent
    )
    services.receive_stock(part=eur, depot=st.depot, quantity=1, actor=st.agent)
    r = services.reserve_part(
        ticket=st.ticket, part=eur, depot=st.depot, quantity=1, actor=st.agent
    )
    with pytest.raises(DomainValidationError) as err:
        services.consume_reservation(reservation=r, actor=st.agent)
    assert set(err.value.errors) == {"currency"}
    assert PartUse.objects.count() == 0
    assert levels(eur.pk, st.depot.pk).on_hand == 1


def test_two_depots_transfer_both_ways(clock, db):
    s = stocked(clock, received=2)
    other = services.create_depot(name="North", timezone="UTC", actor=s.agent)
    with pytest.raises(DomainValidationError) as err:
        services.transfer_stock(
            part=s.part, source=s.depot, target=s.depot, quantity=1, actor=s.agent
        )
    assert set(err.value.errors) == {"target"}
    services.transfer_stock(part=s.part, source=s.depot, target=other, quantity=2, actor=s.agent)
    services.transfer_stock(part=s.part, source=other, target=s.depot, quantity=1, actor=s.agent)
    assert (levels(s.part.pk, s.depot.pk).on_hand, levels(s.part.pk, other.pk).on_hand) == (1, 1)
