"""Schemas and renderers shared by plans and contracts: SLA targets and KPI commitments."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from django.db.models import QuerySet
from ninja import Schema

from servicepact.api.common import Ref, reference
from servicepact.contracts.metrics import metric_codes
from servicepact.contracts.models import Calendar, KpiCommitment, SlaTarget
from servicepact.core.api_schema import ApiIn, BodyId, model_decimal, model_int, model_text

Metric = Annotated[str, model_text(SlaTarget, "metric")]
TargetCategory = Annotated[str, model_text(SlaTarget, "category")]
TargetPriority = Annotated[int, model_int(SlaTarget, "priority")]
TargetMinutes = Annotated[int, model_int(SlaTarget, "target_minutes")]
KpiKind = Annotated[str, model_text(KpiCommitment, "kind")]
Severity = Annotated[str, model_text(KpiCommitment, "severity")]
MeasurementCalendar = Annotated[str, model_text(KpiCommitment, "measurement_calendar")]
KpiNotes = Annotated[str, model_text(KpiCommitment, "notes")]
KpiTarget = Annotated[Decimal, model_decimal(KpiCommitment, "target")]
KpiCredit = Annotated[Decimal, model_decimal(KpiCommitment, "credit_percent")]


class TargetIn(ApiIn):
    priority: TargetPriority
    metric: Metric
    target_minutes: TargetMinutes
    calendar: BodyId | None = None
    measure_in_site_timezone: bool = False
    category: TargetCategory = ""  # a ticket category; "" = any (the category's own wins)


class TargetOut(Schema):
    """A target for any ticket category."""

    priority: int
    metric: str
    target_minutes: int
    target_seconds: int
    calendar: Ref
    measure_in_site_timezone: bool


class CategoryTargetOut(TargetOut):
    """A target for one ticket category: it wins over the "any" target of its (priority,
    metric) for tickets of that category."""

    category: str


class KpiIn(ApiIn):
    kind: KpiKind
    target: KpiTarget
    severity: Severity = ""
    measurement_calendar: MeasurementCalendar = "24x7"
    notes: KpiNotes = ""
    credit_percent: KpiCredit | None = None  # RPO / backup drill: credit when missed


class KpiOut(Schema):
    id: int
    kind: str
    target: Decimal
    unit: str
    severity: str
    measurement_calendar: str
    notes: str
    is_measured: bool  # False: nothing measures this commitment yet (neither met nor missed)
    credit_percent: Decimal | None = None


def target_rows(
    targets: list[TargetIn], calendars: QuerySet[Calendar], field: str
) -> list[dict[str, Any]]:
    """Target inputs for the services, with calendar ids resolved (422 names the row)."""
    rows = []
    for i, t in enumerate(targets):
        row = t.dict()
        row["calendar"] = reference(calendars, t.calendar, f"{field}[{i}].calendar")
        rows.append(row)
    return rows


def metric_rank(context: dict[str, Any] | None = None) -> dict[str, int]:
    """Metric code -> display position; read once per request (kept on the request, so a
    list of plans does not read it once per row)."""
    request = (context or {}).get("request")
    found = getattr(request, "_sp_metric_rank", None)
    if found is None:
        found = {code: i for i, code in enumerate(metric_codes())}
        if request is not None:
            request._sp_metric_rank = found
    return dict(found)


def target_order(
    rank: dict[str, int] | None = None,
) -> Callable[[tuple[int, str, str]], tuple[int, int, str]]:
    """A sort key of (priority, metric, category) in reading order: P1 first, then the
    metrics in their table order, "any" before a category."""
    rank = metric_rank() if rank is None else rank
    return lambda key: (key[0], rank.get(key[1], len(rank)), key[2])


def sorted_targets(rows: list[SlaTarget], rank: dict[str, int] | None = None) -> list[SlaTarget]:
    key = target_order(rank)
    return sorted(rows, key=lambda t: key((t.priority, t.metric, t.category)))


def render_target(t: SlaTarget) -> dict[str, Any]:
    return {
        "priority": t.priority,
        "metric": t.metric,
        "category": t.category,  # CategoryTargetOut shows it; TargetOut leaves it out
        "target_minutes": t.target_minutes,
        "target_seconds": t.target_minutes * 60,
        "calendar": t.calendar,
        "measure_in_site_timezone": t.measure_in_site_timezone,
    }


def kpi_rows(kpis: list[KpiCommitment]) -> list[KpiCommitment]:
    return sorted(kpis, key=lambda k: (k.kind, k.severity))
