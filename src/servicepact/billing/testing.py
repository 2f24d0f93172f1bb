"""A small fixed month of tickets for the tests of billing and reports (and the demo).

June 2025 on Mon-Fri 09:00-18:00 America/New_York (EDT, UTC-4), the default test plan of
``tickets.testing.plan`` (minutes: P1 first response 30, on-site 240, restore 240,
resolution 480; P2 60/-/240/480; P3 120/-/-/960; P4 240/-/-/2400). Every ticket is built
through the real ticket services at controlled instants. What each one does (business
minutes; "D" = the clock's decision instant, which puts it in a month):

T1 P1 hardware, Mon 2 Jun 10:00. Ack 10:20 (20, met). On site 15:00 (300 > 240: breached,
   deadline 14:00, by 60). Restored 15:30 (330: breached, deadline 14:00, by 90). Resolved
   17:00 (420 <= 480: met).
T2 P1 hardware, Tue 3 Jun 09:00. Ack 09:45 (45 > 30: breached, deadline 09:30, by 15).
   On site 12:00 (180, met). Restored 12:30 (210, met). Resolved 16:00 (420, met).
T3 P2 network (no on-site clock), Wed 4 Jun 16:00. Ack 16:30 (30, met). Waiting on the
   customer Wed 17:00 -> Thu 11:00. Restored Thu 12:00 (60 + 60 = 120, met). Resolved Thu
   16:00 (60 + 300 = 360, met; without the pause it would be 540 > 480).
T4 P1 hardware, Fri 6 Jun 10:00, flagged force majeure. Ack 10:10 (10, met). On site
   16:00 and restored 16:00 (360: both breached, deadline 14:00, by 120). Resolved 17:00
   (420, met).
T5 P3 hardware, Mon 30 Jun 17:00. Ack Tue 1 Jul 10:00 (60 + 60 = 120: met exactly on the
   target, D = 1 Jul: July). Resolved 1 Jul 12:00 (July).
T6 P2 hardware, Fri 30 May 17:00. Ack Mon 2 Jun 09:30 (90 > 60: breached with D = deadline
   Fri 30 May 18:00: May). Resolved Mon 2 Jun 12:00: resolution 240 <= 480 met, restore
   240 = 240 met exactly (D = 2 Jun: June).
T7 P4 hardware, Fri 27 Jun 10:00. Ack 11:00 (60, met). Still open on 1 Jul 00:00
   (resolution 1020 of 2400: not decided, not counted).

June therefore decides 18 clocks: first response P1 2 met / 1 breached, P2 1/0, P4 1/0;
on site P1 1/2; restore P1 1/2, P2 2/0; resolution P1 3/0, P2 2/0. Breaches: T1 on site,
T1 restore, T2 first response, T4 on site and T4 restore (the last two force majeure).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from servicepact.accounts.choices import StaffRole
from servicepact.accounts.models import StaffProfile
from servicepact.billing.services import flag_force_majeure, set_credit_schedule
from servicepact.contracts.models import Contract
from servicepact.core.testing import Clock
from servicepact.core.testing import ny as ny  # re-exported: the billing and reports tests use it
from servicepact.tickets import services as ts
from servicepact.tickets.models import Ticket
from servicepact.tickets.testing import World, user, world


@dataclass
class June:
    world: World
    contract: Contract
    manager: Any
    tickets: dict[str, Ticket]


def manager(username: str = "manager") -> Any:
    u = user(username, staff=True)
    StaffProfile.objects.create(user=u, role=StaffRole.SERVICE_MANAGER)
    return u


def june_schedule(contract: Contract, *, cap: str | None = "30") -> None:
    """Tiers <99.95 -> 5 %, <99.9 -> 10 %, <99 -> 25 %; P1 on site 2 %, P1 first response
    1 %, P1 restore 1.5 % per breach; cap ``cap`` %; claims within 30 days."""
    set_credit_schedule(
        version=contract.versions.get(number=1),
        tiers=[("99.95", "5"), ("99.9", "10"), ("99", "25")],
        breach_credits=[
            {"metric": "on_site", "priority": 1, "credit_percent": "2"},
            {"metric": "first_response", "priority": 1, "credit_percent": "1"},
            {"metric": "restore", "priority": 1, "credit_percent": "1.5"},
        ],
        cap_percent=cap,
        claim_window_days=30,
    )


def _open(w: World, clock: Clock, at: datetime, subject: str, **kw: Any) -> Ticket:
    clock.at(at)
    return ts.open_ticket(
        customer=w.customer, contact=w.contact, asset=w.asset, subject=subject, **kw
    )


def _step(clock: Clock, at: datetime, action: Any, ticket: Ticket, **kw: Any) -> Ticket:
    clock.at(at)
    moved: Ticket = action(ticket=Ticket.objects.get(pk=ticket.pk), **kw)
    return moved


def june_month(
    clock: Clock,
    *,
    code: str = "acme",
    fee: str = "3000",
    fee_period: str = "monthly",
    included_hours: str = "10",
    cap: str | None = "30",
) -> June:
    """The month described in the module docstring; time is left at Tue 1 Jul 2025 12:00."""
    clock.at(ny(2025, 5, 1, 8))
    w = world(code=code)
    Contract.objects.filter(pk=w.contract.pk).update(
        fee_amount=Decimal(fee), fee_period=fee_period, included_hours=Decimal(included_hours)
    )
    contract = Contract.objects.get(pk=w.contract.pk)
    boss = manager(f"{code}-manager")
    june_schedule(contract, cap=cap)
    a = w.agent
    t: dict[str, Ticket] = {}

    t["T6"] = _open(w, clock, ny(2025, 5, 30, 17), "Fan noise", impact=2, urgency=2)
    t["T1"] = _open(w, clock, ny(2025, 6, 2, 10), "Server down", impact=1, urgency=1)
    _step(clock, ny(2025, 6, 2, 9, 30), ts.acknowledge_ticket, t["T6"], actor=a)
    _step(clock, ny(2025, 6, 2, 10, 20), ts.acknowledge_ticket, t["T1"], actor=a)
    _step(clock, ny(2025, 6, 2, 12), ts.resolve_ticket, t["T6"], actor=a, resolution="Fan")
    _step(clock, ny(2025, 6, 2, 15), ts.record_onsite_arrival, t["T1"], actor=a)
    _step(clock, ny(2025, 6, 2, 15, 30), ts.record_restore, t["T1"], actor=a)
    _step(clock, ny(2025, 6, 2, 17), ts.resolve_ticket, t["T1"], actor=a, resolution="PSU")

    t["T2"] = _open(w, clock, ny(2025, 6, 3, 9), "RAID degraded", impact=1, urgency=1)
    _step(clock, ny(2025, 6, 3, 9, 45), ts.acknowledge_ticket, t["T2"], actor=a)
    _step(clock, ny(2025, 6, 3, 12), ts.record_onsite_arrival, t["T2"], actor=a)
    _step(clock, ny(2025, 6, 3, 12, 30), ts.record_restore, t["T2"], actor=a)
    _step(clock, ny(2025, 6, 3, 16), ts.resolve_ticket, t["T2"], actor=a, resolution="Disk")

    t["T3"] = _open(
        w, clock, ny(2025, 6, 4, 16), "VPN flaps", impact=2, urgency=2, category="network"
    )
    _step(clock, ny(2025, 6, 4, 16, 30), ts.acknowledge_ticket, t["T3"], actor=a)
    _step(clock, ny(2025, 6, 4, 17), ts.pause_ticket, t["T3"], actor=a, reason="Need logs")
    _step(clock, ny(2025, 6, 5, 11), ts.resume_ticket, t["T3"], actor=a)
    _step(clock, ny(2025, 6, 5, 12), ts.record_restore, t["T3"], actor=a)
    _step(clock, ny(2025, 6, 5, 16), ts.resolve_ticket, t["T3"], actor=a, resolution="MTU")

    t["T4"] = _open(w, clock, ny(2025, 6, 6, 10), "Flooded room", impact=1, urgency=1)
    _step(clock, ny(2025, 6, 6, 10, 10), ts.acknowledge_ticket, t["T4"], actor=a)
    _step(clock, ny(2025, 6, 6, 16), ts.record_onsite_arrival, t["T4"], actor=a)
    _step(clock, ny(2025, 6, 6, 16), ts.record_restore, t["T4"], actor=a)
    _step(clock, ny(2025, 6, 6, 17), ts.resolve_ticket, t["T4"], actor=a, resolution="Dried")
    clock.at(ny(2025, 6, 9, 9))
    flag_force_majeure(
        contract=contract,
        actor=boss,
        reason="Street flood",
        ticket=Ticket.objects.get(pk=t["T4"].pk),
    )

    t["T7"] = _open(w, clock, ny(2025, 6, 27, 10), "Slow backups", impact=4, urgency=4)
    _step(clock, ny(2025, 6, 27, 11), ts.acknowledge_ticket, t["T7"], actor=a)

    t["T5"] = _open(w, clock, ny(2025, 6, 30, 17), "Noisy disk", impact=3, urgency=2)
    _step(clock, ny(2025, 7, 1, 10), ts.acknowledge_ticket, t["T5"], actor=a)
    _step(clock, ny(2025, 7, 1, 12), ts.resolve_ticket, t["T5"], actor=a, resolution="Disk")
    tickets = {k: Ticket.objects.get(pk=v.pk) for k, v in t.items()}
    return June(world=w, contract=contract, manager=boss, tickets=tickets)
