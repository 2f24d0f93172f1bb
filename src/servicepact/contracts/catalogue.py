"""The standard catalogue: three service plans with realistic targets, and their calendars.

Idempotent: ``ensure_catalogue()`` creates what is missing and returns what exists.
Targets are business minutes on each target's calendar (540 min = one 09:00-18:00 day).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from servicepact.contracts.choices import Category, ClockStage, Metric, PauseStatus
from servicepact.contracts.models import Calendar, ServicePlan, SlaMetric
from servicepact.contracts.services import create_calendar, create_plan

# The built-in metrics' codes (rows of SlaMetric), named for the target tables below.
FR: str = Metric.FIRST_RESPONSE
ONSITE: str = Metric.ON_SITE
RESTORE: str = Metric.RESTORE
RES: str = Metric.RESOLUTION
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
    targets: dict[tuple[int, str], int],
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


# ---------------------------------------------------------------- the vendor letter

# The metrics of one vendor's after-sales commitment letter ("respond within 30 minutes; send
# an engineer within 2 hours; give a solution within 24 hours; repair hardware within 24
# hours of the fault being confirmed; resolve operating-system problems within 48 hours of
# confirmation; engineer on site within 24 hours of the report") that the four built-in
# metrics do not already measure. Data: ``ensure_letter_metrics`` creates the missing rows.
LETTER_METRICS: tuple[dict[str, object], ...] = (
    {
        "code": "dispatch",
        "name": "Engineer dispatched",
        "name_zh": "派遣工程师",
        "description": "From the report until an engineer is dispatched.",
        "start_event": ClockStage.OPENED,
        "stop_events": [ClockStage.DISPATCHED],
        "end_events": [ClockStage.RESOLVED, ClockStage.CLOSED],
        "position": 50,
    },
    {
        "code": "solution",
        "name": "Solution given",
        "name_zh": "提供解决方案",
        "description": "From the report until a solution is proposed (or the ticket resolved).",
        "start_event": ClockStage.OPENED,
        "stop_events": [ClockStage.SOLUTION_PROPOSED, ClockStage.RESOLVED],
        "pause_statuses": [PauseStatus.WAITING],
        "position": 60,
    },
    {
        "code": "confirmed_fix",
        "name": "Repair after fault confirmation",
        "name_zh": "问题确认后修复",
        "description": (
            "From the fault's confirmation until the service is restored or the ticket "
            "resolved (hardware repair, operating-system problems)."
        ),
        "start_event": ClockStage.FAULT_CONFIRMED,
        "stop_events": [ClockStage.RESTORED, ClockStage.RESOLVED],
        "pause_statuses": [PauseStatus.WAITING],
        "categories": [Category.HARDWARE, Category.OPERATING_SYSTEM],
        "position": 70,
    },
    {
        "code": "senior_engineer",
        "name": "Time to reach a senior engineer",
        "name_zh": "升级至二线支持用时",
        "description": "From the report until the ticket is escalated to 2nd level support.",
        "start_event": ClockStage.OPENED,
        "stop_events": [ClockStage.ESCALATED_L2],
        "end_events": [ClockStage.RESOLVED, ClockStage.CLOSED],
        "position": 80,
    },
)

# (priority, metric, category or "" for any) -> minutes, on the 24x7 calendar.
LETTER_TARGETS: dict[tuple[int, str, str], int] = {
    **{(p, FR, ""): 30 for p in (1, 2, 3, 4)},
    **{(p, "dispatch", ""): 120 for p in (1, 2, 3, 4)},
    **{(p, "solution", ""): 1440 for p in (1, 2, 3, 4)},
    **{(p, "confirmed_fix", Category.HARDWARE): 1440 for p in (1, 2, 3, 4)},
    **{(p, "confirmed_fix", Category.OPERATING_SYSTEM): 2880 for p in (1, 2, 3, 4)},
    **{(p, ONSITE, ""): 1440 for p in (1, 2, 3, 4)},
}


def ensure_letter_metrics() -> list[SlaMetric]:
    """The vendor letter's metrics (``LETTER_METRICS``), created when missing."""
    found = []
    for row in LETTER_METRICS:
        values = {k: v for k, v in row.items() if k != "code"}
        metric, _created = SlaMetric.objects.get_or_create(code=str(row["code"]), defaults=values)
        found.append(metric)
    return found


@transaction.atomic
def ensure_letter_plan(calendar: Calendar | None = None) -> ServicePlan:
    """The vendor letter as a service plan ("vendor-letter"), with its metrics; idempotent."""
    found = ServicePlan.objects.filter(code="vendor-letter").first()
    if found:
        return found
    ensure_letter_metrics()
    calendar = calendar or _calendar("24x7", "UTC", "24x7", "Always open.")
    rows = [
        {"priority": p, "metric": m, "category": c, "target_minutes": minutes}
        for (p, m, c), minutes in LETTER_TARGETS.items()
    ]
    return create_plan(
        name="Vendor letter 7x24",
        code="vendor-letter",
        calendar=calendar,
        targets=rows,
        description=(
            "Respond in 30 min; engineer dispatched in 2 h; solution in 24 h; hardware "
            "repaired 24 h and OS problems resolved 48 h after the fault is confirmed; "
            "engineer on site within 24 h of the report."
        ),
    )
