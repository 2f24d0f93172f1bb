"""Coverage resolution: which contract (if any) covers an asset or a customer at an instant, and why.

Rules (docs/architecture.md "Coverage"):
1. Candidates: with an asset, the contracts with a line for it on that local date; without one,
   every contract of the customer. Drafts and terminated contracts never cover.
2. A contract whose term includes the date covers (active); one whose term ended no more than
   ``grace_days`` before covers in grace (flagged, with the expiry date); else it does not.
3. With an asset, its warranty entitlements whose labour component holds on that date are
   candidates too, ranked like an active contract under their tier's plan terms (the on-site
   target only while the on-site component holds; docs/adr/0019).
4. Active beats grace. Among several, the strictest target wins: the smallest first-response
   target, then resolution target, for the priority the ticket gets under each; on a tie a
   contract before a warranty, then by number.
5. Nothing left: out of contract (billable, no SLA clocks).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from servicepact.assets.choices import WarrantySource
from servicepact.assets.models import Asset, ContractLine, WarrantyEntitlement
from servicepact.contracts.choices import ContractStatus, CoverageStatus, Metric
from servicepact.contracts.models import Contract, ContractVersion, ServicePlan
from servicepact.contracts.terms import (
    Terms,
    default_terms,
    terms_for_plan,
    terms_for_version,
    version_in_force,
)
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
    warranty: WarrantyEntitlement | None = None

    @property
    def covered(self) -> bool:
        return self.status != CoverageStatus.OUT_OF_CONTRACT

    @property
    def explanation(self) -> str:
        """Why, in the active language."""
        return explain(self.facts)


# Machine-stable codes of an explanation (``facts["code"]``; the API's ``explanation_code``).
ACTIVE, GRACE, NOT_ON_LINE, NO_CONTRACT = "active", "grace", "not_on_line", "no_contract"
WARRANTY = "warranty"


def explain(facts: dict[str, Any], fallback: str = "") -> str:
    """The coverage explanation of ``facts`` (``Coverage.facts``) in the active language;
    ``fallback`` (text stored before facts were) when there are none."""
    code = facts.get("code")
    if code not in (ACTIVE, GRACE, NOT_ON_LINE, NO_CONTRACT, WARRANTY):
        return fallback
    asset = facts.get("subject") == "asset"
    args = {**facts, "name": facts.get("name", "")}
    if code == WARRANTY:
        return _explain_warranty(facts, args)
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
    if facts.get("others") or facts.get("warranties"):
        text += _(
            ". Also covered by %(others)s; %(contract)s applies because its targets are the "
            "strictest (first response, then resolution)"
        ) % {**args, "others": _others(facts)}
    return text + _(".")


def _others(facts: dict[str, Any]) -> str:
    """The other candidates of a resolution: contract numbers, then warranty tiers."""
    names = list(facts.get("others") or [])
    names += [_("%(plan)s warranty") % {"plan": plan} for plan in facts.get("warranties") or []]
    return ", ".join(names)


def source_label(code: str) -> str:
    """A warranty source in the reader's language ("manufacturer" -> "Manufacturer")."""
    try:
        return str(WarrantySource(code).label).lower()
    except ValueError:
        return code


def _explain_warranty(facts: dict[str, Any], args: dict[str, Any]) -> str:
    args = {**args, "source": source_label(str(facts.get("source", "")))}
    text = (
        _(
            "Asset %(name)s is covered by %(plan)s warranty (%(source)s) until %(labour_end)s, "
            "under the tier's plan terms"
        )
        % args
    )
    if facts.get("on_site"):
        text += _(", engineer on site until %(onsite_end)s") % args
    else:
        text += _(", without an on-site promise on %(day)s") % args
    if facts.get("others") or facts.get("warranties"):
        text += _(
            ". Also covered by %(others)s; the warranty applies because its targets are the "
            "strictest (first response, then resolution)"
        ) % {**args, "others": _others(facts)}
    else:
        text += _(". No contract covers it on %(day)s") % args
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


def _warranties(asset: Asset | None, day: date) -> list[WarrantyEntitlement]:
    """The asset's entitlements whose labour component holds on ``day``."""
    if asset is None:
        return []
    qs = WarrantyEntitlement.objects.filter(
        asset=asset, labour_start__lte=day, labour_end__gte=day
    ).select_related("plan")
    return list(qs.order_by("id"))


def warranty_terms(warranty: WarrantyEntitlement, *, on_site: bool) -> Terms:
    """The terms a warranty measures a ticket under: its tier's plan (``on_site``: whether
    the on-site component held on the ticket's day). Coverage and ``ticket_terms`` both
    call it, so a ticket keeps the terms it opened with."""
    return terms_for_plan(warranty.plan, source=f"warranty {warranty.plan.name}", on_site=on_site)


