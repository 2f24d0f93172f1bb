"""The terms in force: which version of a contract applies at an instant, and what it promises."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from servicepact.contracts.choices import (
    DEFAULT_PRIORITY_MATRIX,
    DEFAULT_PRIORITY_NAMES,
    Metric,
)
from servicepact.contracts.models import Contract, ContractVersion, ServicePlan, SlaTarget


def priority_label(priority: int, name: str | None) -> str:
    """How a priority is shown: "P1 Critical". A contract's name that already starts with
    its code ("P1 紧急 Critical", "P1") is shown as it is, never "P1 P1 紧急 Critical"."""
    code = f"P{priority}"
    text = (name or "").strip()
    if not text:
        return code
    if text == code or text.startswith((f"{code} ", f"{code}\u00a0", f"{code}:", f"{code} ·")):
        return text
    return f"{code} {text}"


@dataclass(frozen=True)
class TargetTerm:
    priority: int
    metric: str
    target_seconds: int
    calendar_id: int
    measure_in_site_timezone: bool
    source: str  # "plan Gold 7x24x4" or "contract C-1 v2": where the number comes from
    category: str = ""  # the ticket category the target is for; "" = any


@dataclass(frozen=True)
class Terms:
    plan: ServicePlan | None
    version: ContractVersion | None
    matrix: list[list[int]]
    names: dict[str, str]
    # (priority, metric, category) -> term; category "" is "any".
    targets: dict[tuple[int, str, str], TargetTerm] = field(default_factory=dict)

    def priority_for(self, impact: int, urgency: int) -> int:
        return priority_from_matrix(self.matrix, impact, urgency)

    def priority_name(self, priority: int) -> str:
        return self.names.get(str(priority), f"P{priority}")

    def priority_label(self, priority: int) -> str:
        return priority_label(priority, self.names.get(str(priority)))

    def target(self, priority: int, metric: str, category: str = "") -> TargetTerm | None:
        """The most specific target: the one for ``category``, else the one for any."""
        if category:
            found = self.targets.get((priority, metric, category))
            if found is not None:
                return found
        return self.targets.get((priority, metric, ""))


def priority_from_matrix(matrix: list[list[int]], impact: int, urgency: int) -> int:
    if not (1 <= impact <= 4 and 1 <= urgency <= 4):
        raise ValueError("impact and urgency must be 1..4")
    return int(matrix[impact - 1][urgency - 1])


def default_terms() -> Terms:
    """Out of contract: the default priority policy and no targets."""
    return Terms(
        plan=None, version=None, matrix=DEFAULT_PRIORITY_MATRIX, names=DEFAULT_PRIORITY_NAMES
    )


def version_in_force(contract: Contract, at: datetime) -> ContractVersion | None:
    return contract.versions.filter(effective_from__lte=at).order_by("-effective_from").first()


def version_for_period(contract: Contract, at: datetime) -> ContractVersion | None:
    """The version in force at ``at``; before the first one takes effect, the first one.

    For periods (a month's statement and credits), which are measured under some terms even
    when the term starts mid-month.
    """
    return version_in_force(contract, at) or contract.versions.order_by("effective_from").first()


def terms_for_version(version: ContractVersion) -> Terms:
    """Plan targets, overridden per (priority, metric, category) by the version's own
    targets; ``Terms.target`` then prefers the ticket's category over "any"."""
    plan = version.contract.plan
    targets: dict[tuple[int, str, str], TargetTerm] = {}
    for row in SlaTarget.objects.filter(plan=plan):
        targets[(row.priority, row.metric, row.category)] = _term(row, f"plan {plan.name}")
    for row in SlaTarget.objects.filter(contract_version=version):
        targets[(row.priority, row.metric, row.category)] = _term(
            row, f"contract {version.contract.number} v{version.number}"
        )
    return Terms(
        plan=plan,
        version=version,
        matrix=version.priority_matrix or plan.priority_matrix,
        names={**DEFAULT_PRIORITY_NAMES, **plan.priority_names, **(version.priority_names or {})},
        targets=targets,
    )


def terms_for_plan(plan: ServicePlan, *, source: str = "", on_site: bool = True) -> Terms:
    """A plan's own terms, no contract overrides: a warranty tier (``assets.coverage``), or
    another plan a history is replayed under (``tiers``). ``source`` names where the targets
    come from (default: the plan); ``on_site`` False drops the on-site targets (a warranty
    whose on-site component is not in force)."""
    source = source or f"plan {plan.name}"
    targets: dict[tuple[int, str, str], TargetTerm] = {}
    for row in SlaTarget.objects.filter(plan=plan):
        if on_site or row.metric != Metric.ON_SITE:
            targets[(row.priority, row.metric, row.category)] = _term(row, source)
    return Terms(
        plan=plan,
        version=None,
        matrix=plan.priority_matrix,
        names={**DEFAULT_PRIORITY_NAMES, **plan.priority_names},
        targets=targets,
    )


def _term(row: SlaTarget, source: str) -> TargetTerm:
    return TargetTerm(
        priority=row.priority,
        metric=row.metric,
        target_seconds=row.target_minutes * 60,
        calendar_id=row.calendar_id,
        measure_in_site_timezone=row.measure_in_site_timezone,
        source=source,
        category=row.category,
    )
