"""Display helpers for statement snapshots (ISO instants and seconds)."""

from __future__ import annotations

from datetime import datetime

from django import template

from servicepact.contracts.terms import priority_label as label_of_priority
from servicepact.core.time import format_duration, format_instant

register = template.Library()


@register.filter
def local(value: str | None, tz: str) -> str:
    """'2025-06-02T18:00:00+00:00' in 'America/New_York' ->
    '2025-06-02 14:00 America/New_York (UTC-04:00)'."""
    if not value:
        return "–"
    return format_instant(datetime.fromisoformat(value), tz)


@register.filter
def duration(seconds: int | None) -> str:
    return "–" if seconds is None else format_duration(int(seconds), localized=True)


@register.filter
def pct(value: str | None) -> str:
    return "–" if value is None else f"{value} %"


@register.filter
def minutes(seconds: int | None) -> str:
    return "–" if seconds is None else f"{int(seconds) // 60} min"


@register.simple_tag
def priority_label(priority: int, name: str | None) -> str:
    """ "P1 Critical" (contracts.terms.priority_label: a name "P1 …" is not prefixed again)."""
    return label_of_priority(int(priority), name)
