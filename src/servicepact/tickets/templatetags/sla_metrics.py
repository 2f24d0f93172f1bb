"""Template filters that name a metric definition's stages and pausing statuses in the
reader's language (``contracts.metrics``)."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.translation import gettext

from servicepact.contracts.metrics import pause_label, stage_label

register = template.Library()


@register.filter
def clock_stage(stage: str) -> str:
    return stage_label(stage)


@register.filter
def clock_stages(stages: Iterable[str]) -> str:
    """Several stages, any of which stops a clock: "Resolved or Service restored"."""
    return gettext(" or ").join(stage_label(s) for s in sorted(stages))


@register.filter
def pause_statuses(statuses: Iterable[str]) -> str:
    return ", ".join(pause_label(s) for s in sorted(statuses))
