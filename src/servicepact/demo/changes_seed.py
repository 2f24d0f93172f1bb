"""Demo changes, configuration records and releases (issue 16), through the real services.

- every Acme host gets a configuration record a year ago (BIOS, BMC firmware, NIC driver, OS);
- last month's BIOS/BMC firmware window and a NIC driver upgrade are changes that update it;
- a normal change next week, approved by the change advisory board and the customer;
- an emergency change carried out last week and approved after the fact;
- the year-end freeze as a blackout of Acme's contract; a standard change template;
- Globex's software maintenance: a shipped release and an upcoming one.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from servicepact.assets.configuration import record_component
from servicepact.assets.models import Asset
from servicepact.changes import services as cs
from servicepact.changes.choices import ChangeKind
from servicepact.changes.models import Change
from servicepact.changes.problems import record_problem
from servicepact.changes.releases import plan_release, ship_release
from servicepact.contracts.blackouts import add_blackout
from servicepact.core.time import now as current_time
from servicepact.core.time import zone
from servicepact.tickets.models import Ticket

BASELINE = (
    ("bios", "BIOS", "U46 v2.40"),
    ("firmware", "iLO 6", "1.52"),
    ("driver", "Broadcom NIC driver", "228.0.1"),
    ("os", "Red Hat Enterprise Linux", "9.3"),
)


def record_baseline(assets: list[Asset], since: datetime, actor: Any) -> None:
    for asset in assets:
        for kind, name, version in BASELINE:
            record_component(
                asset=asset,
                kind=kind,
                name=name,
                version=version,
                at=since,
                source="inventory",
                actor=actor,
            )


def firmware_details(assets: list[Asset], board: list[Any]) -> cs.ChangeDetails:
    """The BIOS and BMC firmware change of the seed's maintenance window."""
    return cs.ChangeDetails(
        kind=ChangeKind.NORMAL,
        impact=2,
        likelihood=2,
        impact_description="Each host reboots once (about 30 minutes).",
        implementation_plan="Flash BIOS U46 v2.60 and iLO 6 1.58, one host at a time.",
        test_plan="POST completes; iLO reachable; workloads back.",
        rollback_plan="Flash the previous images from the iLO recovery set.",
        affected_services="Web front ends (rack B)",
        approvers=board,
        configuration=[
            cs.ConfigUpdateIn(a.pk, kind, name, version)
            for a in assets
            for kind, name, version in (
                ("bios", "BIOS", "U46 v2.60"),
                ("firmware", "iLO 6", "1.58"),
            )
        ],
    )


def carry_out(change: Change, actor: Any, start: datetime, minutes: int) -> Change:
    """Start at ``start``, implemented and verified ``minutes`` later (recorded afterwards)."""
    change = cs.execute_change(change=change, action="start", actor=actor, at=start)
    end = start + timedelta(minutes=minutes)
    change = cs.execute_change(change=change, action="implement", actor=actor, at=end)
    return cs.execute_change(change=change, action="verify", actor=actor, at=end)


