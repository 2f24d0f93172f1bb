"""SLA metric definitions: ``GET /metrics`` (staff and contacts), staff create and change.

A metric says from which ticket stage to which its clock runs, which statuses pause it and
which tickets it applies to (docs/sla-clock.md, "Metric definitions"). Targets name it by
``code``; the code never changes.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Query, Router, Status

from servicepact.api.common import ListOut, PageQuery, get_or_404, page, require_staff
from servicepact.api.ticket_render import MetricOut
from servicepact.contracts import metric_services
from servicepact.contracts.metrics import definition, pause_label, stage_label
from servicepact.contracts.models import SlaMetric
from servicepact.core.api_schema import ApiIn, Id, idempotent, model_text, reads, writes
from servicepact.tickets.services import remeasure_metric

router = Router(tags=["metrics"])

Code = Annotated[str, model_text(SlaMetric, "code")]
Name = Annotated[str, model_text(SlaMetric, "name")]
NameZh = Annotated[str, model_text(SlaMetric, "name_zh")]
Description = Annotated[str, Field(max_length=2000)]
Stage = Annotated[str, model_text(SlaMetric, "start_event")]
Short = Annotated[str, Field(max_length=40)]
Position = Annotated[int, Field(ge=0, le=32767)]


class MetricIn(ApiIn):
    code: Code
    name: Name
    name_zh: NameZh = ""
    description: Description = ""
    start_event: Stage = "opened"
    stop_events: list[Short] = Field(..., max_length=20)
    end_events: list[Short] = Field(default_factory=list, max_length=20)
    pause_statuses: list[Short] = Field(default_factory=list, max_length=20)
    restart_on_reopen: bool = False
    categories: list[Short] = Field(default_factory=list, max_length=20)
    kinds: list[Short] = Field(default_factory=list, max_length=20)
    position: Position = 100


class MetricPatch(ApiIn):
    name: Name | None = None
    name_zh: NameZh | None = None
    description: Description | None = None
    start_event: Stage | None = None
    stop_events: list[Short] | None = Field(None, max_length=20)
    end_events: list[Short] | None = Field(None, max_length=20)
    pause_statuses: list[Short] | None = Field(None, max_length=20)
    restart_on_reopen: bool | None = None
    categories: list[Short] | None = Field(None, max_length=20)
    kinds: list[Short] | None = Field(None, max_length=20)
    position: Position | None = None


class MetricList(ListOut):
    items: list[MetricOut]
    count: int


def render(metric: SlaMetric) -> dict[str, Any]:
    found = definition(metric)
    stops = sorted(found.stops)
    pauses = sorted(found.pause_statuses)
    return {
        "id": metric.pk,
        "code": metric.code,
        "name": found.label,
        "name_en": metric.name,
        "name_zh": metric.name_zh,
        "description": metric.description,
        "start_event": found.start,
        "start_event_label": stage_label(found.start),
        "stop_events": stops,
        "stop_event_labels": [stage_label(s) for s in stops],
        "end_events": sorted(found.ends),
        "pause_statuses": pauses,
        "pause_status_labels": [pause_label(p) for p in pauses],
        "restart_on_reopen": found.restart_on_reopen,
        "categories": sorted(found.categories),
        "kinds": sorted(found.kinds),
        "position": found.position,
    }


@router.get(
    "/metrics",
    response=reads(MetricList, 422),
    operation_id="metrics_list",
    summary="List SLA metric definitions",
)
def list_metrics(request: HttpRequest, paging: Query[PageQuery]) -> dict[str, Any]:
    """Every metric, in display order (staff and customers' contacts alike: definitions are
    the catalogue's, not a customer's data)."""
    result = page(SlaMetric.objects.order_by("position", "code", "id"), paging)
    result["items"] = [render(m) for m in result["items"]]
    return result


@router.get(
    "/metrics/{metric_id}",
    response=reads(MetricOut, 404, 422),
    operation_id="metrics_get",
    summary="Get an SLA metric definition",
)
def get_metric(request: HttpRequest, metric_id: Id) -> Any:
    return render(get_or_404(SlaMetric.objects.all(), metric_id))


@router.post(
    "/metrics",
    response=writes(MetricOut, status=201),
    operation_id="metrics_create",
    summary="Define an SLA metric",
)
@idempotent
def create_metric(request: HttpRequest, payload: MetricIn) -> Status[Any]:
    require_staff(request, "define metrics")
    values = payload.dict()
    code = values.pop("code")
    with transaction.atomic():
        metric = metric_services.create_metric(code=code, **values)
    return Status(201, render(metric))


@router.patch(
    "/metrics/{metric_id}",
    response=writes(MetricOut, 404),
    operation_id="metrics_update",
    summary="Change an SLA metric definition",
)
def update_metric(request: HttpRequest, metric_id: Id, payload: MetricPatch) -> Any:
    """Changes what the metric measures; the open tickets it measures are re-measured."""
    metric = get_or_404(SlaMetric.objects.all(), metric_id)
    require_staff(request, "change metrics")
    values = payload.dict(exclude_unset=True)
    with transaction.atomic():
        metric = metric_services.update_metric(metric=metric, **values)
        remeasure_metric(metric.code)
    return render(metric)
