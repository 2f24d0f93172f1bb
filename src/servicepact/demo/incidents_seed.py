"""Demo: Acme's major incident (a lost database restored from the off-site backup) with its
published report and the compensation offered, and Nordlicht's contract-end checklist (its
contract lapsed: in grace). Everything goes through the real services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from servicepact.billing.models import PeriodCredit
from servicepact.contractend.services import open_due_plans, record_backup
from servicepact.core.time import now as current_time
from servicepact.incidents import services as incidents
from servicepact.tickets import services as ts
from servicepact.tickets.choices import Category

Progress = Callable[[str], None]


def seed_incidents(customers: list[Any], staff: dict[str, Any], progress: Progress) -> None:
    acme, _globex, nord = customers
    manager, agent = staff["manager"], staff["agent"]
    contract = acme.contract
    moment = current_time()
    incidents.set_event_levels(
        contract=contract,
        actor=manager,
        levels=[
            incidents.LevelIn(
                1, "Outage or data loss on production", 1, "Production down or data lost"
            ),
            incidents.LevelIn(2, "Production degraded", 1, "Most users affected"),
            incidents.LevelIn(3, "Single system degraded", 2, "A workaround exists", major=False),
            incidents.LevelIn(4, "Minor", 3, "Few users, little impact", major=False),
        ],
    )
    incidents.add_emergency_contact(
        contract=contract, actor=manager, contact=acme.contact, role="IT lead", up_to_level=2
    )
    incidents.add_emergency_contact(
        contract=contract,
        actor=manager,
        name="Dana Whitfield",
        email="cio@acme.example",
        phone="+1 212 555 0199",
        role="CIO",
        up_to_level=1,
    )
    incidents.save_runbook(
        actor=manager,
        contract=contract,
        title="Restore the order database from the off-site copy",
        body="1. Stop the application servers.\n2. Fetch the latest verified snapshot from the "
        "off-site vault.\n3. Restore, replay the binary log up to the failure.\n4. Verify row "
        "counts with the customer.\n5. Start the application servers.",
        now=moment,
    )
    opened = moment - timedelta(hours=6)
    ticket = ts.open_ticket(
        customer=acme.customer,
        contact=acme.contact,
        asset=acme.assets[0],
        subject="Order database corrupted after storage controller failure",
        category=Category.BACKUP,
        impact=2,
        urgency=2,
        actor=acme.contact.user,
        opened_at=opened,
    )
    ts.acknowledge_ticket(ticket=ticket, actor=agent, at=opened + timedelta(minutes=8))
    incident = incidents.declare_major_incident(
        ticket=ticket,
        level=1,
        summary="Order database lost on acme-db01; restoring from the off-site backup.",
        actor=agent,
        now=opened + timedelta(minutes=12),
    )
    ts.record_restore(
        ticket=ticket,
        actor=agent,
        note="Database restored from the off-site snapshot; orders open again.",
        at=opened + timedelta(hours=3, minutes=5),
    )
    ts.resolve_ticket(
        ticket=ticket,
        actor=agent,
        resolution="Controller replaced, database verified with the customer.",
        at=opened + timedelta(hours=5),
    )
    report = incidents.regenerate_timeline(report=incident.report, actor=agent)
    report = incidents.update_report(
        report=report,
        actor=agent,
        root_cause="A storage controller firmware fault wrote corrupt blocks to the database "
        "volume; the local snapshots on the same array were affected too.",
        data_lost=True,
        data_loss="Orders entered between 02:00 and 02:40 (local time) had to be re-entered.",
        restored_from="restic snapshot 8c1f2e4a, off-site vault (taken 02:00)",
        achieved_rto_seconds=int(timedelta(hours=3, minutes=5).total_seconds()),
        achieved_rpo_seconds=int(timedelta(minutes=40).total_seconds()),
        apology="We are sorry: the outage stopped your order intake for three hours and forty "
        "minutes of orders had to be entered again. We have replaced the controller and now "
        "keep a second off-site copy every 15 minutes.",
    )
    incidents.add_corrective_action(
        report=report, actor=agent, description="Upgrade controller firmware on all arrays"
    )
    incidents.add_corrective_action(
        report=report, actor=agent, description="Off-site log shipping every 15 minutes"
    )
    credit = PeriodCredit.objects.filter(contract=contract).order_by("-period").first()
    if credit is not None:
        incidents.offer_compensation(
            report=report,
            actor=manager,
            credit=credit,
            amount="500",
            text="A credit of 500 on this month's invoice, on top of the SLA credits.",
        )
    incidents.publish_report(report=report, actor=manager)

    for asset in nord.assets:
        record_backup(
            contract=nord.contract,
            asset=asset,
            actor=manager,
            taken_at=moment - timedelta(days=2, hours=3),
            verified_at=moment - timedelta(days=2),
            location=f"s3://nordlicht-backups/{asset.hostname}",
            note="Restore test passed",
        )
    opened_plans = open_due_plans(now=moment)
    progress(f"a major incident with its published report; {opened_plans} contract-end plan(s)")
