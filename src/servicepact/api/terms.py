"""Schemas and renderers shared by plans and contracts: SLA targets and KPI commitments."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from django.db.models import QuerySet
from ninja import Schema

from servicepact.api.common import Ref, reference
from servicepact.contracts.models import Calendar, KpiCommitment, SlaTarget
from servicepact.contracts.terms import METRIC_ORDER
from servicepact.core.api_schema import ApiIn, BodyId, model_decimal, model_int, model_text

Metric = Annotated[str, model_text(SlaTarget, "metric")]
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


class TargetOut(Schema):
    priority: int
    metric: str
    target_minutes: int
    target_seconds: int
    calendar: Ref
    measure_in_site_timezone: bool


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


_METRIC_RANK = {str(m): i for i, m in enumerate(METRIC_ORDER)}


def target_order(key: tuple[int, str]) -> tuple[int, int]:
    """(priority, metric) in reading order: P1 first, then first response .. resolution."""
    return key[0], _METRIC_RANK.get(key[1], len(_METRIC_RANK))


def sorted_targets(rows: list[SlaTarget]) -> list[SlaTarget]:
    return sorted(rows, key=lambda t: target_order((t.priority, t.metric)))


def render_target(t: SlaTarget) -> dict[str, Any]:
    return {
        "priority": t.priority,
        "metric": t.metric,
        "target_minutes": t.target_minutes,
        "target_seconds": t.target_minutes * 60,
        "calendar": t.calendar,
        "measure_in_site_timezone": t.measure_in_site_timezone,
    }


def kpi_rows(kpis: list[KpiCommitment]) -> list[KpiCommitment]:
    return sorted(kpis, key=lambda k: (k.kind, k.severity))
