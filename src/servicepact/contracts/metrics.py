"""SLA metric definitions (``SlaMetric`` rows) as plain values, and the few reads of them.

Every part that measures or reports clocks (``tickets.clocks``, refresh, the worker,
statements, credits, the audit export, the dashboards, the API) asks here which metrics
exist, in which order, what they are called and what starts, pauses and stops them: nothing
else keeps a list of metrics (docs/sla-clock.md, "Metric definitions"; ADR "SLA metrics are
data"). A read is one small query; callers that loop load once and pass the result down.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

from django.utils.translation import get_language

from servicepact.contracts.choices import ClockStage, PauseStatus
from servicepact.contracts.models import SlaMetric

if TYPE_CHECKING:
    from servicepact.contracts.terms import Terms


@dataclass(frozen=True)
class MetricDef:
    """One metric definition, detached from the ORM (pure functions take these)."""

    code: str
    name: str
    name_zh: str
    start: str
    stops: frozenset[str]
    ends: frozenset[str] = frozenset()
    pause_statuses: frozenset[str] = frozenset()
    restart_on_reopen: bool = False
    categories: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    position: int = 100
    description: str = ""

    @property
    def pausable(self) -> bool:
        """Whether waiting on the customer (the ``paused`` / ``resumed`` events) pauses it."""
        return PauseStatus.WAITING in self.pause_statuses

    def applies(self, category: str, kind: str = "") -> bool:
        """Whether a ticket of this category (and kind) is measured by this metric."""
        if self.categories and category not in self.categories:
            return False
        return not (self.kinds and kind and kind not in self.kinds)

    @property
    def label(self) -> str:
        if self.name_zh and (get_language() or "").lower().startswith("zh"):
            return self.name_zh
        return self.name


def definition(row: SlaMetric) -> MetricDef:
    return MetricDef(
        code=row.code,
        name=row.name,
        name_zh=row.name_zh,
        start=row.start_event,
        stops=frozenset(row.stop_events or ()),
        ends=frozenset(row.end_events or ()),
        pause_statuses=frozenset(row.pause_statuses or ()),
        restart_on_reopen=row.restart_on_reopen,
        categories=frozenset(row.categories or ()),
        kinds=frozenset(row.kinds or ()),
        position=row.position,
        description=row.description,
    )


def load_metrics() -> dict[str, MetricDef]:
    """Every metric definition by code, in display order (position, code). One query."""
    return {row.code: definition(row) for row in SlaMetric.objects.order_by("position", "code")}


def metric_codes() -> tuple[str, ...]:
    """The codes of every metric in display order (the index order of bulk clock arrays)."""
    return tuple(SlaMetric.objects.order_by("position", "code").values_list("code", flat=True))


def get_metric(code: str) -> MetricDef | None:
    row = SlaMetric.objects.filter(code=code).first()
    return definition(row) if row is not None else None


def label_of(code: str, metrics: Mapping[str, MetricDef] | None = None) -> str:
    """The metric's name in the active language; the code itself for an unknown one."""
    found = (metrics or {}).get(code) if metrics is not None else get_metric(code)
    return found.label if found is not None else code


def labels(metrics: Mapping[str, MetricDef] | None = None) -> dict[str, str]:
    """Code -> name in the active language, for every metric."""
    return {code: m.label for code, m in (metrics or load_metrics()).items()}


class MetricCodes(Sequence[str]):
    """The metric codes in display order, read from the table when used (never cached, so a
    new metric is seen at once). For callers that index arrays by metric position; code that
    reads many times should take ``metric_codes()`` once."""

    def _codes(self) -> tuple[str, ...]:
        return metric_codes()

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._codes()[index]

    def __len__(self) -> int:
        return len(self._codes())

    def __iter__(self) -> Iterator[str]:
        return iter(self._codes())

    def __contains__(self, value: object) -> bool:
        return value in self._codes()


def ordered(codes: Iterable[str], metrics: Mapping[str, MetricDef]) -> list[str]:
    """``codes`` in display order (unknown codes last, by code)."""
    rank = {code: i for i, code in enumerate(metrics)}
    return sorted(codes, key=lambda c: (rank.get(c, len(rank)), c))


def stage_label(stage: str) -> str:
    """A start/stop stage in the active language (the code itself if unknown)."""
    return str(ClockStage(stage).label) if stage in ClockStage.values else stage


def pause_label(status: str) -> str:
    return str(PauseStatus(status).label) if status in PauseStatus.values else status


def category_targets(terms: Terms) -> list[dict[str, Any]]:
    """The terms' targets for one ticket category (they win over "any" for that category),
    by priority, metric order and category, with their names (contract pages)."""
    from servicepact.contracts.choices import Category

    metrics = load_metrics()
    rank = {code: i for i, code in enumerate(metrics)}
    found = sorted(
        (t for t in terms.targets.values() if t.category),
        key=lambda t: (t.priority, rank.get(t.metric, len(rank)), t.category),
    )
    names = {str(c.value): str(c.label) for c in Category}
    return [
        {
            "term": t,
            "priority": t.priority,
            "metric_label": label_of(t.metric, metrics),
            "category_label": names.get(t.category, t.category),
        }
        for t in found
    ]
