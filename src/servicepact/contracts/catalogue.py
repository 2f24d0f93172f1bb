"""The standard catalogue: three service plans with realistic targets, and their calendars.

Idempotent: ``ensure_catalogue()`` creates what is missing and returns what exists.
Targets are business minutes on each target's calendar (540 min = one 09:00-18:00 day).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from servicepact.contracts.choices import Metric
from servicepact.contracts.models import Calendar, ServicePlan
from servicepact.contracts.services import create_calendar, create_plan

FR, ONSITE, RESTORE, RES = Metric.FIRST_RESPONSE, Metric.ON_SITE, Metric.RESTORE, Metric.RESOLUTION
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")

# (priority, metric) -> business minutes
STANDARD_NBD = {
    (1, FR): 60,
    (1, ONSITE): 540,
    (1, RESTORE): 540,
    (1, RES): 1080,
    (2, FR): 120,
    (2, ONSITE): 540,
    (2, RESTORE): 1080,
    (2, RES): 1620,
    (3, FR): 240,
    (3, ONSITE): 1080,
    (3, RES): 2700,
    (4, FR): 480,
    (4, RES): 5400,
}
GOLD_24X7 = {
    (1, FR): 15,
    (1, ONSITE): 240,
    (1, RESTORE): 240,
    (1, RES): 480,
    (2, FR): 30,
    (2, ONSITE): 240,
    (2, RESTORE): 480,
    (2, RES): 1440,
    (3, FR): 60,
    (3, ONSITE): 1440,
    (3, RES): 2880,
    (4, FR): 240,
    (4, RES): 7200,
}
SOFTWARE_L2 = {
    (1, FR): 30,
    (1, RES): 960,
    (2, FR): 60,
    (2, RES): 1920,
    (3, FR): 240,
    (3, RES): 4320,
    (4, FR): 480,
    (4, RES): 10800,
}


@dataclass(frozen=True)
class Catalogue:
    always: Calendar
    business: Calendar
    standard_nbd: ServicePlan
    gold: ServicePlan
    software_l2: ServicePlan


def _calendar(name: str, timezone: str, weekly: object, description: str) -> Calendar:
    found = Calendar.objects.filter(name=name).first()
    return found or create_calendar(
        name=name, timezone=timezone, weekly=weekly, description=description
    )


def _plan(
    code: str,
    name: str,
    calendar: Calendar,
    targets: dict[tuple[int, Metric], int],
    description: str,
    in_site_zone: bool,
) -> ServicePlan:
    found = ServicePlan.objects.filter(code=code).first()
    if found:
        return found
    rows = [
        {
            "priority": p,
            "metric": m,
            "target_minutes": minutes,
            "measure_in_site_timezone": in_site_zone,
        }
        for (p, m), minutes in targets.items()
    ]
    return create_plan(
        name=name, code=code, calendar=calendar, targets=rows, description=description
    )


@transaction.atomic
def ensure_catalogue() -> Catalogue:
    always = _calendar("24x7", "UTC", "24x7", "Always open.")
    business = _calendar(
        "Business hours Mon-Fri 09:00-18:00",
        "UTC",
        {d: [["09:00", "18:00"]] for d in WEEKDAYS},
        "Weekdays 09:00-18:00, applied in each customer site's local time; no holidays "
        "(contracts attach a country calendar with holidays).",
    )
    return Catalogue(
        always=always,
        business=business,
        standard_nbd=_plan(
            "standard-nbd",
            "Standard NBD",
            business,
            STANDARD_NBD,
            "Hardware support in business hours; engineer on site the next business day.",
            True,
        ),
        gold=_plan(
            "gold-7x24x4",
            "Gold 7x24x4",
            always,
            GOLD_24X7,
            "Around-the-clock support; engineer on site within 4 hours for P1 and P2.",
            False,
        ),
        software_l2=_plan(
            "software-l2",
            "Software maintenance L2",
            business,
            SOFTWARE_L2,
            "2nd-level software maintenance in business hours: response and resolution.",
            True,
        ),
    )
