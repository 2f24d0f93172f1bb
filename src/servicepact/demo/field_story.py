"""Issue 18's "done when" in the demo, on the hardware customer Globex (Shanghai).

Globex's standby MES server gx-mes22 is on no contract line but under a manufacturer's Gold
7x24x4 warranty (demo/warranty_seed.py), so its hardware tickets get a 4-hour on-site clock
on the warranty tier. Two tickets on it tell the whole story:

* an earlier RAID-controller fault, already repaired: engineer Li Wei (Shanghai depot) was
  dispatched, arrived 3 h 20 min after the ticket opened (on-site clock met), fitted a
  flash power module from the depot's stock (free: the warranty covers parts, so no charge
  line), returned the faulty one under an RMA (the asset's component history records the
  swap), the customer signed the work order, the ticket was resolved, the follow-up call
  was made and the customer rated the repair 5 stars;
* the open battery ticket of the warranty seed: a visit planned within the 4 hours, the
  replacement module reserved for it at the depot.

Next quarter's inspection visit of Globex's servers is scheduled by the inspections seed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from servicepact.aftercare.choices import Outcome, SurveyVia
from servicepact.aftercare.services import answer_survey, create_followup, record_followup_outcome
from servicepact.core.time import now as current_time
from servicepact.fieldservice import services as fs
from servicepact.stock import services as stock
from servicepact.stock.choices import RmaStatus
from servicepact.tickets import services as ts
from servicepact.tickets.choices import OPEN_STATUSES, Category, Channel
from servicepact.tickets.models import Ticket

if TYPE_CHECKING:
    from servicepact.demo.seed import DemoCustomer

MODULE = "4XC7A08272"  # Lenovo ThinkSystem RAID 930 flash power module


def seed_field_story(
    globex: DemoCustomer, staff: dict[str, Any], progress: Callable[[str], None]
) -> None:
    server = globex.assets[-1]  # gx-mes22, under the Gold warranty only
    agent, moment = staff["agent"], current_time()
    depot = fs.create_depot(
        name="Shanghai depot", timezone="Asia/Shanghai", address="88 Keyuan Road, Pudong"
    )
    engineer = fs.create_engineer(
        user=staff["li"], home_depot=depot, skills=["hardware", "raid", "lenovo"]
    )
    module = stock.create_part(
        part_number=MODULE,
        description="ThinkSystem RAID 930 flash power module (supercap)",
        unit_cost="680.00",
        currency="CNY",
        compatible_models=[server.model] if server.model else [],
        delivery_days=1,
        actor=agent,
    )
    stock.receive_stock(part=module, depot=depot, quantity=3, actor=agent, reason="PO SH-2291")
    stock.set_threshold(part=module, depot=depot, threshold=1, actor=agent)

    # The repair already done (opened six hours ago).
    opened = moment - timedelta(hours=6)
    done = ts.open_ticket(
        customer=globex.customer,
        contact=globex.contact,
        asset=server,
        category=Category.HARDWARE,
        subject="gx-mes22: RAID controller cache module failed, array degraded",
        impact=2,
        urgency=2,
        opened_at=opened,
        channel=Channel.PHONE,
        description="The controller reports the flash power module as failed.",
    )
    ts.acknowledge_ticket(ticket=done, actor=agent, at=opened + timedelta(minutes=6))
    order = fs.create_work_order(
        ticket=done,
        engineer=engineer,
        planned_arrival_at=opened + timedelta(hours=3, minutes=30),
        dispatched_at=opened + timedelta(minutes=12),
        actor=agent,
    )
    fs.start_travel(work_order=order, actor=agent, at=opened + timedelta(hours=2))
    fs.record_arrival(work_order=order, actor=agent, at=opened + timedelta(hours=3, minutes=20))
    fs.record_departure(
        work_order=order,
        actor=agent,
        at=opened + timedelta(hours=4, minutes=35),
        work_done="Replaced the flash power module; array rebuilt and verified.",
    )
    fs.sign_work_order(
        work_order=order,
        actor=agent,
        signer_name="Zhang Min",
        signed_at=opened + timedelta(hours=4, minutes=36),
    )
    # Recorded when the engineer reported back: the part taken from stock, fitted, and the
    # faulty one returned to the vendor.
    used = stock.reserve_part(
        ticket=done, part=module, depot=depot, quantity=1, actor=agent, work_order_id=order.pk
    )
    stock.consume_reservation(reservation=used, actor=agent)
    rma = stock.open_rma(
        ticket=done,
        part=module,
        depot=depot,
        faulty_serial="FPM-22A-00417",
        replacement_serial="FPM-24C-01988",
        actor=agent,
    )
    stock.advance_rma(rma=rma, status=RmaStatus.SENT, actor=agent, vendor_reference="LNV-RMA-8812")
    ts.resolve_ticket(ticket=done, actor=agent, resolution="Module replaced under warranty.")
    followup = create_followup(ticket=done)
    if followup is not None:
        record_followup_outcome(
            followup=followup,
            actor=agent,
            outcome=Outcome.SATISFIED,
            note="Called Zhang Min: the server runs on the new module.",
        )
    answer_survey(
        ticket=done,
        score=5,
        comment="Engineer on site well within four hours. Thank you.",
        via=SurveyVia.LINK,
    )

    # The open battery ticket of the warranty seed: a visit planned inside the 4 hours and
    # the replacement module reserved for it.
    current = (
        Ticket.objects.filter(asset=server, status__in=OPEN_STATUSES, category=Category.HARDWARE)
        .order_by("-opened_at")
        .first()
    )
    if current is not None:
        visit = fs.create_work_order(
            ticket=current,
            engineer=engineer,
            planned_arrival_at=moment + timedelta(hours=2),
            actor=agent,
        )
        stock.reserve_part(
            ticket=current,
            part=module,
            depot=depot,
            quantity=1,
            actor=agent,
            work_order_id=visit.pk,
        )
    progress("field service: gx-mes22 repaired under warranty (dispatch, part, RMA, 5 stars)")