def seed_changes(acme: Any, globex: Any, staff: dict[str, Any]) -> dict[str, int]:
    moment = current_time()
    agent, manager, engineer = staff["agent"], staff["manager"], staff["engineer"]
    board = [manager, engineer]
    ny = zone(acme.customer.timezone)
    # Driver upgrade three weeks ago on rack A (a normal change, board and customer).
    day = (moment - timedelta(days=21)).astimezone(ny).date()
    start = datetime.combine(day, time(1), tzinfo=ny)
    driver = cs.request_change(
        customer=acme.customer,
        title="NIC driver upgrade, rack A",
        assets=acme.assets[:4],
        planned_start=start,
        planned_end=start + timedelta(hours=2),
        details=cs.ChangeDetails(
            impact=1,
            likelihood=2,
            implementation_plan="Install bnxt_en 230.0.2 and reload the module.",
            rollback_plan="Reinstall 228.0.1.",
            approvers=board,
            cab_rule="quorum",
            cab_quorum=1,
            configuration=[
                cs.ConfigUpdateIn(a.pk, "driver", "Broadcom NIC driver", "230.0.2")
                for a in acme.assets[:4]
            ],
        ),
        actor=agent,
    )
    cs.vote_on_change(change=driver, actor=manager, approve=True, note="Low risk, tested in lab.")
    cs.approve_change(change=driver, actor=acme.contact.user)
    carry_out(driver, engineer, start + timedelta(minutes=5), 40)
    # Next week: a normal change approved by the whole board and the customer.
    nxt = datetime.combine(moment.astimezone(ny).date() + timedelta(days=8), time(1), tzinfo=ny)
    os_change = cs.request_change(
        customer=acme.customer,
        title="RHEL 9.4 minor upgrade, web hosts",
        assets=acme.assets[26:28],
        planned_start=nxt,
        planned_end=nxt + timedelta(hours=3),
        details=cs.ChangeDetails(
            impact=3,
            likelihood=2,
            impact_description="Database failover to the standby for about 10 minutes.",
            implementation_plan="Fail over, upgrade the standby, fail back, upgrade the primary.",
            test_plan="Replication lag under 1 s; application smoke tests.",
            rollback_plan="Boot the previous kernel; restore from the pre-change snapshot.",
            affected_services="Order database",
            approvers=board,
            configuration=[
                cs.ConfigUpdateIn(a.pk, "os", "Red Hat Enterprise Linux", "9.4")
                for a in acme.assets[26:28]
            ],
        ),
        actor=agent,
    )
    for member in board:
        cs.vote_on_change(change=os_change, actor=member, approve=True)
    cs.approve_change(change=os_change, actor=acme.contact.user)
    # Last week: an emergency change carried out at once, approved after the fact.
    when = moment - timedelta(days=6, hours=3)
    emergency = cs.request_change(
        customer=acme.customer,
        title="Emergency: replace failing RAID controller firmware",
        assets=[acme.assets[-1]],
        planned_start=when,
        planned_end=when + timedelta(hours=1),
        details=cs.ChangeDetails(
            kind=ChangeKind.EMERGENCY,
            impact=3,
            likelihood=3,
            impact_description="Controller resets every few hours; data at risk.",
            rollback_plan="Previous firmware image on the controller's second bank.",
            approvers=[manager],
        ),
        actor=engineer,
    )
    carry_out(emergency, engineer, when, 35)
    cs.vote_on_change(
        change=emergency, actor=manager, approve=True, note="Approved after the fact."
    )
    cs.approve_change(change=emergency, actor=acme.contact.user)
    # The problem behind the resets: its root cause, workaround and the fixing change.
    record_problem(
        customer=acme.customer,
        title="RAID controller resets under load",
        description="Controller resets every few hours on the database servers.",
        status="resolved",
        root_cause="A firmware bug in the controller's cache handling.",
        workaround="Reset the controller; disable the write cache until patched.",
        tickets=list(Ticket.objects.filter(customer=acme.customer).order_by("pk")[:1]),
        changes=[emergency],
        actor=manager,
    )
    # Contract terms and templates.
    year_end = moment.astimezone(ny).year
    add_blackout(
        contract=acme.contract,
        name="Year-end freeze",
        starts_at=datetime.combine(date(year_end, 12, 15), time(0), tzinfo=ny),
        ends_at=datetime.combine(date(year_end + 1, 1, 5), time(0), tzinfo=ny),
        reason="Peak sales season: no changes.",
        actor=manager,
    )
    cs.create_template(
        title="Hot-swap a failed disk",
        impact=1,
        likelihood=1,
        implementation_plan="Replace the disk; the array rebuilds online.",
        test_plan="Array status optimal after the rebuild.",
        rollback_plan="Reinsert the old disk.",
        actor=manager,
    )
    # Globex: software maintenance releases.
    shipped = plan_release(
        contract=globex.contract,
        version="5.3.0",
        planned_on=(moment - timedelta(days=10)).date(),
        notes={
            "en": "Faster month-end reports; fixes the export timeout.",
            "zh-hans": "月末报表更快；修复导出超时。",
        },
        assets=globex.assets[:3],
        actor=manager,
    )
    ship_release(release=shipped, actor=manager)
    plan_release(
        contract=globex.contract,
        version="5.4.0",
        planned_on=(moment + timedelta(days=20)).date(),
        notes={"en": "Single sign-on with SAML.", "zh-hans": "支持 SAML 单点登录。"},
        assets=globex.assets[:3],
        actor=manager,
    )
    return {"changes": Change.objects.count()}
