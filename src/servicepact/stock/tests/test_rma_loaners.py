"""RMAs (faulty serial out, replacement in, the asset's component history, open -> sent ->
credited / closed) and standby machines lent to customers."""

from __future__ import annotations

from datetime import date

import pytest

from servicepact.assets.choices import ComponentKind
from servicepact.assets.configuration import configuration_history, record_component
from servicepact.assets.models import Asset
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.customers.models import Customer
from servicepact.stock import services
from servicepact.stock.choices import RmaStatus
from servicepact.stock.selectors import levels, loaners_for, overdue
from servicepact.tickets import services as ts
from servicepact.tickets.testing import ny, world

pytestmark = pytest.mark.django_db


def _hardware_ticket(st):
    asset = st.shop.world.asset
    return ts.open_ticket(customer=asset.customer, asset=asset, subject="PSU failed", priority=2)


def test_an_rma_swaps_the_serial_in_the_component_history(st, clock):
    """The asset ran PSU serial SN-OLD since 1 May; the swap at Mon 2 Jun 10:00 closes it
    there and SN-NEW runs from then on. The faulty part sits in the depot's faulty stock until
    it is sent to the vendor."""
    asset = st.shop.world.asset
    record_component(
        asset=asset, kind=ComponentKind.PART, name="PSU-acme", version="SN-OLD",
        at=ny(2025, 5, 1, 9),
    )  # fmt: skip
    ticket = _hardware_ticket(st)
    clock.at(ny(2025, 6, 2, 11))
    with pytest.raises(DomainValidationError) as err:
        services.open_rma(
            ticket=ticket, part=st.part, depot=st.depot, faulty_serial="SN-WRONG",
            replacement_serial="SN-NEW", actor=st.agent,
        )  # fmt: skip
    assert set(err.value.errors) == {"faulty_serial"}
    rma = services.open_rma(
        ticket=ticket, part=st.part, depot=st.depot, faulty_serial="SN-OLD",
        replacement_serial="SN-NEW", at=ny(2025, 6, 2, 10), actor=st.agent,
    )  # fmt: skip
    history = [
        (c.version, c.valid_from, c.valid_to)
        for c in configuration_history(asset)
        if c.kind == ComponentKind.PART
    ]
    assert history == [
        ("SN-OLD", ny(2025, 5, 1, 9), ny(2025, 6, 2, 10)),
        ("SN-NEW", ny(2025, 6, 2, 10), None),
    ]
    assert levels(st.part.pk, st.depot.pk).faulty == 1
    with pytest.raises(TransitionError):
        services.advance_rma(rma=rma, status=RmaStatus.CREDITED, actor=st.agent)
    services.advance_rma(rma=rma, status=RmaStatus.SENT, vendor_reference="V-77", actor=st.agent)
    assert levels(st.part.pk, st.depot.pk).faulty == 0
    rma = services.advance_rma(rma=rma, status=RmaStatus.CREDITED, actor=st.agent)
    rma = services.advance_rma(rma=rma, status=RmaStatus.CLOSED, actor=st.agent)
    assert (rma.status, rma.vendor_reference) == (RmaStatus.CLOSED, "V-77")
    with pytest.raises(TransitionError):
        services.advance_rma(rma=rma, status=RmaStatus.SENT, actor=st.agent)
    with pytest.raises(DomainValidationError) as err:
        services.advance_rma(rma=rma, status="lost", actor=st.agent)
    assert set(err.value.errors) == {"status"}


def test_an_rma_needs_an_asset_and_two_serials(st):
    with pytest.raises(DomainValidationError) as err:
        services.open_rma(
            ticket=st.ticket, part=st.part, depot=st.depot, faulty_serial="A",
            replacement_serial="B", actor=st.agent,
        )  # fmt: skip
    assert set(err.value.errors) == {"ticket"}  # the shop's ticket names no asset
    ticket = _hardware_ticket(st)
    for faulty, replacement, field in (
        ("", "B", "faulty_serial"),
        ("A", "A", "replacement_serial"),
    ):
        with pytest.raises(DomainValidationError) as err:
            services.open_rma(
                ticket=ticket, part=st.part, depot=st.depot, faulty_serial=faulty,
                replacement_serial=replacement, actor=st.agent,
            )  # fmt: skip
        assert set(err.value.errors) == {field}


@pytest.fixture
def house(db):
    """The provider's own customer record, which owns the standby machines."""
    provider = Customer.objects.create(name="Provider", code="house", timezone="UTC")
    return Asset.objects.create(customer=provider, hostname="standby-01")


def test_a_loaner_is_lent_overdue_and_returned(st, house, clock):
    customer = st.shop.world.customer
    loan = services.lend_loaner(
        asset=house, customer=customer, lent_on=date(2025, 6, 2), due_back_on=date(2025, 6, 9),
        ticket=st.ticket, actor=st.agent,
    )  # fmt: skip
    rows = loaners_for(st.agent)
    assert list(overdue(rows, date(2025, 6, 9))) == []  # due today: not overdue yet
    assert list(overdue(rows, date(2025, 6, 10))) == [loan]
    with pytest.raises(DomainValidationError) as err:
        services.lend_loaner(
            asset=house, customer=customer, lent_on=date(2025, 6, 3),
            due_back_on=date(2025, 6, 4), actor=st.agent,
        )  # fmt: skip
    assert set(err.value.errors) == {"asset"}  # lent already
    with pytest.raises(DomainValidationError) as err:
        services.return_loaner(loaner=loan, returned_on=date(2025, 6, 1), actor=st.agent)
    assert set(err.value.errors) == {"returned_on"}
    services.return_loaner(loaner=loan, returned_on=date(2025, 6, 10), actor=st.agent)
    assert list(overdue(loaners_for(st.agent), date(2025, 6, 20))) == []
    with pytest.raises(TransitionError):
        services.return_loaner(loaner=loan, returned_on=date(2025, 6, 11), actor=st.agent)
    again = services.lend_loaner(
        asset=house, customer=customer, lent_on=date(2025, 6, 12), due_back_on=date(2025, 6, 12),
        actor=st.agent,
    )  # fmt: skip
    assert again.pk != loan.pk


def test_a_loaner_validation_and_tenancy(st, house, clock):
    customer = st.shop.world.customer
    other = world(code="globex")
    with pytest.raises(DomainValidationError) as err:
        services.lend_loaner(
            asset=st.shop.world.asset, customer=customer, lent_on=date(2025, 6, 2),
            due_back_on=date(2025, 6, 1), actor=st.agent,
        )  # fmt: skip
    assert set(err.value.errors) == {"asset", "due_back_on"}
    with pytest.raises(DomainValidationError) as err:
        services.lend_loaner(
            asset=house, customer=other.customer, lent_on=date(2025, 6, 2),
            due_back_on=date(2025, 6, 3), ticket=st.ticket, actor=st.agent,
        )  # fmt: skip
    assert set(err.value.errors) == {"ticket"}
    services.lend_loaner(
        asset=house, customer=customer, lent_on=date(2025, 6, 2), due_back_on=date(2025, 6, 3),
        actor=st.agent,
    )  # fmt: skip
    assert loaners_for(st.shop.world.contact.user).count() == 1
    assert loaners_for(other.contact.user).count() == 0