def strictness_of_plan(plan: ServicePlan, priority: int = 1) -> tuple[int, int]:
    """A plan's rank by the coverage rule (smaller is stricter) at ``priority``."""
    return _strictness(terms_for_plan(plan, source=plan.name), priority)


def _strictness(terms: Terms, priority: int) -> tuple[int, int]:
    first = terms.target(priority, Metric.FIRST_RESPONSE)
    resolution = terms.target(priority, Metric.RESOLUTION)
    return (
        first.target_seconds if first else _NO_TARGET,
        resolution.target_seconds if resolution else _NO_TARGET,
    )


class CoverageLookups:
    """The reads of ``resolve_coverage`` for many resolutions (a batch of tickets opened
    together): candidate contracts per (customer, asset, local day), read for many assets with
    one query (``preload``); each contract's versions once; each version's terms once. The
    rules stay in ``resolve_coverage``; this only answers its reads from memory."""

    def __init__(self) -> None:
        self._candidates: dict[tuple[int, int | None, date], list[Contract]] = {}
        self._versions: dict[int, list[ContractVersion]] = {}
        self._terms: dict[int, Terms] = {}
        self._warranties: dict[tuple[int, date], list[WarrantyEntitlement]] = {}
        self._plan_terms: dict[tuple[int, bool], Terms] = {}

    def preload(self, wanted: Iterable[tuple[Customer, Asset | None, datetime]]) -> None:
        """Reads the candidates of every (customer, asset, instant) and the versions of
        their contracts: one query for the lines and one for the warranties of each local
        day, one for the contracts, one for the versions."""
        days: dict[date, set[int]] = defaultdict(set)
        keys: list[tuple[int, int | None, date]] = []
        customers: set[int] = set()
        for customer, asset, at in wanted:
            day = local_date(at, customer.timezone)
            key = (customer.pk, asset.pk if asset else None, day)
            if key in self._candidates:
                continue
            keys.append(key)
            if asset is not None:
                days[day].add(asset.pk)
            else:
                customers.add(customer.pk)
        if not keys:
            return
        lines: dict[tuple[int, date], set[int]] = defaultdict(set)
        for day, asset_ids in days.items():
            rows = ContractLine.objects.filter(asset_id__in=asset_ids, start_date__lte=day).filter(
                Q(end_date__isnull=True) | Q(end_date__gte=day)
            )
            for line_asset, contract_id in rows.values_list("asset_id", "contract_id"):
                lines[(line_asset, day)].add(contract_id)
            for pk in asset_ids:
                self._warranties[(pk, day)] = []
            warranties = WarrantyEntitlement.objects.filter(
                asset_id__in=asset_ids, labour_start__lte=day, labour_end__gte=day
            ).select_related("plan")
            for warranty in warranties.order_by("id"):
                self._warranties[(warranty.asset_id, day)].append(warranty)
        wanted_ids = set().union(*lines.values()) if lines else set()
        contracts = list(
            Contract.objects.filter(Q(pk__in=wanted_ids) | Q(customer_id__in=customers))
            .select_related("plan", "customer")
            .order_by("number")
        )
        for customer_id, asset_id, day in keys:
            if asset_id is None:
                chosen = [c for c in contracts if c.customer_id == customer_id]
            else:
                ids = lines.get((asset_id, day), set())
                chosen = [c for c in contracts if c.pk in ids]
            self._candidates[(customer_id, asset_id, day)] = chosen
        self._load_versions([c for c in contracts if c.pk not in self._versions])

    def _load_versions(self, contracts: list[Contract]) -> None:
        by_id = {c.pk: c for c in contracts}
        for contract in contracts:
            self._versions[contract.pk] = []
        rows = ContractVersion.objects.filter(contract_id__in=by_id).order_by("-effective_from")
        for version in rows:
            version.contract = by_id[version.contract_id]
            self._versions[version.contract_id].append(version)

    def candidates(self, customer: Customer, asset: Asset | None, day: date) -> list[Contract]:
        key = (customer.pk, asset.pk if asset else None, day)
        if key not in self._candidates:
            self._candidates[key] = _candidates(customer, asset, day)
        return self._candidates[key]

    def version(self, contract: Contract, at: datetime) -> ContractVersion | None:
        if contract.pk not in self._versions:
            self._load_versions([contract])
        return next((v for v in self._versions[contract.pk] if v.effective_from <= at), None)

    def terms(self, version: ContractVersion) -> Terms:
        if version.pk not in self._terms:
            self._terms[version.pk] = terms_for_version(version)
        return self._terms[version.pk]

    def warranties(self, asset: Asset | None, day: date) -> list[WarrantyEntitlement]:
        if asset is None:
            return []
        key = (asset.pk, day)
        if key not in self._warranties:
            self._warranties[key] = _warranties(asset, day)
        return self._warranties[key]

    def warranty_terms(self, warranty: WarrantyEntitlement, *, on_site: bool) -> Terms:
        key = (warranty.plan_id, on_site)
        if key not in self._plan_terms:
            self._plan_terms[key] = warranty_terms(warranty, on_site=on_site)
        return self._plan_terms[key]


