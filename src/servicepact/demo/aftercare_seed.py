"""The demo after the repair: the hardware customer's resolved disk ticket has its follow-up
done (satisfied) and a 5-star survey; another resolved ticket has a pending guarantee claim
for the manager to decide. The plan's policy: follow-ups by telephone after 2 business
days, a 7-day satisfaction guarantee."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from servicepact.aftercare.choices import ClaimKind, Outcome, SurveyVia
from servicepact.aftercare.models import AftercarePolicy
from servicepact.aftercare.services import (
    answer_survey,
    create_followup,
    raise_claim,
    record_followup_outcome,
)
from servicepact.core.time import now as current_time
from servicepact.tickets import services as ts
from servicepact.tickets.choices import Category
from servicepact.tickets.models import Ticket


def _resolved(dc: Any, agent: Any, subject: str, opened: Any, resolution: str) -> Ticket:
    ticket = ts.open_ticket(
        customer=dc.customer,
        contact=dc.contact,
        asset=dc.assets[0],
        subject=subject,
        description="Reported by the customer's operations team.",
        category=Category.HARDWARE,
        impact=2,
        urgency=2,
        opened_at=opened,
    )
    ts.acknowledge_ticket(ticket=ticket, actor=agent, at=opened + timedelta(minutes=20))
    ts.resolve_ticket(
        ticket=ticket, actor=agent, resolution=resolution, at=opened + timedelta(hours=5)
    )
    ticket.refresh_from_db()
    return ticket


def seed_aftercare(dc: Any, staff: dict[str, Any], progress: Callable[[str], None]) -> None:
    """``dc``: the hardware customer (``customer``, ``contact``, ``contract``, ``assets``)."""
    AftercarePolicy.objects.get_or_create(
        plan=dc.contract.plan, defaults={"followup_business_days": 2, "guarantee_days": 7}
    )
    agent, now = staff["agent"], current_time()
    disk = _resolved(
        dc,
        agent,
        "Failed disk in RAID 5 array",
        now - timedelta(days=3),
        "Disk replaced, array rebuilt.",
    )
    followup = create_followup(ticket=disk)
    if followup is not None:
        record_followup_outcome(
            followup=followup,
            actor=agent,
            outcome=Outcome.SATISFIED,
            note="Called the customer: the array is healthy and they are happy.",
        )
    answer_survey(ticket=disk, score=5, comment="Fast and tidy, thank you.", via=SurveyVia.LINK)
    psu = _resolved(
        dc, agent, "Power supply fan noise", now - timedelta(days=2), "Power supply replaced."
    )
    raise_claim(
        ticket=psu,
        actor=dc.contact.user,
        kind=ClaimKind.CREDIT,
        amount="150",
        reason="The engineer came a day later than promised.",
    )
    progress("aftercare: a follow-up done, a 5-star survey, a pending guarantee claim")
