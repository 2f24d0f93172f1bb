"""The after-repair terms that apply to a contract, and the follow-up's due date.

Terms: the contract's own ``AftercarePolicy``, else its plan's, else the defaults (follow-ups
on for every resolved ticket under a contract, by telephone, due 2 business days after the
resolution; a 7-day satisfaction guarantee).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from servicepact.aftercare.choices import Channel
from servicepact.aftercare.models import (
    DEFAULT_FOLLOWUP_DAYS,
    DEFAULT_GUARANTEE_DAYS,
    AftercarePolicy,
)
from servicepact.contracts.models import Contract, Holiday, ServicePlan

SATURDAY = 5


@dataclass(frozen=True)
class Terms:
    followups_enabled: bool = True
    followup_channel: str = Channel.CALL
    followup_business_days: int = DEFAULT_FOLLOWUP_DAYS
    guarantee_days: int = DEFAULT_GUARANTEE_DAYS


def terms_for(contract: Contract | None, *, plan: ServicePlan | None = None) -> Terms:
    """The contract's policy, else its plan's, else the defaults (one query). Without a
    contract, ``plan`` is the warranty tier that covers the ticket: its plan's policy, else
    the defaults; with neither, no follow-up."""
    if contract is None and plan is None:
        return Terms(followups_enabled=False)
    plan_id = contract.plan_id if contract is not None else plan.pk if plan is not None else None
    policy = (
        AftercarePolicy.objects.filter(contract=contract).first() if contract is not None else None
    ) or AftercarePolicy.objects.filter(plan_id=plan_id).first()
    if policy is None:
        return Terms()
    return Terms(
        followups_enabled=policy.followups_enabled,
        followup_channel=policy.followup_channel,
        followup_business_days=policy.followup_business_days,
        guarantee_days=policy.guarantee_days,
    )


def add_business_days(start: date, days: int, holidays: set[date]) -> date:
    """``start`` + ``days`` business days (Monday to Friday, not a holiday); 0 -> ``start``.

    Friday + 1 -> Monday; Friday + 1 with Monday a holiday -> Tuesday."""
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < SATURDAY and day not in holidays:
            left -= 1
    return day


def due_date(plan: ServicePlan, resolved_on: date, business_days: int) -> date:
    """The follow-up's due date: business days of the plan's calendar (its holidays) after
    the resolution's local date (the contract's plan, or the warranty's tier)."""
    horizon = resolved_on + timedelta(days=business_days * 3 + 14)
    holidays = set(
        Holiday.objects.filter(
            calendar_id=plan.calendar_id, date__gt=resolved_on, date__lte=horizon
        ).values_list("date", flat=True)
    )
    return add_business_days(resolved_on, business_days, holidays)