_Option = tuple[tuple[int, int, int, int, str], Contract | WarrantyEntitlement, str, Terms]


def resolve_coverage(
    *,
    customer: Customer,
    asset: Asset | None,
    at: datetime,
    impact: int,
    urgency: int,
    priority: int | None = None,
    lookups: CoverageLookups | None = None,
) -> Coverage:
    """``lookups``: a batch's cache of the reads (``CoverageLookups``); the same answer."""
    day = local_date(at, customer.timezone)
    what = {
        "subject": "asset" if asset else "customer",
        "name": asset.hostname if asset else customer.name,
        "day": day.isoformat(),
    }
    options: list[_Option] = []
    candidates = (
        lookups.candidates(customer, asset, day) if lookups else _candidates(customer, asset, day)
    )
    for contract in candidates:
        status = contract.status_on(day)
        if status not in (ContractStatus.ACTIVE, ContractStatus.GRACE):
            continue
        version = lookups.version(contract, at) if lookups else version_in_force(contract, at)
        if version is None:
            continue
        terms = lookups.terms(version) if lookups else terms_for_version(version)
        prio = priority or terms.priority_for(impact, urgency)
        rank = 0 if status == ContractStatus.ACTIVE else 1
        options.append(
            ((rank, *_strictness(terms, prio), 0, contract.number), contract, status, terms)
        )
    warranties = lookups.warranties(asset, day) if lookups else _warranties(asset, day)
    for warranty in warranties:
        on_site = warranty.onsite_on(day)
        terms = (
            lookups.warranty_terms(warranty, on_site=on_site)
            if lookups
            else warranty_terms(warranty, on_site=on_site)
        )
        prio = priority or terms.priority_for(impact, urgency)
        key = (0, *_strictness(terms, prio), 1, f"{warranty.pk:012d}")
        options.append((key, warranty, WARRANTY, terms))
    if not options:
        return Coverage(
            status=CoverageStatus.OUT_OF_CONTRACT,
            facts={**what, "code": NOT_ON_LINE if asset else NO_CONTRACT},
        )
    options.sort(key=lambda o: o[0])
    _, chosen, status, terms = options[0]
    if isinstance(chosen, WarrantyEntitlement):
        return Coverage(
            status=CoverageStatus.WARRANTY,
            facts=_warranty_facts(what, chosen, day, options),
            warranty=chosen,
            terms=terms,
        )
    version = terms.version
    assert version is not None
    return Coverage(
        status=CoverageStatus.ACTIVE if status == ContractStatus.ACTIVE else CoverageStatus.GRACE,
        facts=_facts(what, chosen, status, version, options),
        contract=chosen,
        version=version,
        expires_on=chosen.end_date if status == ContractStatus.GRACE else None,
        terms=terms,
    )


def _warranty_facts(
    what: dict[str, Any], warranty: WarrantyEntitlement, day: date, options: list[_Option]
) -> dict[str, Any]:
    on_site = warranty.onsite_on(day)
    return {
        **what,
        "code": WARRANTY,
        "warranty": warranty.pk,
        "plan": warranty.plan.name,
        "source": warranty.source,
        "labour_start": warranty.labour_start.isoformat(),
        "labour_end": warranty.labour_end.isoformat(),
        "parts_end": warranty.parts_end.isoformat(),
        # Stored so the ticket keeps the terms it opened with (``ticket_terms``).
        "on_site": on_site,
        "onsite_end": warranty.onsite_end.isoformat() if on_site and warranty.onsite_end else "",
        **_other_candidates(options),
    }


def _other_candidates(options: list[_Option]) -> dict[str, list[str]]:
    rest = [o[1] for o in options[1:]]
    return {
        "others": [c.number for c in rest if isinstance(c, Contract)],
        "warranties": [w.plan.name for w in rest if isinstance(w, WarrantyEntitlement)],
    }


def reinstated_facts(
    facts: dict[str, Any], contract: Contract, version: ContractVersion | None
) -> dict[str, Any]:
    """A grace ticket's ``facts`` once its contract is renewed: covered (``ACTIVE``) by the
    renewed term and ``version`` (the one in force at the ticket's opening)."""
    what: dict[str, Any] = {k: facts[k] for k in ("subject", "name", "day") if k in facts}
    version = version or contract.versions.order_by("-number").first()
    assert version is not None
    return _facts(what, contract, ContractStatus.ACTIVE, version, [])


def _facts(
    what: dict[str, Any],
    contract: Contract,
    status: str,
    version: ContractVersion,
    options: list[_Option],
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
        **_other_candidates(options),
    }
