"""Template filters and tags shared by the desk and the portal: durations, instants shown in a
given time zone, live countdowns and progress-bar widths.

Instants are stored in UTC; a page shows each one in the zone that matters to its reader (the
customer's site, the agent's profile), so these filters always take the zone explicitly instead
of relying on the request's current time zone.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import template
from django.forms import BoundField
from django.template.defaultfilters import date as date_filter
from django.utils.html import format_html
from django.utils.translation import gettext as _

from servicepact.core.money import format_amount, format_money
from servicepact.core.time import (
    duration_units,
    format_duration,
    format_instant,
    local_format,
    now,
    zone,
    zone_label,
)

register = template.Library()

# Local date and time only: ``core.time.format_instant`` appends the zone's IANA name and
# UTC offset. Never the "T"/"e" format characters: abbreviations like "CST" are ambiguous.
DATETIME_FORMAT = "D j M Y, H:i"
MEDIUM_DATETIME_FORMAT = "D j M, H:i"
SHORT_DATETIME_FORMAT = "j M, H:i"
ISO_DATETIME_FORMAT = "Y-m-d H:i"


def _in_zone(value: datetime, tz: str | None) -> datetime:
    return value.astimezone(zone(tz or "UTC"))


def _stamp(value: datetime | None, tz: str | None, fmt: str) -> str:
    return format_instant(value, tz or "UTC", fmt) if value else ""


@register.filter
def duration(seconds: int | float | str | None) -> str:
    """Business or wall-clock seconds as "1d 2h 05m" / "3h 20m" / "45m" / "30s"."""
    if seconds is None or seconds == "":
        return ""
    return format_duration(int(seconds), localized=True)


@register.filter
def minutes(value: int | str | None) -> str:
    """Minutes as a compact duration (targets are stored in minutes)."""
    if value is None or value == "":
        return ""
    return format_duration(int(value) * 60, localized=True)


@register.filter
def in_zone(value: datetime | None, tz: str | None = "UTC") -> str:
    """``{{ instant|in_zone:"Asia/Shanghai" }}`` ->
    "Tue 25 Nov 2025, 14:30 Asia/Shanghai (UTC+08:00)"."""
    return _stamp(value, tz, DATETIME_FORMAT)


@register.filter
def in_zone_medium(value: datetime | None, tz: str | None = "UTC") -> str:
    """Weekday, day and time without the year (deadlines):
    "Tue 25 Nov, 14:30 Asia/Shanghai (UTC+08:00)"."""
    return _stamp(value, tz, MEDIUM_DATETIME_FORMAT)


@register.filter
def in_zone_short(value: datetime | None, tz: str | None = "UTC") -> str:
    """The compact form for tables: "25 Nov, 14:30 Asia/Shanghai (UTC+08:00)"."""
    return _stamp(value, tz, SHORT_DATETIME_FORMAT)


@register.filter
def in_zone_iso(value: datetime | None, tz: str | None = "UTC") -> str:
    """Sortable, for audits and dashboards: "2025-10-01 09:00 Asia/Shanghai (UTC+08:00)"."""
    return _stamp(value, tz, ISO_DATETIME_FORMAT)


@register.filter
def zone_name(tz: str | None, at: datetime | None = None) -> str:
    """A zone as pages name it, at an instant (default now): "Asia/Shanghai (UTC+08:00)"."""
    return zone_label(at or now(), tz or "UTC")


@register.filter
def date_in_zone(value: datetime | None, tz: str | None = "UTC") -> date | None:
    """The local date of an instant in a zone (for "opened on" style cells)."""
    if not value:
        return None
    return _in_zone(value, tz).date()


@register.filter
def isoformat(value: datetime | None) -> str:
    return value.isoformat() if value else ""


@register.filter
def bar_percent(fraction: float | None) -> int:
    """A progress bar width in percent, clamped to 0..100."""
    if fraction is None:
        return 0
    return max(0, min(100, round(float(fraction) * 100)))


@register.filter
def whole_percent(value: float | None) -> int:
    """A percentage (0..100) rounded half up to a whole number and clamped, for the
    ``w-pct-N``/``l-pct-N`` classes that size bars (a CSP forbids inline style attributes)."""
    if value is None:
        return 0
    return max(0, min(100, math.floor(float(value) + 0.5)))


@register.filter
def percent(fraction: float | None) -> str:
    """A fraction as a whole percentage ("83 %"); over 100 % stays visible (breached clocks)."""
    if fraction is None:
        return ""
    return f"{round(float(fraction) * 100)} %"


def countdown_duration(seconds: int) -> str:
    """Like ``format_duration`` but with seconds below a day, so a countdown visibly ticks.

    app.js (``formatCountdown``) formats exactly the same way, with the units the tag gives it
    (``data-units``: the active language's, ``core.time.duration_units``).
    """
    d, h, m, s = duration_units()
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    mins, secs = divmod(rest, 60)
    if days:
        return f"{days}{d} {hours}{h} {mins:02d}{m}"
    if hours:
        return f"{hours}{h} {mins:02d}{m} {secs:02d}{s}"
    if mins:
        return f"{mins}{m} {secs:02d}{s}"
    return f"{secs}{s}"


def countdown_text(deadline: datetime, moment: datetime) -> str:
    """What the server renders before the script takes over (and what stays without JS)."""
    seconds = int((deadline - moment).total_seconds())
    if seconds >= 0:
        return _("%(duration)s left") % {"duration": countdown_duration(seconds)}
    return _("%(duration)s overdue") % {"duration": countdown_duration(-seconds)}


@register.simple_tag
def countdown(deadline: datetime | None, empty: str = "") -> str:
    """A live countdown to ``deadline``: app.js updates every ``[data-deadline]`` each second."""
    if not deadline:
        return format_html('<span class="countdown countdown-none">{}</span>', empty)
    moment = now()
    state = "past" if deadline <= moment else "future"
    return format_html(
        '<time class="countdown countdown-{}" datetime="{}" data-deadline="{}" '
        'data-future="{}" data-past="{}" data-units="{}">{}</time>',
        state,
        deadline.isoformat(),
        deadline.isoformat(),
        _("%(duration)s left") % {"duration": "%s"},
        _("%(duration)s overdue") % {"duration": "%s"},
        " ".join(duration_units()),
        countdown_text(deadline, moment),
    )


@register.filter
def parse_iso(value: str | None) -> datetime | None:
    """An ISO-8601 string stored in event data (e.g. a moved deadline) back to an instant."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


@register.filter
def get_item(mapping: dict[Any, Any] | None, key: Any) -> Any:
    """``{{ labels|get_item:event.data.metric }}``; the key itself when it is missing."""
    if not mapping:
        return key
    return mapping.get(key, key)


@register.filter
def accessible_widget(field: BoundField) -> str:
    """Renders a form field's widget linked to its help text and errors for assistive tech."""
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_helptext")
    if field.errors:
        described.append(f"{field.auto_id}_error")
    attrs: dict[str, str | bool] = {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def amount(value: Decimal | None, currency: str) -> str:
    """``{{ credit.computed_amount|amount:credit.currency }}``: in the currency's minor unit
    (core.money: ``135`` JPY, ``135.00`` USD)."""
    return "" if value is None else format_amount(value, currency)


@register.filter(expects_localtime=True, is_safe=False)
def ldate(value: date | datetime | None, fmt: str = "j M Y") -> str:
    """Django's ``date`` filter in the active language's order (``core.time.local_format``):
    ``{{ day|ldate:"j M Y" }}`` -> "1 Oct 2025", under zh-hans "2025年10月1日"."""
    return date_filter(value, local_format(fmt))


@register.filter
def money(value: Decimal | None, currency: str) -> str:
    """``{{ credit.amount_due|money:credit.currency }}`` -> "1,234.50 USD" (core.money.format_money:
    grouped by the active language, with the ISO code)."""
    return "" if value is None else format_money(value, currency)
