"""Coverage resolution: which contract (if any) covers an asset or a customer at an instant, and why.

Rules (docs/architecture.md "Coverage"):
1. Candidates: with an asset, the contracts with a line for it on that local date; without one,
   every contract of the customer. Drafts and terminated contracts never cover.
2. A contract whose term includes the date covers (active); one whose term ended no more than
   ``grace_days`` before covers in grace (flagged, with the expiry date); else it does not.
3. Active beats grace. Among several, the strictest target wins: the smallest first-response
   target, then resolution target, for the priority the ticket gets under each; ties by number.
4. Nothing left: out of contract (billable, no SLA clocks).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Q

from servicepact.assets.models import Asset
from servicepact.contracts.choices import ContractStatus, CoverageStatus, Metric
from servicepact.contracts.models import Contract, ContractVersion
from servicepact.contracts.terms import Terms, default_terms, terms_for_version, version_in_force
from servicepact.core.time import local_date
from servicepact.customers.models import Customer

_NO_TARGET = 10**12


@dataclass
class Coverage:
    status: str
    explanation: str
    contract: Contract | None = None
    version: ContractVersion | None = None
    expires_on: date | None = None
    terms: Terms = field(default_factory=default_terms)

    @property
    def covered(self) -> bool:
        return self.status != CoverageStatus.OUT_OF_CONTRACT


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _candidates(customer: Customer, asset: Asset | None, day: date) -> list[Contract]:
    if asset is not None:
        lines = asset.contract_lines.filter(start_date__lte=day).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=day)
        )
        qs = Contract.objects.filter(pk__in=lines.values("contract_id"))
    else:
        qs = Contract.objects.filter(customer=customer)
    return list(qs.select_related("plan", "customer").order_by("number"))


def _strictness(terms: Terms, priority: int) -> tuple[int, int]:
    first = terms.target(priority, Metric.FIRST_RESPONSE)
    resolution = terms.target(priority, Metric.RESOLUTION)
    return (
        first.target_seconds if first else _NO_TARGET,
        resolution.target_seconds if resolution else _NO_TARGET,
    )


def resolve_coverage(
    *,
    customer: Customer,
    asset: Asset | None,
    at: datetime,
    impact: int,
    urgency: int,
    priority: int | None = None,
) -> Coverage:
    day = local_date(at, customer.timezone)
    what = f"asset {asset.hostname}" if asset else f"customer {customer.name}"
    options: list[tuple[tuple[int, int, int, str], Contract, str, Terms]] = []
    for contract in _candidates(customer, asset, day):
        status = contract.status_on(day)
        if status not in (ContractStatus.ACTIVE, ContractStatus.GRACE):
            continue
        version = version_in_force(contract, at)
        if version is None:
            continue
        terms = terms_for_version(version)
        prio = priority or terms.priority_for(impact, urgency)
        rank = 0 if status == ContractStatus.ACTIVE else 1
        options.append(
            ((rank, *_strictness(terms, prio), contract.number), contract, status, terms)
        )
    if not options:
        reason = (
            f"{_upper_first(what)} is not on any contract line in force on {day.isoformat()}"
            if asset
            else f"{_upper_first(what)} has no active contract on {day.isoformat()}"
        )
        return Coverage(
            status=CoverageStatus.OUT_OF_CONTRACT,
            explanation=f"Out of contract: {reason}. Work is billable and no SLA applies.",
        )
    options.sort(key=lambda o: o[0])
    _, contract, status, terms = options[0]
    version = terms.version
    assert version is not None
    explanation = _explain(what, day, contract, status, version, options)
    return Coverage(
        status=CoverageStatus.ACTIVE if status == ContractStatus.ACTIVE else CoverageStatus.GRACE,
        explanation=explanation,
        contract=contract,
        version=version,
        expires_on=contract.end_date if status == ContractStatus.GRACE else None,
        terms=terms,
    )


def _explain(
    what: str,
    day: date,
    contract: Contract,
    status: str,
    version: ContractVersion,
    options: list[tuple[tuple[int, int, int, str], Contract, str, Terms]],
) -> str:
    text = (
        f"{_upper_first(what)} is covered by contract {contract.number} ({contract.plan.name}), "
        f"terms v{version.number} in force since {local_date(version.effective_from, contract.customer.timezone).isoformat()}"
    )
    if status == ContractStatus.GRACE:
        grace_end = contract.end_date + timedelta(days=contract.grace_days)
        text += (
            f". IN GRACE: the contract expired on {contract.end_date.isoformat()}; "
            f"service continues under its terms until {grace_end.isoformat()}"
        )
    else:
        text += f", term {contract.start_date.isoformat()} to {contract.end_date.isoformat()}"
    if len(options) > 1:
        others = ", ".join(o[1].number for o in options[1:])
        text += (
            f". Also covered by {others}; {contract.number} applies because its targets are the "
            f"strictest (first response, then resolution)"
        )
    return text + "."
