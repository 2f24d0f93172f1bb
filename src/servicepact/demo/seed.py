"""Demo data, built only through the real service functions so every clock, pause and breach
is genuine. Deterministic (fixed random seed) and relative to the day it runs, so the demo
always shows the last twelve months and a live queue.

Steps: catalogue (plans, calendars) -> country calendars -> users and teams -> customers,
sites, contacts -> assets -> contracts (with an amendment, one in grace) -> twelve months of
ticket history -> a handful of open tickets at different points of their clocks.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from servicepact.accounts.choices import StaffRole
from servicepact.accounts.models import StaffProfile, Team
from servicepact.assets.models import Asset, ContractLine
from servicepact.backups.services import sync_drill_schedules
from servicepact.contracts.catalogue import (
    SOFTWARE_L2,
    STANDARD_NBD,
    ensure_catalogue,
    ensure_letter_plan,
)
from servicepact.contracts.choices import Metric
from servicepact.contracts.models import Calendar, Contract
from servicepact.contracts.services import (
    create_calendar,
    create_contract,
    import_holidays,
)
from servicepact.core.time import now as current_time
from servicepact.core.time import zone
from servicepact.customers.models import Contact, Customer, Site
from servicepact.demo.aftercare_seed import seed_aftercare
from servicepact.demo.backups import seed_backups
from servicepact.demo.dispatch_seed import seed_dispatch
from servicepact.demo.field_story import seed_field_story
from servicepact.demo.incidents_seed import seed_incidents
from servicepact.demo.inspections_seed import seed_inspections
from servicepact.demo.kb_seed import seed_knowledge
from servicepact.demo.tiers_seed import seed_tiers
from servicepact.demo.warranty_seed import seed_warranties
from servicepact.stock.examples import seed_stock
from servicepact.tickets import services as ts
from servicepact.tickets.choices import Category, Channel
from servicepact.tickets.models import Ticket

PASSWORD = "demo"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
Progress = Callable[[str], None]


@dataclass
class DemoCustomer:
    customer: Customer
    contact: Contact
    contract: Contract
    assets: list[Asset]
    tickets_per_month: int
    categories: list[str]
    business_hours: bool
    extra_contacts: list[Contact] = field(default_factory=list)


def already_seeded() -> bool:
    return Customer.objects.filter(code="acme").exists()


def _user(
    username: str,
    *,
    staff: bool = False,
    superuser: bool = False,
    first: str = "",
    last: str = "",
    email: str = "",
) -> Any:
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is None:
        user = user_model(
            username=username,
            first_name=first,
            last_name=last,
            email=email or f"{username}@demo.servicepact.test",
        )
        user.is_staff = staff or superuser
        user.is_superuser = superuser
        user.set_password(PASSWORD)
        user.save()
    return user


def _staff(progress: Progress) -> dict[str, Any]:
    admin = _user("admin", superuser=True, first="Ada", last="Admin")
    agent = _user("agent", staff=True, first="Alex", last="Agent")
    engineer = _user("engineer", staff=True, first="Erin", last="Field")
    manager = _user("manager", staff=True, first="Morgan", last="Manager")
    # The Shanghai second-level agent works in Chinese (docs/i18n.md): the demo shows both.
    wang = _user("wang", staff=True, first="Fang", last="Wang")
    # The Shanghai field engineer of the hardware customer's repairs (demo/field_story.py).
    li = _user("li", staff=True, first="Wei", last="Li")
    for user, role, tz, language in (
        (admin, StaffRole.SERVICE_MANAGER, "Europe/Berlin", ""),
        (agent, StaffRole.AGENT_L1, "Europe/Berlin", ""),
        (engineer, StaffRole.ENGINEER, "America/New_York", ""),
        (manager, StaffRole.SERVICE_MANAGER, "Europe/Berlin", ""),
        (wang, StaffRole.AGENT_L2, "Asia/Shanghai", "zh-hans"),
        (li, StaffRole.ENGINEER, "Asia/Shanghai", "zh-hans"),
    ):
        StaffProfile.objects.get_or_create(
            user=user,
            defaults={
                "role": role,
                "timezone": tz,
                "preferred_language": language,
                # The engineer's hours are priced at the rate card's senior engineer rate.
                "billing_role": "senior_engineer" if user is engineer else "",
            },
        )
    desk, _ = Team.objects.get_or_create(
        name="Service desk", defaults={"email": "desk@demo.servicepact.test"}
    )
    field_team, _ = Team.objects.get_or_create(
        name="Field engineering", defaults={"email": "field@demo.servicepact.test"}
    )
    l2, _ = Team.objects.get_or_create(
        name="Software L2", defaults={"email": "l2@demo.servicepact.test"}
    )
    desk.members.add(agent, admin, wang)
    field_team.members.add(engineer, li)
    l2.members.add(agent)
    progress("staff users and teams")
    return {
        "admin": admin,
        "agent": agent,
        "engineer": engineer,
        "manager": manager,
        "wang": wang,
        "li": li,
        "desk": desk,
        "field": field_team,
        "l2": l2,
    }


def _country_calendar(
    name: str,
    tz: str,
    windows: list[list[str]],
    country: str,
    years: list[int],
    subdiv: str | None = None,
    makeup: bool = False,
) -> Calendar:
    found = Calendar.objects.filter(name=name).first()
    if found:
        return found
    calendar = create_calendar(
        name=name,
        timezone=tz,
        weekly={d: windows for d in WEEKDAYS},
        description=f"{country} business hours with public holidays",
    )
    import_holidays(
        calendar=calendar,
        country=country,
        years=years,
        subdiv=subdiv,
        makeup_windows=windows if makeup else None,
    )
    return calendar


def _customer(
    name: str, code: str, tz: str, sites: list[tuple[str, str, str]]
) -> tuple[Customer, list[Site]]:
    customer = Customer.objects.create(name=name, code=code, timezone=tz)
    rows = [
        Site.objects.create(customer=customer, name=n, address=a, timezone=z) for n, a, z in sites
    ]
    return customer, rows


def _contact(
    customer: Customer, site: Site, username: str, name: str, language: str = ""
) -> Contact:
    first, _, last = name.partition(" ")
    user = _user(username, first=first, last=last, email=f"{username}@{customer.code}.example")
    return Contact.objects.create(
        customer=customer,
        user=user,
        site=site,
        name=name,
        email=user.email,
        phone="+1 555 0100",
        preferred_language=language,
    )


def _assets(
    customer: Customer,
    sites: list[Site],
    prefix: str,
    count: int,
    models: list[tuple[str, str]],
    rng: random.Random,
    kind: str = "server",
) -> list[Asset]:
    rows = []
    for i in range(1, count + 1):
        vendor, model = models[i % len(models)]
        rows.append(
            Asset.objects.create(
                customer=customer,
                site=sites[i % len(sites)],
                kind=kind,
                hostname=f"{prefix}{i:02d}",
                serial_number=f"{prefix[:3].upper()}{rng.randrange(10**7, 10**8)}",
                vendor=vendor,
                model=model,
                warranty_end=current_time().date() + timedelta(days=rng.randrange(-60, 900)),
                ip_address=f"10.{len(prefix)}.{i // 250}.{i % 250 + 1}",
            )
        )
    return rows


def _cover(contract: Contract, assets: list[Asset]) -> None:
    ContractLine.objects.bulk_create(
        [ContractLine(contract=contract, asset=a, start_date=contract.start_date) for a in assets]
    )


def _months_ago(today: date, months: int) -> date:
    y, m = divmod(today.year * 12 + today.month - 1 - months, 12)
    return date(y, m + 1, 1)


def _build_customers(
    staff: dict[str, Any], rng: random.Random, progress: Progress
) -> list[DemoCustomer]:
    cat = ensure_catalogue()
    # The vendor commitment letter (issue 14) as a plan, with its metrics as data.
    ensure_letter_plan(cat.always)
    today = current_time().date()
    years = list(range(today.year - 2, today.year + 3))
    china = _country_calendar(
        "China business hours", "Asia/Shanghai", [["09:00", "18:00"]], "CN", years, makeup=True
    )
    germany = _country_calendar(
        "Germany business hours (Berlin)",
        "Europe/Berlin",
        [["08:00", "17:00"]],
        "DE",
        years,
        subdiv="BE",
    )
    progress("plans and calendars (CN holidays with make-up working days, DE-BE holidays)")

    acme, acme_sites = _customer(
        "Acme Hosting",
        "acme",
        "America/New_York",
        [
            ("NYC1 data center", "55 Broad Street, New York, NY", "America/New_York"),
            ("Ashburn DC2", "21715 Filigree Ct, Ashburn, VA", "America/New_York"),
        ],
    )
    globex, globex_sites = _customer(
        "Globex Manufacturing",
        "globex",
        "Asia/Shanghai",
        [
            ("Suzhou plant", "88 Xinghu Street, Suzhou Industrial Park", "Asia/Shanghai"),
            ("Shanghai office", "1000 Lujiazui Ring Road, Shanghai", "Asia/Shanghai"),
        ],
    )
    nord, nord_sites = _customer(
        "Nordlicht Software GmbH",
        "nordlicht",
        "Europe/Berlin",
        [
            ("Berlin HQ", "Friedrichstraße 68, 10117 Berlin", "Europe/Berlin"),
        ],
    )
    acme_it = _contact(acme, acme_sites[0], "acme-it", "Dana Whitfield")
    acme_ops = _contact(acme, acme_sites[1], "acme-ops", "Luis Ortega")
    globex_it = _contact(globex, globex_sites[0], "globex-it", "Li Wei", language="zh-hans")
    nord_it = _contact(nord, nord_sites[0], "nordlicht-it", "Jonas Becker")
    progress("customers, sites and contacts")

    acme_assets = _assets(
        acme,
        acme_sites,
        "acme-web",
        30,
        [("Dell", "PowerEdge R760"), ("HPE", "ProLiant DL380 Gen11"), ("Supermicro", "SYS-621C")],
        rng,
    )
    globex_assets = _assets(
        globex,
        globex_sites,
        "gx-mes",
        22,
        [("Lenovo", "ThinkSystem SR650 V3"), ("Inspur", "NF5280M7")],
        rng,
    )
    nord_assets = _assets(
        nord,
        nord_sites,
        "nl-app",
        8,
        [("VMware", "vSphere VM"), ("KVM", "Proxmox VM")],
        rng,
        kind="virtual",
    )
    # Two Globex servers are not on the contract: their tickets are out of contract.
    progress(f"{len(acme_assets) + len(globex_assets) + len(nord_assets)} assets")

    start = _months_ago(today, 13)
    acme_contract = create_contract(
        number="ACME-GOLD-001",
        customer=acme,
        plan=cat.gold,
        start_date=start,
        end_date=today + timedelta(days=75),
        renewal="automatic",
        notice_days=90,
        grace_days=30,
        fee_amount=Decimal("24000.00"),
        fee_currency="USD",
        fee_period="monthly",
        included_hours=Decimal("40"),
        service_manager=staff["manager"],
        kpis=[
            {"kind": "availability", "target": "99.95"},
            {"kind": "ddos_capacity", "target": "400"},
            {"kind": "bandwidth", "target": "10000"},
            {"kind": "rto", "target": "240"},
            {"kind": "rpo", "target": "60"},
            {"kind": "patch_deadline", "target": "72", "severity": "critical"},
            {"kind": "patch_deadline", "target": "168", "severity": "high"},
            {"kind": "backup_drill", "target": "90"},
        ],
    )
    amend_at = datetime.combine(_months_ago(today, 5), time(0), tzinfo=zone("America/New_York"))
    ts.amend_contract_terms(
        contract=acme_contract,
        effective_from=amend_at,
        actor=staff["manager"],
        reason="Renegotiated: P2 resolution within 16 h instead of 24 h; availability 99.95 % kept.",
        target_overrides=[
            {
                "priority": 2,
                "metric": Metric.RESOLUTION,
                "target_minutes": 960,
                "calendar": cat.always,
            }
        ],
    )
    globex_contract = create_contract(
        number="GLOBEX-NBD-001",
        customer=globex,
        plan=cat.standard_nbd,
        start_date=start,
        end_date=start + timedelta(days=730),
        renewal="manual",
        notice_days=90,
        grace_days=30,
        fee_amount=Decimal("68000.00"),
        fee_currency="CNY",
        fee_period="monthly",
        included_hours=Decimal("20"),
        service_manager=staff["manager"],
        kpis=[
            {"kind": "availability", "target": "99.5", "measurement_calendar": "coverage"},
            {"kind": "patch_deadline", "target": "120", "severity": "critical"},
        ],
        # Globex is measured on the China calendar: holidays and make-up working days.
        target_overrides=[
            {"priority": p, "metric": m, "target_minutes": minutes, "calendar": china}
            for (p, m), minutes in STANDARD_NBD.items()
        ],
        priority_names={
            "1": "P1 紧急 Critical",
            "2": "P2 高 High",
            "3": "P3 中 Medium",
            "4": "P4 低 Low",
        },
    )
    nord_contract = create_contract(
        number="NORD-L2-001",
        customer=nord,
        plan=cat.software_l2,
        start_date=_months_ago(today, 13),
        end_date=today - timedelta(days=12),
        renewal="manual",
        notice_days=60,
        grace_days=30,
        fee_amount=Decimal("3500.00"),
        fee_currency="EUR",
        fee_period="monthly",
        included_hours=Decimal("10"),
        service_manager=staff["manager"],
        kpis=[{"kind": "rto", "target": "480"}, {"kind": "backup_drill", "target": "180"}],
        target_overrides=[
            {"priority": p, "metric": m, "target_minutes": minutes, "calendar": germany}
            for (p, m), minutes in SOFTWARE_L2.items()
        ],
    )
    _cover(acme_contract, acme_assets)
    _cover(globex_contract, globex_assets[:-2])
    _cover(nord_contract, nord_assets)
    progress(
        "contracts: Acme Gold (amended), Globex NBD on the China calendar, Nordlicht L2 (in grace)"
    )
    hardware = [Category.HARDWARE, Category.HARDWARE, Category.OPERATING_SYSTEM, Category.NETWORK]
    return [
        DemoCustomer(
            acme,
            acme_it,
            acme_contract,
            acme_assets,
            24,
            [*hardware, Category.DDOS, Category.SECURITY, Category.BACKUP, Category.REQUEST],
            False,
            [acme_ops],
        ),
        DemoCustomer(
            globex,
            globex_it,
            globex_contract,
            globex_assets,
            14,
            [*hardware, Category.REQUEST],
            True,
        ),
        DemoCustomer(
            nord,
            nord_it,
            nord_contract,
            nord_assets,
            7,
            [Category.APPLICATION, Category.APPLICATION, Category.SECURITY, Category.REQUEST],
            True,
        ),
    ]


SUBJECTS: dict[str, list[str]] = {
    Category.HARDWARE: [
        "Disk failure reported by RAID controller",
        "PSU redundancy lost",
        "ECC memory errors",
        "Fan failure alarm",
        "Server does not power on after maintenance",
    ],
    Category.OPERATING_SYSTEM: [
        "Kernel panic after update",
        "Filesystem read-only",
        "Time drift on host",
    ],
    Category.NETWORK: ["Packet loss on uplink", "BGP session flapping", "Switch port errors"],
    Category.DDOS: ["Volumetric attack on customer prefix", "SYN flood against load balancer"],
    Category.SECURITY: ["Critical CVE needs patching", "Suspicious login attempts"],
    Category.BACKUP: ["Nightly backup job failed", "Restore request for deleted VM"],
    Category.REQUEST: [
        "Add IP addresses to allow list",
        "Request firmware upgrade window",
        "New user account for monitoring portal",
    ],
    Category.APPLICATION: [
        "ERP interface queue stuck",
        "Report generation times out",
        "License server unreachable",
    ],
}


def _business_instant(day: date, tz: str, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randrange(8, 18), rng.randrange(0, 60)), tzinfo=zone(tz))


def _history_ticket(
    dc: DemoCustomer, opened: datetime, staff: dict[str, Any], rng: random.Random
) -> None:
    """One past ticket through its whole life; delays are drawn so that most clocks are met."""
    category = rng.choice(dc.categories)
    impact, urgency = rng.choice([(1, 1), (1, 2), (2, 2), (2, 3), (3, 3), (3, 3), (3, 4), (4, 4)])
    hardware = category in (Category.HARDWARE,)
    ticket = ts.open_ticket(
        customer=dc.customer,
        contact=dc.contact,
        asset=rng.choice(dc.assets),
        subject=rng.choice(SUBJECTS[category]),
        description="Reported by the customer's operations team.",
        channel=rng.choice([Channel.PORTAL, Channel.EMAIL, Channel.PHONE, Channel.MONITORING]),
        category=category,
        impact=impact,
        urgency=urgency,
        opened_at=opened,
    )
    slow = rng.random() < 0.1  # roughly one ticket in ten runs late on something
    scale = {1: 0.25, 2: 0.5, 3: 1.0, 4: 2.0}[ticket.priority] * (
        rng.uniform(2.0, 6.0) if slow else 1.0
    )

    def step(minutes: float) -> timedelta:
        return timedelta(minutes=max(1, int(rng.uniform(0.2, 1.0) * minutes * scale)))

    t = opened + step(40)
    agent = staff["agent"]
    ts.assign_ticket(ticket=ticket, actor=agent, assignee=agent, team=staff["desk"], at=t)
    ts.acknowledge_ticket(ticket=ticket, actor=agent, at=t)
    t += step(30)
    ts.start_work(ticket=ticket, actor=agent, at=t)
    if hardware and ticket.coverage != "out_of_contract":
        t += step(300)
        ts.record_onsite_arrival(
            ticket=ticket, actor=staff["engineer"], at=t, engineer="Erin Field"
        )
    if rng.random() < 0.3:
        t += step(60)
        ts.pause_ticket(
            ticket=ticket,
            actor=agent,
            reason="Waiting for the customer to grant remote access",
            at=t,
        )
        t += timedelta(hours=rng.randrange(2, 30))
        ts.resume_ticket(ticket=ticket, actor=agent, at=t)
    if rng.random() < 0.5:
        t += step(120)
        ts.record_restore(
            ticket=ticket, actor=agent, note="Workaround applied; service restored.", at=t
        )
    t += step(600)
    ts.add_comment(ticket=ticket, author=agent, body="Root cause identified and fixed.", at=t)
    ts.resolve_ticket(
        ticket=ticket, actor=agent, resolution="Fixed and verified with the customer.", at=t
    )
    t += timedelta(hours=rng.randrange(1, 48))
    if t < current_time():
        ts.close_ticket(ticket=ticket, actor=dc.contact.user, at=t)


def _history(
    customers: list[DemoCustomer], staff: dict[str, Any], rng: random.Random, progress: Progress
) -> int:
    today = current_time().date()
    count = 0
    for months_back in range(12, -1, -1):
        first = _months_ago(today, months_back)
        last = _months_ago(today, months_back - 1) - timedelta(days=1) if months_back else today
        with transaction.atomic():
            for dc in customers:
                tz = dc.customer.timezone
                for _ in range(dc.tickets_per_month):
                    day = first + timedelta(days=rng.randrange((last - first).days + 1))
                    opened = (
                        _business_instant(day, tz, rng)
                        if dc.business_hours and rng.random() < 0.8
                        else datetime.combine(
                            day, time(rng.randrange(24), rng.randrange(60)), tzinfo=zone(tz)
                        )
                    )
                    if opened >= current_time() - timedelta(days=12):
                        continue  # the last days belong to the live queue
                    _history_ticket(dc, opened, staff, rng)
                    count += 1
        progress(f"history {first:%Y-%m}: {count} tickets so far")
    return count


def _open_tickets(customers: list[DemoCustomer], staff: dict[str, Any], progress: Progress) -> None:
    """A live queue: tickets at different points of their clocks."""
    acme, globex, nord = customers
    agent = staff["agent"]
    moment = current_time()

    def ago(**kw: float) -> datetime:
        return moment - timedelta(**kw)

    # Acme P1: opened 9 minutes ago, first response (15 min) at 60 %.
    ts.open_ticket(
        customer=acme.customer,
        contact=acme.contact,
        asset=acme.assets[0],
        category=Category.HARDWARE,
        subject="Storage array offline: customer VMs down",
        impact=1,
        urgency=1,
        opened_at=ago(minutes=9),
        channel=Channel.PHONE,
        description="All VMs on the array are unreachable.",
    )
    # Acme P2: acknowledged, engineer en route, on-site (4 h) at ~80 %.
    t = ts.open_ticket(
        customer=acme.customer,
        contact=acme.extra_contacts[0],
        asset=acme.assets[3],
        category=Category.HARDWARE,
        subject="Redundant PSU failed on acme-web04",
        impact=2,
        urgency=2,
        opened_at=ago(hours=3, minutes=15),
        channel=Channel.MONITORING,
    )
    ts.assign_ticket(
        ticket=t,
        actor=agent,
        assignee=staff["engineer"],
        team=staff["field"],
        at=ago(hours=3, minutes=5),
    )
    ts.acknowledge_ticket(ticket=t, actor=agent, at=ago(hours=3, minutes=5))
    ts.start_work(ticket=t, actor=agent, at=ago(hours=3))
    ts.add_comment(
        ticket=t,
        author=agent,
        body="Replacement PSU dispatched from the Ashburn depot.",
        at=ago(hours=2),
    )
    ts.add_comment(
        ticket=t,
        author=agent,
        body="Spare part SKU 865414-B21 reserved.",
        internal=True,
        at=ago(hours=2),
    )
    # Acme P3: breached resolution, never resolved.
    t = ts.open_ticket(
        customer=acme.customer,
        contact=acme.contact,
        asset=acme.assets[7],
        category=Category.NETWORK,
        subject="Intermittent packet loss on uplink",
        impact=3,
        urgency=3,
        opened_at=ago(days=2, hours=5),
    )
    ts.acknowledge_ticket(ticket=t, actor=agent, at=ago(days=2, hours=4, minutes=30))
    ts.start_work(ticket=t, actor=agent, at=ago(days=2, hours=4))
    # Acme P2 waiting on customer (paused).
    t = ts.open_ticket(
        customer=acme.customer,
        contact=acme.contact,
        asset=acme.assets[11],
        category=Category.BACKUP,
        subject="Restore request for deleted VM",
        impact=2,
        urgency=3,
        opened_at=ago(hours=6),
    )
    ts.acknowledge_ticket(ticket=t, actor=agent, at=ago(hours=5, minutes=50))
    ts.pause_ticket(
        ticket=t,
        actor=agent,
        reason="Waiting for the customer to name the restore point",
        at=ago(hours=4),
    )
    # Globex: a new ticket on a business-hours clock, and one out of contract.
    ts.open_ticket(
        customer=globex.customer,
        contact=globex.contact,
        asset=globex.assets[2],
        category=Category.HARDWARE,
        subject="RAID controller battery warning",
        impact=3,
        urgency=2,
        opened_at=ago(hours=20),
    )
    ts.open_ticket(
        customer=globex.customer,
        contact=globex.contact,
        asset=globex.assets[-1],
        category=Category.HARDWARE,
        subject="Old test server fails POST",
        impact=4,
        urgency=4,
        opened_at=ago(hours=30),
        channel=Channel.EMAIL,
    )
    # Nordlicht: opened during the grace period.
    t = ts.open_ticket(
        customer=nord.customer,
        contact=nord.contact,
        asset=nord.assets[0],
        category=Category.APPLICATION,
        subject="License server unreachable after update",
        impact=2,
        urgency=2,
        opened_at=ago(hours=26),
    )
    ts.acknowledge_ticket(ticket=t, actor=agent, at=ago(hours=25))
    ts.propose_solution(
        ticket=t, actor=agent, solution="Roll back the license daemon to 11.19.2.", at=ago(hours=2)
    )
    progress(
        f"{Ticket.objects.exclude(status__in=['resolved', 'closed']).count()} open tickets in the queue"
    )


def _monitoring(
    customers: list[DemoCustomer], staff: dict[str, Any], rng: random.Random, progress: Progress
) -> None:
    """Outages, an approved maintenance window, KPI measurements and live alerts.

    History goes through the services that accept past instants (manual outages with their
    tickets, measurements); the live part goes through the real alert ingestion path.
    """
    from servicepact.changes.services import approve_change, request_change, vote_on_change
    from servicepact.demo.changes_seed import carry_out, firmware_details, record_baseline
    from servicepact.monitoring.ingest import ingest_alerts
    from servicepact.monitoring.measurements import record_measurement
    from servicepact.monitoring.services import create_alert_source, record_outage
    from servicepact.monitoring.sources.base import ParsedAlert

    acme, globex, _ = customers
    moment = current_time()
    # Downtime behind some of the year's urgent hardware tickets.
    outages = 0
    for dc in (acme, globex):
        for t in Ticket.objects.filter(
            customer=dc.customer,
            priority__lte=2,
            category=Category.HARDWARE,
            resolved_at__isnull=False,
        ).order_by("opened_at")[::3]:
            minutes = rng.randrange(4, 95)
            if t.asset is None:  # an incident without an asset has no downtime to record
                continue
            record_outage(
                asset=t.asset,
                started_at=t.opened_at,
                ended_at=t.opened_at + timedelta(minutes=minutes),
                reason=t.subject,
                ticket=t,
                actor=staff["agent"],
            )
            outages += 1
    # The bad month: a storage controller failure took four hosts down for six hours.
    bad = datetime.combine(
        _months_ago(moment.date(), 1) + timedelta(days=11), time(13, 40), tzinfo=zone("UTC")
    )
    incident = ts.open_ticket(
        customer=acme.customer,
        contact=acme.contact,
        asset=acme.assets[20],
        category=Category.HARDWARE,
        subject="Storage controller failure: four hosts down",
        impact=1,
        urgency=1,
        opened_at=bad,
        channel=Channel.PHONE,
    )
    ts.acknowledge_ticket(ticket=incident, actor=staff["agent"], at=bad + timedelta(minutes=9))
    ts.record_onsite_arrival(
        ticket=incident, actor=staff["engineer"], at=bad + timedelta(hours=5, minutes=10)
    )
    ts.record_restore(
        ticket=incident,
        actor=staff["engineer"],
        at=bad + timedelta(hours=6),
        note="Controller swapped",
    )
    ts.resolve_ticket(ticket=incident, actor=staff["engineer"], at=bad + timedelta(hours=9))
    for asset in acme.assets[20:24]:
        record_outage(
            asset=asset,
            started_at=bad,
            ended_at=bad + timedelta(hours=6),
            reason=incident.subject,
            ticket=incident if asset == incident.asset else None,
            actor=staff["agent"],
        )
    outages += 4
    # A firmware window last month, approved by the customer: its downtime is planned.
    first = _months_ago(moment.date(), 1)
    start = datetime.combine(first + timedelta(days=9), time(2), tzinfo=zone("America/New_York"))
    # A year of configuration records; the window is a change that updates them (issue 16).
    record_baseline(acme.assets, moment - timedelta(days=365), staff["agent"])
    change = request_change(
        customer=acme.customer,
        title="BMC and BIOS firmware update, rack B",
        assets=acme.assets[10:14],
        planned_start=start,
        planned_end=start + timedelta(hours=3),
        description="Rolling reboot of four hosts.",
        details=firmware_details(acme.assets[10:14], [staff["manager"]]),
        actor=staff["agent"],
    )
    vote_on_change(change=change, actor=staff["manager"], approve=True)
    approve_change(change=change, actor=acme.contact.user)
    carry_out(change, staff["engineer"], start + timedelta(minutes=15), 40)
    for asset in acme.assets[10:14]:
        record_outage(
            asset=asset,
            started_at=start + timedelta(minutes=20),
            ended_at=start + timedelta(minutes=48),
            reason="Reboot for firmware update (approved maintenance)",
            actor=staff["agent"],
        )
    # Next week's window waits for the customer's approval in the portal.
    nxt = datetime.combine(
        moment.date() + timedelta(days=6), time(1), tzinfo=zone("America/New_York")
    )
    request_change(
        customer=acme.customer,
        title="Core switch software upgrade",
        assets=acme.assets[:6],
        planned_start=nxt,
        planned_end=nxt + timedelta(hours=2),
        actor=staff["agent"],
        description="Expected downtime per host: under 5 minutes.",
    )
    # Measured commitments: monthly DDoS peaks and bandwidth tests (one peak above capacity).
    for months_back in range(12, 0, -1):
        at = datetime.combine(
            _months_ago(moment.date(), months_back) + timedelta(days=14),
            time(15),
            tzinfo=zone("UTC"),
        )
        peak = 610 if months_back == 1 else rng.randrange(40, 380)
        record_measurement(
            contract=acme.contract,
            kind="ddos_capacity",
            value=peak,
            measured_at=at,
            note="Largest attack mitigated this month",
            actor=staff["agent"],
        )
        record_measurement(
            contract=acme.contract,
            kind="bandwidth",
            value=rng.randrange(9400, 9990),
            measured_at=at,
            note="Monthly throughput test",
            actor=staff["agent"],
        )
    record_measurement(
        contract=acme.contract,
        kind="rpo",
        value=35,
        measured_at=moment - timedelta(days=20),
        note="Backup age at restore drill",
    )
    record_measurement(
        contract=acme.contract,
        kind="rto",
        value=205,
        measured_at=moment - timedelta(days=20),
        note="Restore drill duration",
    )
    # Live alerts through the real ingestion path: one on a known host, one for triage.
    source, _ = create_alert_source(
        name="Acme Prometheus",
        kind="alertmanager",
        customer=acme.customer,
        severity_map={"critical": 1, "warning": 3},
    )
    ingest_alerts(
        source=source,
        alerts=[
            ParsedAlert(
                fingerprint="demo-node-down-17",
                status="firing",
                name="NodeDown",
                starts_at=moment - timedelta(minutes=4),
                severity="critical",
                summary="acme-web17 is not answering node_exporter scrapes",
                labels={
                    "alertname": "NodeDown",
                    "instance": "acme-web17:9100",
                    "severity": "critical",
                },
                hosts=("acme-web17:9100", "acme-web17"),
            ),
            ParsedAlert(
                fingerprint="demo-unknown-1",
                status="firing",
                name="HighLoad",
                starts_at=moment - timedelta(minutes=30),
                severity="warning",
                summary="Load above 30 for 15 minutes",
                labels={
                    "alertname": "HighLoad",
                    "instance": "10.9.8.7:9100",
                    "severity": "warning",
                },
                hosts=("10.9.8.7:9100", "10.9.8.7"),
            ),
        ],
    )
    progress(
        f"monitoring: {outages + 4} outages, 2 maintenance windows, 26 measurements, 2 live alerts"
    )


def _security(customers: list[DemoCustomer], staff: dict[str, Any], progress: Progress) -> None:
    """Last month on Acme (patch deadlines critical 72 h, high 168 h, 24x7): a critical CVE
    patched by an approved change inside its 72 hours, and a high one that breached (patched
    three days late: a 3 % per-breach credit); a penetration test done, with a finding, and
    the next audit scheduled by the contract's yearly frequency."""
    from servicepact.changes.services import approve_change, complete_change, request_change
    from servicepact.contracts.models import KpiCommitment
    from servicepact.security import services as sec

    acme = customers[0]
    moment = current_time()
    first = _months_ago(moment.date(), 1)
    tz = zone(acme.customer.timezone)
    at = datetime.combine(first.replace(day=3), time(9), tzinfo=tz)
    for version in acme.contract.versions.all():
        sec.set_security_credits(
            version=version,
            credits=[
                {"applies_to": "vulnerability", "severity": "critical", "credit_percent": "5"},
                {"applies_to": "vulnerability", "severity": "high", "credit_percent": "3"},
                {"applies_to": "finding", "severity": "high", "credit_percent": "2"},
            ],
        )
        KpiCommitment.objects.get_or_create(
            contract_version=version,
            kind="rectification",
            severity="high",
            defaults={"target": Decimal("240")},
        )
        KpiCommitment.objects.get_or_create(
            contract_version=version, kind="audit_frequency", defaults={"target": Decimal("365")}
        )
    high = sec.report_vulnerability(
        advisory=sec.create_advisory(
            cve_id="CVE-2024-6387",
            title="OpenSSH regreSSHion: unauthenticated remote code execution in sshd",
            cvss_vector="CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H",
            software_name="openssh",
        ),
        contract=acme.contract,
        assets=acme.assets[:4],
        reported_at=at,
        actor=staff["agent"],
    )
    critical = sec.report_vulnerability(
        advisory=sec.create_advisory(
            cve_id="CVE-2024-3400",
            title="PAN-OS GlobalProtect command injection",
            cvss_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            software_name="pan-os",
        ),
        contract=acme.contract,
        assets=acme.assets[4:5],
        reported_at=at,
        actor=staff["agent"],
    )
    change = request_change(
        customer=acme.customer,
        title="Emergency PAN-OS hotfix (CVE-2024-3400)",
        assets=acme.assets[4:5],
        planned_start=at + timedelta(hours=40),
        planned_end=at + timedelta(hours=42),
        description="Hotfix 11.1.2-h3; GlobalProtect gateway restarts.",
        actor=staff["agent"],
    )
    approve_change(change=change, actor=acme.contact.user)
    complete_change(change=change, actor=staff["agent"])
    sec.mark_patched(
        item=critical, change=change, actor=staff["agent"], at=at + timedelta(hours=42)
    )
    sec.mitigate(
        item=high,
        mitigation="sshd LoginGraceTime 0 set on the four hosts (Qualys' workaround)",
        actor=staff["agent"],
        at=at + timedelta(hours=6),
    )
    sec.mark_patched(item=high, actor=staff["agent"], at=at + timedelta(days=10))
    audit = sec.schedule_audit(
        contract=acme.contract,
        kind="pentest",
        due_on=first.replace(day=10),
        title="External penetration test",
        auditor="Northwind Security",
    )
    sec.record_audit(audit=audit, performed_on=first.replace(day=10), actor=staff["manager"])
    finding = sec.add_finding(
        audit=audit,
        title="TLS 1.0 still offered on the customer portal load balancer",
        severity="high",
        assets=acme.assets[5:6],
        reported_at=datetime.combine(first.replace(day=12), time(10), tzinfo=tz),
        actor=staff["manager"],
    )
    sec.mark_patched(item=finding, actor=staff["agent"], at=finding.reported_at + timedelta(days=4))
    progress("security: 2 vulnerabilities (one patched in time, one breached), 1 pentest")


