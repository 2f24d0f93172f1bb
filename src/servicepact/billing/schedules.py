"""The credit schedule in force: per contract version, carried over by later versions.

``contracts.amend_contract`` copies targets and KPIs into a new version but cannot know
about credits (billing sits above contracts), so a version without a schedule of its own
uses the schedule of the latest earlier version that has one — the same carry-over rule.
"""

from __future__ import annotations

from datetime import timedelta

from servicepact.billing.models import CreditSchedule
from servicepact.billing.periods import Period
from servicepact.contracts.models import Contract, ContractVersion
from servicepact.contracts.terms import version_for_period
from servicepact.slaclock.statement_rules import ScheduleTerms

__all__ = ["ScheduleTerms", "schedule_for_period", "schedules_by_version"]


def _terms(schedule: CreditSchedule, version: ContractVersion) -> ScheduleTerms:
    tiers = sorted((t.below_percent, t.credit_percent) for t in schedule.tiers.all())
    return ScheduleTerms(
        version_id=version.pk,
        label=f"{version.contract.number} v{schedule.contract_version.number}",
        cap_percent=schedule.cap_percent,
        claim_window_days=schedule.claim_window_days,
        tiers=tuple(tiers),
        breach={(b.metric, b.priority): b.credit_percent for b in schedule.breach_credits.all()},
    )


def schedules_by_version(contract: Contract) -> dict[int, ScheduleTerms | None]:
    """Every version of the contract -> the schedule that applies to it (None: no credits)."""
    versions = list(contract.versions.select_related("contract").order_by("effective_from"))
    own = {
        s.contract_version_id: s
        for s in CreditSchedule.objects.filter(contract_version__contract=contract)
        .select_related("contract_version")
        .prefetch_related("tiers", "breach_credits")
    }
    result: dict[int, ScheduleTerms | None] = {}
    current: CreditSchedule | None = None
    for version in versions:
        current = own.get(version.pk, current)
        result[version.pk] = None if current is None else _terms(current, version)
    return result


def schedule_for_period(contract: Contract, period: Period) -> ScheduleTerms | None:
    """The schedule in force on the month's last second: it gives the tiers, the cap and
    the claim window of the month (what ``billing.facts.period_facts`` uses too)."""
    _, end = period.bounds(contract.customer.timezone)
    version = version_for_period(contract, end - timedelta(seconds=1))
    return None if version is None else schedules_by_version(contract).get(version.pk)
