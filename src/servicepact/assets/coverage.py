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
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

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
    # The explanation as structured facts (JSON-safe; stored on the ticket and in its
    # ``opened`` event) so it is written in the reader's language when shown: ``explain``.
    facts: dict[str, Any]
    contract: Contract | None = None
    version: ContractVersion | None = None
    expires_on: date | None = None
    terms: Terms = field(default_factory=default_terms)

    @property
    def covered(self) -> bool:
        return self.status != CoverageStatus.OUT_OF_CONTRACT

    @property
    def explanation(self) -> str:
        """Why, in the active language."""
        return explain(self.facts)


# Machine-stable codes of an explanation (``facts["code"]``; the API's ``explanation_code``).
ACTIVE, GRACE, NOT_ON_LINE, NO_CONTRACT = "active", "grace", "not_on_line", "no_contract"


def explain(facts: dict[str, Any], fallback: str = "") -> str:
    """The coverage explanation of ``facts`` (``Coverage.facts``) in the active language;
    ``fallback`` (text stored before facts were) when there are none."""
    code = facts.get("code")
    if code not in (ACTIVE, GRACE, NOT_ON_LINE, NO_CONTRACT):
        return fallback
    asset = facts.get("subject") == "asset"
    args = {**facts, "name": facts.get("name", "")}
    if code == NOT_ON_LINE:
        return (
            _(
                "Out of contract: Asset %(name)s is not on any contract line in force on "
                "%(day)s. Work is billable and no SLA applies."
            )
            % args
        )
    if code == NO_CONTRACT:
        return (
            _(
                "Out of contract: Customer %(name)s has no active contract on %(day)s. "
                "Work is billable and no SLA applies."
            )
            % args
        )
    if asset:
        text = (
            _(
                "Asset %(name)s is covered by contract %(contract)s (%(plan)s), terms "
                "v%(version)s in force since %(since)s"
            )
            % args
        )
    else:
        text = (
            _(
                "Customer %(name)s is covered by contract %(contract)s (%(plan)s), terms "
                "v%(version)s in force since %(since)s"
            )
            % args
        )
    if code == GRACE:
        text += (
            _(
                ". IN GRACE: the contract expired on %(end)s; service continues under its "
                "terms until %(grace_end)s"
            )
            % args
        )
    else:
        text += _(", term %(start)s to %(end)s") % args
    if facts.get("others"):
        text += _(
            ". Also covered by %(others)s; %(contract)s applies because its targets are the "
            "strictest (first response, then resolution)"
        ) % {**args, "others": ", ".join(facts["others"])}
    return text + _(".")


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
    what = {
        "subject": "asset" if asset else "customer",
        "name": asset.hostname if asset else customer.name,
        "day": day.isoformat(),
    }
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
        return Coverage(
            status=CoverageStatus.OUT_OF_CONTRACT,
            facts={**what, "code": NOT_ON_LINE if asset else NO_CONTRACT},
        )
    options.sort(key=lambda o: o[0])
    _, contract, status, terms = options[0]
    version = terms.version
    assert version is not None
    return Coverage(
        status=CoverageStatus.ACTIVE if status == ContractStatus.ACTIVE else CoverageStatus.GRACE,
        facts=_facts(what, contract, status, version, options),
        contract=contract,
        version=version,
        expires_on=contract.end_date if status == ContractStatus.GRACE else None,
        terms=terms,
    )


def _facts(
    what: dict[str, Any],
    contract: Contract,
    status: str,
    version: ContractVersion,
    options: list[tuple[tuple[int, int, int, str], Contract, str, Terms]],
) -> dict[str, Any]:
    grace_end = contract.end_date + timedelta(days=contract.grace_days)
    return {
        **what,
        "code": GRACE if status == ContractStatus.GRACE else ACTIVE,
        "contract": contract.number,
        "plan": contract.plan.name,
        "version": version.number,
        "since": local_date(version.effective_from, contract.customer.timezone).isoformat(),
        "start": contract.start_date.isoformat(),
        "end": contract.end_date.isoformat(),
        "grace_end": grace_end.isoformat(),
        "others": [o[1].number for o in options[1:]],
    }