def _credits_and_hours(
    customers: list[DemoCustomer], staff: dict[str, Any], rng: random.Random, progress: Progress
) -> None:
    """Credit schedules and rate cards on every version, work logged on the year's tickets,
    closed months (statements and draft charges)."""
    from servicepact.billing.commercial import set_rate_card
    from servicepact.billing.services import log_work, set_credit_schedule
    from servicepact.reports.services import close_period

    acme, globex, nord = customers
    for version in acme.contract.versions.all():
        set_credit_schedule(
            version=version,
            tiers=[("99.95", "5"), ("99.9", "10"), ("99", "25")],
            breach_credits=[
                {"metric": Metric.ON_SITE, "priority": 1, "credit_percent": "2"},
                {"metric": Metric.RESOLUTION, "priority": 1, "credit_percent": "2"},
                {"metric": Metric.FIRST_RESPONSE, "priority": 1, "credit_percent": "1"},
            ],
            cap_percent="30",
            claim_window_days=60,
            notes="Schedule C of the Gold agreement",
        )
    for dc in (globex, nord):
        set_credit_schedule(
            version=dc.contract.versions.get(number=1),
            tiers=[("99.5", "5")],
            breach_credits=[
                {"metric": Metric.RESOLUTION, "priority": 1, "credit_percent": "3"},
                {"metric": Metric.RESOLUTION, "priority": 2, "credit_percent": "1"},
            ],
            cap_percent="20",
            claim_window_days=30,
        )
    for dc in customers:
        for version in dc.contract.versions.all():
            set_rate_card(
                version=version,
                actor=staff["manager"],
                rates={
                    "remote": "120",
                    "on_site": "180",
                    "on_site:senior_engineer": "220",
                    "travel": "80",
                },
                multiplier="1.5",
                rollover_periods=2,
                conversion_ratio="1.25",
                parts_markup_percent="15",
                scope=[
                    ("hardware-repair", "Hardware repair", "included"),
                    ("os-support", "OS support", "included"),
                    ("app-support", "Application support", "billable"),
                    ("network", "Network troubleshooting", "excluded"),
                ],
            )
    logged = 0
    for t in (
        Ticket.objects.filter(resolved_at__isnull=False)
        .exclude(coverage="out_of_contract")
        .order_by("pk")
    ):
        if rng.random() < 0.6 and t.resolved_at is not None:  # resolved: the query says so
            log_work(
                ticket=t,
                user=staff["engineer"] if t.category == Category.HARDWARE else staff["agent"],
                minutes=rng.choice([15, 30, 45, 60, 90, 120, 180]),
                day=t.resolved_at.date(),
                note="Diagnosis and fix",
            )
            logged += 1
    moment = current_time()
    closed = 0
    for dc in customers:
        for months_back in (4, 3, 2, 1):
            first = _months_ago(moment.date(), months_back)
            close_period(dc.contract, f"{first:%Y-%m}", now=moment)
            closed += 1
    progress(f"credit schedules, {logged} work logs, {closed} monthly statements closed")


