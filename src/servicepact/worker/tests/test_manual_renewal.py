"""renew_contract: a manually renewing contract in grace gets a new term and is active again;
refusals leave nothing behind."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from servicepact.contracts.escalation import ContractEvent
from servicepact.contracts.lifecycle import term_of
from servicepact.contracts.models import Contract
from servicepact.contracts.renewal import Term
from servicepact.contracts.services import renew_contract
from servicepact.core.errors import DomainValidationError
from servicepact.tickets.testing import ny, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_grace(clock):
    """ACME-1 ended on 31 Dec 2026; on 10 Jan 2027 it is in its 30 days of grace."""
    clock.at(ny(2025, 6, 2, 9))
    w = world(code="acme")
    clock.at(ny(2027, 1, 10, 9))
    return w


def test_a_contract_in_grace_is_renewed_and_active_again(in_grace):
    """A six-month term 1 Jan -> 30 Jun 2027: status active, and an automatic renewal (were the
    contract switched to automatic) would repeat six months."""
    w = in_grace
    assert w.contract.status_on(date(2027, 1, 10)) == "grace"
    version = renew_contract(contract=w.contract, end_date=date(2027, 6, 30), actor=w.agent)
    contract = Contract.objects.get(pk=w.contract.pk)
    assert (contract.end_date, contract.status, version.number) == (
        date(2027, 6, 30),
        "active",
        2,
    )
    assert term_of(contract) == Term(months=6)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"end_date": date(2026, 12, 31)}, "end_date"),
        ({"end_date": date(2027, 12, 31), "fee_amount": "-1"}, "fee_amount"),
        ({"end_date": date(2027, 12, 31), "fee_amount": "12.345"}, "fee_amount"),
        ({"end_date": date(2027, 12, 31), "fee_amount": "lots"}, "fee_amount"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(in_grace, kwargs, field):
    with pytest.raises(DomainValidationError) as error:
        renew_contract(contract=in_grace.contract, actor=in_grace.agent, **kwargs)
    assert field in error.value.errors
    assert (in_grace.contract.versions.count(), ContractEvent.objects.count()) == (1, 0)


def test_only_staff_renew(in_grace):
    with pytest.raises(PermissionDenied):
        renew_contract(
            contract=in_grace.contract, end_date=date(2027, 12, 31), actor=in_grace.contact.user
        )
    assert Contract.objects.get(pk=in_grace.contract.pk).end_date == date(2026, 12, 31)
