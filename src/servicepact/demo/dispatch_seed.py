"""The demo's field service dispatch: Erin Field (home depot Ashburn) is on site for the
hardware customer's newest open hardware ticket (arrived: its on-site clock stopped there)
and has a visit planned for the next one. Through the real services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from servicepact.core.time import now as current_time
from servicepact.customers.models import Customer
from servicepact.fieldservice import services as fs
from servicepact.fieldservice.models import WorkOrder
from servicepact.tickets.choices import OPEN_STATUSES, Category
from servicepact.tickets.models import Ticket


def seed_dispatch(
    *, customer: Customer, engineer_user: Any, actor: Any, progress: Callable[[str], None]
) -> list[WorkOrder]:
    depot = fs.create_depot(
        name="Ashburn depot",
        timezone="America/New_York",
        address="21715 Filigree Court, Ashburn, VA 20147",
    )
    fs.create_depot(
        name="Frankfurt depot", timezone="Europe/Berlin", address="Hanauer Landstr. 300"
    )
    engineer = fs.create_engineer(
        user=engineer_user, home_depot=depot, skills=["hardware", "storage", "psu", "raid"]
    )
    tickets = list(
        Ticket.objects.filter(
            customer=customer, category=Category.HARDWARE, status__in=OPEN_STATUSES
        ).order_by("-opened_at")[:2]
    )
    moment = current_time()
    orders: list[WorkOrder] = []
    if tickets:
        # Newest first: the P1 just opened gets a visit planned in three hours.
        planned = fs.create_work_order(
            ticket=tickets[0],
            engineer=engineer,
            planned_arrival_at=moment + timedelta(hours=3),
            actor=actor,
        )
        orders.append(planned)
    if len(tickets) > 1:
        older = tickets[1]
        dispatched = max(older.opened_at, moment - timedelta(hours=2))
        on_site = fs.create_work_order(
            ticket=older,
            engineer=engineer,
            planned_arrival_at=dispatched + timedelta(hours=1, minutes=30),
            dispatched_at=dispatched,
            actor=actor,
        )
        on_site = fs.start_travel(
            work_order=on_site, actor=actor, at=dispatched + timedelta(minutes=30)
        )
        on_site = fs.record_arrival(
            work_order=on_site, actor=actor, at=dispatched + timedelta(hours=1, minutes=40)
        )
        on_site = fs.record_work_done(
            work_order=on_site, actor=actor, work_done="Failed PSU 2 identified; swapping it."
        )
        orders.append(on_site)
    progress(f"dispatch: 2 depots, 1 engineer, {len(orders)} work orders")
    return orders