def _changes(customers: list[DemoCustomer], staff: dict[str, Any], progress: Progress) -> None:
    """Changes with the board, an emergency change, releases, the year-end freeze."""
    from servicepact.demo.changes_seed import seed_changes

    acme, globex, _ = customers
    figures = seed_changes(acme, globex, staff)
    progress(f"{figures['changes']} changes, releases and configuration records")


def seed_demo(progress: Progress = lambda _: None, history: bool = True) -> bool:
    """Creates the demo data set; returns False (and changes nothing) if it is already there."""
    if already_seeded():
        progress("demo data already present; nothing to do")
        return False
    rng = random.Random(20261122)
    with transaction.atomic():
        staff = _staff(progress)
        customers = _build_customers(staff, rng, progress)
    if history:
        _history(customers, staff, rng, progress)
    with transaction.atomic():
        _open_tickets(customers, staff, progress)
        seed_warranties(customers, staff, progress)
        seed_dispatch(
            customer=customers[0].customer,
            engineer_user=staff["engineer"],
            actor=staff["agent"],
            progress=progress,
        )
        _monitoring(customers, staff, rng, progress)
        _changes(customers, staff, progress)
        _security(customers, staff, progress)
        seed_knowledge(customers, staff, progress)  # before the statements close (training)
        _credits_and_hours(customers, staff, rng, progress)
        seed_incidents(customers, staff, progress)
        acme = customers[0]
        seed_tiers(customers[1], acme.contract, progress)  # Globex (Standard NBD) vs Gold
        seed_backups(
            contract=acme.contract,
            assets=acme.assets,
            contact=acme.contact,
            staff=staff["agent"],
            progress=progress,
        )
        # Nordlicht's 180-day backup-drill commitment becomes its restore-drill schedule
        # (Acme's was set up by hand above; the worker derives the rest each pass).
        sync_drill_schedules(contracts=[dc.contract for dc in customers[1:]])
        globex = customers[1]  # the hardware customer: Lenovo and Inspur servers
        seed_inspections(
            contract=globex.contract,
            assets=globex.assets,
            contact=globex.contact,
            engineer=staff["engineer"],
            team=staff["field"],
            progress=progress,
        )
        seed_stock(
            customer=acme.customer,
            ticket=Ticket.objects.get(customer=acme.customer, subject__startswith="Redundant PSU"),
            agent=staff["agent"],
            progress=progress,
        )
        # The hardware customer (Globex: Standard NBD, on-site hardware repair).
        seed_aftercare(customers[1], staff, progress)
        # Issue 18's story on Globex's warranty-only server gx-mes22: dispatch, parts, RMA,
        # the customer's rating (after the warranties, dispatch, stock and aftercare seeds).
        seed_field_story(customers[1], staff, progress)
    return True


DEMO_LOGINS = [
    ("admin", "superuser: admin, desk"),
    ("agent", "service desk agent"),
    ("engineer", "on-site engineer"),
    ("manager", "service manager"),
    ("wang", "service desk agent (2nd level, Shanghai), in Chinese"),
    ("li", "on-site engineer (Shanghai depot), in Chinese"),
    ("acme-it", "contact of Acme Hosting (New York, Gold 7x24x4)"),
    ("globex-it", "contact of Globex Manufacturing (Shanghai, Standard NBD), in Chinese"),
    (
        "nordlicht-it",
        "contact of Nordlicht Software GmbH (Berlin, Software maintenance L2, in grace)",
    ),
]
