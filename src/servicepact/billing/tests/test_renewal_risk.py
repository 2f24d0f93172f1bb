"""Renewal risk: each reason is produced by the data that should produce it, and not by data
just short of it; the queries do not grow with the number of contracts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicepact.billing.choices import CreditStatus
from servicepact.billing.models import PeriodCredit, WorkLog
from servicepact.billing.renewal_risk import RenewalRisk, renewal_risks
from servicepact.contracts.models import Contract
from servicepact.core.testing import Clock, ny
from servicepact.tickets import services as ts
from servicepact.tickets.choices import ClockState
from servicepact.tickets.models import SlaClock, Ticket
from servicepact.tickets.testing import World, world

pytestmark = pytest.mark.django_db

NOW = ny(2025, 10, 1, 10)


def _world(clock: Clock, code: str, *, end: date = date(2025, 12, 31)) -> World:
    clock.at(ny(2025, 1, 2, 9))
    w = world(code=code, end=end)
    Contract.objects.filter(pk=w.contract.pk).update(included_hours=Decimal(10))
    return w


def _tickets(w: World, days_ago: list[int], *, contact: bool = True) -> list[Ticket]:
    return [
        ts.open_ticket(
            customer=w.customer,
            contact=w.contact if contact else None,
            subject=f"t{n}",
            opened_at=NOW - timedelta(days=n),
        )
        for n in days_ago
    ]


def _risk(code: str) -> RenewalRisk:
    (risk,) = [r for r in renewal_risks(now=NOW) if r.contract.customer.code == code]
    return risk


def _codes(risk: RenewalRisk) -> set[str]:
    return {r.code for r in risk.reasons}


def test_breaches_rising_and_not(clock: Clock):
    rising, steady = _world(clock, "rising"), _world(clock, "steady")
    clock.at(NOW)
    for w, recent, before in ((rising, 3, 1), (steady, 1, 1)):
        for n, ticket in enumerate(_tickets(w, [10] * recent + [120] * before)):
            clock_row = SlaClock.objects.filter(ticket=ticket).first()
            assert clock_row is not None
            days = 10 if n < recent else 120
            # The engine's own verdicts are replaced: one breach per ticket, the rest met.
            SlaClock.objects.filter(ticket=ticket).update(state=ClockState.MET)
            SlaClock.objects.filter(pk=clock_row.pk).update(
                state=ClockState.BREACHED, deadline_at=NOW - timedelta(days=days)
            )
    reason = next(r for r in _risk("rising").reasons if r.code == "breaches_rising")
    assert reason.weight == 20 and "3" in reason.text
    assert "breaches_rising" not in _codes(_risk("steady"))


def test_credits_rising_and_not(clock: Clock):
    more, less = _world(clock, "more"), _world(clock, "less")
    clock.at(NOW)
    for w, amounts in ((more, {"2025-08": "300", "2025-04": "100"}),
                       (less, {"2025-08": "100", "2025-04": "300"})):  # fmt: skip
        for period, amount in amounts.items():
            PeriodCredit.objects.create(
                contract=w.contract, period=period, status=CreditStatus.APPROVED,
                currency="USD", monthly_fee=Decimal(1000), computed_percent=Decimal(10),
                computed_amount=Decimal(amount), computed_at=NOW,
            )  # fmt: skip
    assert "credits_rising" in _codes(_risk("more"))
    assert "credits_rising" not in _codes(_risk("less"))


def test_hours_overrun_underuse_and_neither(clock: Clock):
    worlds = {code: _world(clock, code) for code in ("over", "under", "fine")}
    clock.at(NOW)
    # 30 h included over 3 months: 31 h is an overrun, 7 h underuse, 15 h neither.
    for code, hours in (("over", 31), ("under", 7), ("fine", 15)):
        (ticket,) = _tickets(worlds[code], [5])
        WorkLog.objects.create(ticket=ticket, minutes=hours * 60, date=date(2025, 9, 20))
    assert "hours_overrun" in _codes(_risk("over"))
    assert "hours_underuse" in _codes(_risk("under"))
    assert not _codes(_risk("fine")) & {"hours_overrun", "hours_underuse"}
    assert "hours_underuse" not in _codes(_risk("over"))


def test_ticket_volume_rising_and_not(clock: Clock):
    busy, calm = _world(clock, "busy"), _world(clock, "calm")
    clock.at(NOW)
    _tickets(busy, [5, 6, 7, 8, 100])  # 4 recent, 1 before
    _tickets(calm, [5, 6, 7, 100, 101])  # 3 recent, 2 before: not 1.5 x and 3 more
    assert "tickets_rising" in _codes(_risk("busy"))
    assert "tickets_rising" not in _codes(_risk("calm"))


def test_days_without_contact(clock: Clock):
    silent, talking, replying = (
        _world(clock, "silent"),
        _world(clock, "talking"),
        _world(clock, "replying"),
    )
    clock.at(NOW)
    _tickets(silent, [70])
    _tickets(talking, [59])
    (old,) = _tickets(replying, [80])
    clock.at(NOW - timedelta(days=3))
    ts.add_comment(ticket=old, author=replying.contact.user, body="any news?")
    clock.at(NOW)
    reason = next(r for r in _risk("silent").reasons if r.code == "no_contact")
    assert reason.weight == 20 and "70" in reason.text
    assert "no_contact" not in _codes(_risk("talking"))
    assert "no_contact" not in _codes(_risk("replying"))


def test_history_older_than_the_lookback_is_not_read(clock: Clock):
    """The table reads the last 180 days: a contract whose only contact was 200 days ago is
    silent "in the last 180 days"; its old ticket counts in neither 90-day window (so no
    "tickets rising" from an empty earlier window either)."""
    old = _world(clock, "old")
    clock.at(NOW)
    (ticket,) = _tickets(old, [200])
    clock.at(NOW - timedelta(days=199))
    ts.add_comment(ticket=ticket, author=old.contact.user, body="still there?")
    clock.at(NOW)
    risk = _risk("old")
    reason = next(r for r in risk.reasons if r.code == "no_contact")
    assert (
        reason.weight == 20 and reason.text == "No contact from the customer in the last 180 days"
    )
    assert "tickets_rising" not in _codes(risk)


def test_window_score_order_and_bounded_queries(clock: Clock):
    _world(clock, "later", end=date(2026, 6, 30))  # 272 days away: not in the window
    quiet = _world(clock, "quiet")
    clock.at(NOW)
    _tickets(quiet, [1])
    risks = renewal_risks(now=NOW)
    assert [r.contract.customer.code for r in risks] == ["quiet"]
    assert risks[0].days_left == 91
    assert risks[0].score == sum(r.weight for r in risks[0].reasons)
    for code in ("a1", "a2", "a3"):
        _world(clock, code)
    clock.at(NOW)
    with CaptureQueriesContext(connection) as ctx:
        many = renewal_risks(now=NOW)
    assert len(many) == 4
    assert len(ctx.captured_queries) == 7  # contracts + one per signal, not per contract
