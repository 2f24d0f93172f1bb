"""Occurrences of a plan's RRULE at a local time of day in the customer's zone.

The rule runs on naive *local* date-times (``dtstart`` = ``starts_on`` at ``time_of_day``),
so "09:00" stays 09:00 on the wall clock on both sides of a DST change; each occurrence is
then placed in the zone (``fold=0``: an ambiguous time takes its first instant; a time in a
spring-forward gap is read with the offset before the gap, i.e. moved forward by the gap)
and converted to UTC for storage.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from dateutil.rrule import rrule, rrulestr
from django.utils.translation import gettext as _

from servicepact.core.errors import DomainValidationError
from servicepact.core.time import require_aware, zone

# Parts a plan may not use: the start is ``starts_on``, the time of day is the plan's own,
# and at most one visit a day (the visit's key is its local date).
_DAY = timedelta(days=1)
SUB_DAILY = re.compile(r"FREQ=(HOURLY|MINUTELY|SECONDLY)\b")
FORBIDDEN_PARTS = ("DTSTART", "BYHOUR", "BYMINUTE", "BYSECOND", "RDATE", "EXDATE", "EXRULE")


@dataclass(frozen=True)
class Occurrence:
    on: date  # the local date: with the plan, the visit's key
    at: datetime  # the instant (UTC)


def parse_rule(text: str, *, starts_on: date, at: time, field: str = "rrule") -> rrule:
    """The rule, or a 422 on ``field`` with the parser's reason."""
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:") :]
    if not body:
        raise DomainValidationError({field: [_("must not be empty")]})
    if "\n" in body or "\r" in body:
        raise DomainValidationError({field: [_("must be a single RRULE line")]})
    upper = body.upper()
    for part in FORBIDDEN_PARTS:
        if part in upper:
            raise DomainValidationError(
                {
                    field: [
                        _("%(part)s is not allowed: the plan gives the start and the time of day")
                        % {"part": part}
                    ]
                }
            )
    if "FREQ=" not in upper:
        raise DomainValidationError({field: [_("not a valid RRULE: FREQ is required")]})
    try:
        rule = rrulestr(body, dtstart=datetime.combine(starts_on, at))
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise DomainValidationError(
            {
                field: [
                    _("not a valid RRULE: %(reason)s") % {"reason": str(exc) or type(exc).__name__}
                ]
            }
        ) from exc
    if not isinstance(rule, rrule):  # an rruleset: only from the parts refused above
        raise DomainValidationError({field: [_("must be a single RRULE")]})
    if SUB_DAILY.search(upper):
        raise DomainValidationError(
            {field: [_("at most one visit a day: FREQ must be DAILY or longer")]}
        )
    return rule


def occurrences(
    *, rule_text: str, starts_on: date, at: time, tz: str, after: datetime, until: datetime
) -> Iterator[Occurrence]:
    """The occurrences with an instant in ``[after, until]``."""
    require_aware(after, "after")
    require_aware(until, "until")
    zone_info = zone(tz)
    rule = parse_rule(rule_text, starts_on=starts_on, at=at)
    # Widen the local window by a day each side (offsets), then filter on the real instants.
    local_after = after.astimezone(zone_info).replace(tzinfo=None)
    local_until = until.astimezone(zone_info).replace(tzinfo=None)
    for local in rule.between(local_after - _DAY, local_until + _DAY, inc=True):
        instant = local.replace(tzinfo=zone_info, fold=0).astimezone(UTC)
        if after <= instant <= until:
            yield Occurrence(on=local.date(), at=instant)
