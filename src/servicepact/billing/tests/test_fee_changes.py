"""Fee adjustments: proposed by staff, approved by a manager, accepted by the customer;
accepted, a contract version and the fee in force from the effective month."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from servicepact.billing.commercial import (
    accept_fee_change,
    approve_fee_change,
    close_month_charges,
    decline_fee_change,
    propose_fee_change,
)
from servicepact.billing.credits import monthly_fee
from servicepact.billing.periods import Period
from servicepact.billing.testing_commerce import shop
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.testing import Clock, ny
from servicepact.notifications.models import Notification
from servicepact.tickets.testing import world

pytestmark = pytest.mark.django_db

D = Decimal


def _new_hardware(clock: Clock, s):
    """3000 -> 3600 and 10 h -> 12 h from 1 Aug, proposed on 10 July."""
    clock.at(ny(2025, 7, 10, 10))
    return propose_fee_change(
        contract=s.contract, fee_amount="3600", included_hours="12",
        effective_from=date(2025, 8, 1), reason="new hardware", actor=s.world.agent,
    )  # fmt: skip


def test_an_accepted_fee_change_becomes_a_version_and_the_fee_from_its_month(clock: Clock):
    """3000 -> 3600 and 10 h -> 12 h from 1 Aug: July still bills 3000, August 3600 with
    12 h included; the version says why; the contact was asked by e-mail."""
    s = shop(clock)
    s.world.contact.email = "it@acme.test"
    s.world.contact.receives_statements = True
    s.world.contact.save()
    change = _new_hardware(clock, s)
    with pytest.raises(TransitionError):  # not approved internally yet
        accept_fee_change(change=change, actor=s.world.contact.user)
    approve_fee_change(change=change, actor=s.manager)
    assert Notification.objects.filter(
        event="fee_change.proposed", recipient="it@acme.test"
    ).exists()
    accepted = accept_fee_change(change=change, actor=s.world.contact.user, note="ok")
    assert accepted.status == "accepted"
    assert accepted.version is not None
    assert accepted.version.number == 2 and "new hardware" in accepted.version.reason
    with pytest.raises(TransitionError):
        accept_fee_change(change=change, actor=s.world.contact.user)
    assert monthly_fee(s.contract, Period(2025, 7)) == D("3000.00")
    assert monthly_fee(s.contract, Period(2025, 8)) == D("3600.00")
    clock.at(ny(2025, 9, 1, 9))
    july, august = (
        close_month_charges(contracts=[s.contract], period=Period(2025, m))[0] for m in (7, 8)
    )
    assert (july.total, july.hours["included"]) == (D("3000.00"), "10.00")
    assert (august.total, august.hours["included"]) == (D("3600.00"), "12.00")


def test_the_accepted_versions_reason_is_shown_in_the_readers_language(clock: Clock, client):
    """A Chinese contact accepts: the version's reason is stored in English with its note
    (not in the writer's language); the desk's contract page shows it in the reader's."""
    s = shop(clock)
    s.world.contact.preferred_language = "zh-hans"
    s.world.contact.save()
    change = _new_hardware(clock, s)
    approve_fee_change(change=change, actor=s.manager)
    with translation.override("zh-hans"):
        accepted = accept_fee_change(change=change, actor=s.world.contact.user)
    assert accepted.version is not None
    english = "Fee change accepted: fee 3600.00, included hours 12.00. new hardware"
    assert accepted.version.reason == english
    client.force_login(s.world.agent)
    url = f"/desk/contracts/{s.contract.pk}/"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert english in page
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    assert "费用变更已接受:费用 3600.00,包含工时 12.00。new hardware" in chinese
    assert "Fee change accepted" not in chinese


def test_the_customer_may_decline_and_another_customer_may_not_answer(clock: Clock):
    s = shop(clock)
    other = world(code="globex")
    change = propose_fee_change(
        contract=s.contract, fee_amount="3600", included_hours="12",
        effective_from=date(2025, 8, 1), reason="more work", actor=s.world.agent,
    )  # fmt: skip
    approve_fee_change(change=change, actor=s.manager)
    with pytest.raises(PermissionDenied):
        decline_fee_change(change=change, actor=other.contact.user)
    declined = decline_fee_change(change=change, actor=s.world.contact.user, note="too much")
    assert (declined.status, declined.answer_note, declined.version) == (
        "declined",
        "too much",
        None,
    )
    assert monthly_fee(s.contract, Period(2025, 8)) == D("3000.00")
    assert s.contract.versions.count() == 1


def test_a_fee_change_needs_a_day_in_the_term_and_a_reason(clock: Clock):
    """Any day of the term will do (a month it falls inside is split, test_fee_change_mid_month);
    a day after the term's end (31 Dec 2026) is a 422 on effective_from."""
    s = shop(clock)
    with pytest.raises(DomainValidationError) as error:
        propose_fee_change(
            contract=s.contract, fee_amount="3600.123", included_hours="-1",
            effective_from=date(2025, 8, 1), reason="x", actor=s.world.agent,
        )  # fmt: skip
    assert "fee_amount" in error.value.errors
    with pytest.raises(DomainValidationError) as error:
        propose_fee_change(
            contract=s.contract, fee_amount="3600", included_hours="10",
            effective_from=date(2027, 1, 15), reason="x", actor=s.world.agent,
        )  # fmt: skip
    assert "effective_from" in error.value.errors
    with pytest.raises(PermissionDenied):
        propose_fee_change(
            contract=s.contract, fee_amount="3600", included_hours="10",
            effective_from=date(2025, 8, 1), reason="x", actor=s.world.contact.user,
        )  # fmt: skip
