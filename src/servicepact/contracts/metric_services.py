"""Creating and changing SLA metric definitions (``SlaMetric``); every write is checked
against the fixed vocabularies, and an error names the field (nothing half-stored)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from servicepact.contracts.choices import Category, ClockStage, PauseStatus, TicketKind
from servicepact.contracts.models import SlaMetric
from servicepact.core.errors import DomainValidationError

EDITABLE = (
    "name",
    "name_zh",
    "description",
    "start_event",
    "stop_events",
    "end_events",
    "pause_statuses",
    "restart_on_reopen",
    "categories",
    "kinds",
    "position",
)
_LISTS: dict[str, list[str]] = {
    "stop_events": list(ClockStage.values),
    "end_events": list(ClockStage.values),
    "pause_statuses": list(PauseStatus.values),
    "categories": list(Category.values),
    "kinds": list(TicketKind.values),
}


def _one_of(choices: list[str]) -> str:
    return _("must be one of %(choices)s") % {"choices": ", ".join(choices)}


def _check(values: Mapping[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name in ("name", "name_zh"):
        if name in values:
            text = str(values[name] or "").strip()
            if name == "name" and not text:
                errors[name] = [_("required")]
            elif len(text) > 100:
                errors[name] = [_("at most %(limit)d characters") % {"limit": 100}]
            clean[name] = text
    if "description" in values:
        clean["description"] = str(values["description"] or "")
    if "start_event" in values:
        if values["start_event"] not in ClockStage.values:
            errors["start_event"] = [_one_of(list(ClockStage.values))]
        clean["start_event"] = values["start_event"]
    for name, choices in _LISTS.items():
        if name not in values:
            continue
        items = values[name]
        if not isinstance(items, list | tuple):
            errors[name] = [_("must be a list")]
            continue
        bad = [i for i, v in enumerate(items) if v not in choices]
        for i in bad:
            errors[f"{name}[{i}]"] = [_one_of(choices)]
        clean[name] = sorted({str(v) for v in items})
    if "restart_on_reopen" in values:
        clean["restart_on_reopen"] = bool(values["restart_on_reopen"])
    if "position" in values:
        position = values["position"]
        if not isinstance(position, int) or not 0 <= position <= 32767:
            errors["position"] = [_("must be a whole number from 0 to 32767")]
        clean["position"] = position
    return clean


def _consistent(metric: SlaMetric, errors: dict[str, list[str]]) -> None:
    if not metric.stop_events:
        errors.setdefault("stop_events", [_("name at least one stage that stops the clock")])
    elif metric.start_event in metric.stop_events:
        errors.setdefault("stop_events", [_("a clock cannot stop at the stage it starts at")])


@transaction.atomic
def create_metric(*, code: str, **values: Any) -> SlaMetric:
    """A new metric definition (``code``: a stable slug, at most 20 characters)."""
    errors: dict[str, list[str]] = {}
    if not code or slugify(code) != code or len(code) > 20:
        errors["code"] = [_("a slug of at most 20 characters (a-z, 0-9, - and _)")]
    elif SlaMetric.objects.filter(code=code).exists():
        errors["code"] = [_("a metric with code %(code)r exists") % {"code": code}]
    unknown = sorted(set(values) - set(EDITABLE))
    for name in unknown:
        errors[name] = [_("unknown field")]
    values.setdefault("name", "")
    clean = _check(values, errors)
    metric = SlaMetric(code=code, **clean)
    _consistent(metric, errors)
    if errors:
        raise DomainValidationError(errors)
    metric.save()
    return metric


@transaction.atomic
def update_metric(*, metric: SlaMetric, **values: Any) -> SlaMetric:
    """Changes a definition (the code never changes). Open tickets are measured by the new
    definition from their next refresh (``tickets.services.remeasure_metric``)."""
    errors: dict[str, list[str]] = {}
    for name in sorted(set(values) - set(EDITABLE)):
        errors[name] = [_("unknown field")]
    metric = SlaMetric.objects.select_for_update().get(pk=metric.pk)
    clean = _check(values, errors)
    for name, value in clean.items():
        setattr(metric, name, value)
    _consistent(metric, errors)
    if errors:
        raise DomainValidationError(errors)
    metric.save()
    return metric
