"""Coverage calendars in the engine's JSON format (docs/sla-clock.md).

``POST /calendars`` takes the engine's calendar JSON plus a name; holidays may be plain ISO
dates (as in the engine format) or ``{"date": ..., "name": ...}``. The whole document is
checked by the engine first, so an error names the exact JSON path (``weekly.mon[1]``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from servicepact.api.common import ListOut, PageQuery, get_or_404, page, require_staff
from servicepact.contracts import services
from servicepact.contracts.calendars import calendar_json
from servicepact.contracts.models import Calendar, CalendarOverride
from servicepact.contracts.selectors import calendars_for
from servicepact.core.api_schema import (
    ApiIn,
    Id,
    idempotent,
    model_text,
    reads,
    writes,
)
from servicepact.core.errors import DomainValidationError
from servicepact.slaclock import CalendarError, parse_calendar

router = Router(tags=["calendars"])


Name = Annotated[str, model_text(Calendar, "name")]
Description = Annotated[str, model_text(Calendar, "description")]
Timezone = Annotated[str, model_text(Calendar, "timezone")]
Note = Annotated[str, model_text(CalendarOverride, "note")]


class CalendarIn(ApiIn):
    name: Name
    description: Description = ""
    timezone: Timezone
    weekly: Any = Field(..., description='"24x7" or {"mon": [["09:00", "18:00"]], ...}')
    holidays: list[Any] = Field(default_factory=list, description='["2025-12-25", ...]')
    overrides: dict[str, Any] = Field(default_factory=dict)
    versions: list[Any] = Field(default_factory=list, description='[{"from": date, "weekly": ...}]')


class HoursIn(ApiIn):
    effective_from: date | None = None
    weekly: Any


class OverrideIn(ApiIn):
    windows: list[list[str]]
    note: Note = ""


class HolidaysIn(ApiIn):
    holidays: list[Any]


class HolidayOut(Schema):
    date: date
    name: str


class CalendarOut(Schema):
    id: int
    name: str
    description: str
    timezone: str
    revision: int
    weekly: Any
    holidays: list[HolidayOut]
    overrides: dict[str, Any]
    versions: list[Any]


class CalendarList(ListOut):
    items: list[CalendarOut]
    count: int


def render(calendar: Calendar) -> dict[str, Any]:
    data = calendar_json(calendar)
    return {
        "id": calendar.pk,
        "name": calendar.name,
        "description": calendar.description,
        "timezone": calendar.timezone,
        "revision": calendar.revision,
        "weekly": data["weekly"],
        "holidays": [{"date": h.date, "name": h.name} for h in calendar.holidays.all()],
        "overrides": data["overrides"],
        "versions": data.get("versions", []),
    }


def _holidays(items: list[Any], field: str = "holidays") -> list[tuple[date, str]]:
    """Plain ISO dates or {"date", "name"} objects -> (date, name), each checked."""
    out = []
    for i, item in enumerate(items):
        raw, name = (
            (item.get("date"), str(item.get("name", ""))) if isinstance(item, dict) else (item, "")
        )
        try:
            out.append((date.fromisoformat(str(raw)), name))
        except ValueError as exc:
            raise DomainValidationError(
                {f"{field}[{i}]": [_("not an ISO date: %(raw)r") % {"raw": raw}]}
            ) from exc
    return out


def _engine_check(data: dict[str, Any]) -> None:
    try:
        parse_calendar(data)
    except CalendarError as exc:
        raise DomainValidationError({exc.field or "__all__": [exc.detail]}) from exc


@router.get(
    "/calendars",
    response=reads(CalendarList, 422),
    operation_id="calendars_list",
    summary="List calendars",
)
def list_calendars(
    request: HttpRequest,
    paging: Query[PageQuery],
) -> dict[str, Any]:
    result = page(calendars_for(request.user).order_by("name", "id"), paging)
    result["items"] = [render(c) for c in result["items"]]
    return result


@router.post(
    "/calendars",
    response=writes(CalendarOut, status=201),
    operation_id="calendars_create",
    summary="Create a calendar",
)
@idempotent
def create_calendar(request: HttpRequest, payload: CalendarIn) -> Status[Any]:
    require_staff(request, "create calendars")
    holidays = _holidays(payload.holidays)
    _engine_check(
        {
            "timezone": payload.timezone,
            "weekly": payload.weekly,
            "holidays": [d.isoformat() for d, _ in holidays],
            "overrides": payload.overrides,
            "versions": payload.versions,
        }
    )
    with transaction.atomic():
        calendar = services.create_calendar(
            name=payload.name,
            timezone=payload.timezone,
            weekly=payload.weekly,
            holidays=holidays,
            overrides={date.fromisoformat(d): w for d, w in payload.overrides.items()},
            description=payload.description,
        )
        for version in payload.versions:
            services.set_calendar_hours(
                calendar=calendar,
                weekly=version["weekly"],
                effective_from=date.fromisoformat(version["from"]),
            )
    return Status(201, render(calendars_for(request.user).get(pk=calendar.pk)))


@router.get(
    "/calendars/{calendar_id}",
    response=reads(CalendarOut, 404, 422),
    operation_id="calendars_get",
    summary="Get a calendar",
)
def get_calendar(request: HttpRequest, calendar_id: Id) -> Any:
    return render(get_or_404(calendars_for(request.user), calendar_id))


@router.get(
    "/calendars/{calendar_id}/engine",
    response=reads(dict[str, Any], 404, 422),
    operation_id="calendars_engine_json",
    summary="Get a calendar in the engine's JSON format",
)
def get_calendar_engine_json(request: HttpRequest, calendar_id: Id) -> Any:
    """The calendar exactly as the engine reads it (``servicepact sla --calendar FILE``)."""
    return calendar_json(get_or_404(calendars_for(request.user), calendar_id))


@router.post(
    "/calendars/{calendar_id}/hours",
    response=writes(CalendarOut, 404),
    operation_id="calendars_set_hours",
    summary="Set a calendar's weekly hours from a date",
)
def set_hours(request: HttpRequest, calendar_id: Id, payload: HoursIn) -> Any:
    """Weekly windows in force from a local date on (no date: from the beginning)."""
    calendar = get_or_404(calendars_for(request.user), calendar_id)
    require_staff(request, "edit calendars")
    with transaction.atomic():
        services.set_calendar_hours(
            calendar=calendar, weekly=payload.weekly, effective_from=payload.effective_from
        )
    return render(calendars_for(request.user).get(pk=calendar.pk))


@router.put(
    "/calendars/{calendar_id}/overrides/{day}",
    response=writes(CalendarOut, 404),
    operation_id="calendars_set_override",
    summary="Replace one date's hours",
)
def set_override(
    request: HttpRequest, calendar_id: Id, day: Annotated[date, Path(...)], payload: OverrideIn
) -> Any:
    """Replaces one local date's windows (``[]`` closes the date)."""
    calendar = get_or_404(calendars_for(request.user), calendar_id)
    require_staff(request, "edit calendars")
    with transaction.atomic():
        services.set_calendar_override(
            calendar=calendar, day=day, windows=payload.windows, note=payload.note
        )
    return render(calendars_for(request.user).get(pk=calendar.pk))


@router.post(
    "/calendars/{calendar_id}/holidays",
    response=writes(CalendarOut, 404),
    operation_id="calendars_add_holidays",
    summary="Add holidays to a calendar",
)
def add_holidays(request: HttpRequest, calendar_id: Id, payload: HolidaysIn) -> Any:
    """Adds holidays (dates already present keep their name)."""
    calendar = get_or_404(calendars_for(request.user), calendar_id)
    require_staff(request, "edit calendars")
    holidays = _holidays(payload.holidays)
    with transaction.atomic():
        services.add_holidays(calendar=calendar, holidays=holidays)
    return render(calendars_for(request.user).get(pk=calendar.pk))
