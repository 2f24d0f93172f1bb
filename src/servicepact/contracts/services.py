"""All writes to calendars, plans and contracts. Keyword-only, transactional, validated."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from servicepact.accounts.actors import Actor
from servicepact.contracts.choices import (
    PRIORITIES,
    RENEWED_NOTE,
    SEVERITY_KPI_KINDS,
    Category,
    ContractStatus,
    KpiKind,
    MeasurementCalendar,
    Renewal,
    Severity,
)
from servicepact.contracts.escalation import ContractEvent, ContractEventKind
from servicepact.contracts.metrics import metric_codes
from servicepact.contracts.models import (
    Calendar,
    CalendarHours,
    CalendarOverride,
    Contract,
    ContractVersion,
    Holiday,
    KpiCommitment,
    ServicePlan,
    SlaTarget,
)
from servicepact.contracts.renewal import Term, term_between
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.money import parse_amount, validate_currency
from servicepact.core.time import local_date, local_midnight, now, require_aware
from servicepact.customers.models import Customer
from servicepact.slaclock import CalendarError, holiday_dates, parse_calendar

# ---------------------------------------------------------------- calendars


def _validate_calendar_data(data: Mapping[str, Any], field_prefix: str = "") -> None:
    try:
        parse_calendar(data)
    except CalendarError as exc:
        raise DomainValidationError(
            {f"{field_prefix}{exc.field}" if exc.field else "calendar": [str(exc)]}
        ) from exc


def _bump(calendar: Calendar) -> None:
    Calendar.objects.filter(pk=calendar.pk).update(revision=F("revision") + 1)
    calendar.refresh_from_db(fields=["revision"])


@transaction.atomic
def create_calendar(
    *,
    name: str,
    timezone: str,
    weekly: Any,
    holidays: Iterable[tuple[date, str]] = (),
    overrides: Mapping[date, list[list[str]]] | None = None,
    description: str = "",
) -> Calendar:
    """Creates a calendar after the engine has accepted it (errors name the field)."""
    data = {
        "timezone": timezone,
        "weekly": weekly,
        "holidays": [d.isoformat() for d, _ in holidays],
        "overrides": {d.isoformat(): w for d, w in (overrides or {}).items()},
    }
    _validate_calendar_data(data)
    if Calendar.objects.filter(name=name).exists():
        raise DomainValidationError(
            {"name": [_("a calendar named %(name)r exists") % {"name": name}]}
        )
    calendar = Calendar.objects.create(name=name, timezone=timezone, description=description)
    CalendarHours.objects.create(calendar=calendar, effective_from=None, weekly=weekly)
    Holiday.objects.bulk_create([Holiday(calendar=calendar, date=d, name=n) for d, n in holidays])
    CalendarOverride.objects.bulk_create(
        [
            CalendarOverride(calendar=calendar, date=d, windows=w)
            for d, w in (overrides or {}).items()
        ]
    )
    return calendar


@transaction.atomic
def set_calendar_hours(
    *, calendar: Calendar, weekly: Any, effective_from: date | None
) -> CalendarHours:
    """Sets the weekly windows from a local date on (a new calendar version)."""
    _validate_calendar_data({"timezone": calendar.timezone, "weekly": weekly})
    row, _created = CalendarHours.objects.update_or_create(
        calendar=calendar, effective_from=effective_from, defaults={"weekly": weekly}
    )
    _bump(calendar)
    return row


@transaction.atomic
def set_calendar_override(
    *, calendar: Calendar, day: date, windows: list[list[str]], note: str = ""
) -> None:
    _validate_calendar_data(
        {"timezone": calendar.timezone, "weekly": {}, "overrides": {day.isoformat(): windows}}
    )
    CalendarOverride.objects.update_or_create(
        calendar=calendar, date=day, defaults={"windows": windows, "note": note}
    )
    _bump(calendar)


@transaction.atomic
def add_holidays(*, calendar: Calendar, holidays: Iterable[tuple[date, str]]) -> int:
    """Adds holiday rows (existing dates keep their name); returns how many were new."""
    existing = set(calendar.holidays.values_list("date", flat=True))
    rows = [Holiday(calendar=calendar, date=d, name=n) for d, n in holidays if d not in existing]
    Holiday.objects.bulk_create(rows)
    if rows:
        _bump(calendar)
    return len(rows)


# The holidays package names a shifted day off "Day off (substituted from 01/26/2025)": the
# date it was substituted from is a weekend day worked instead (China's make-up working days).
_SUBSTITUTED = re.compile(r"substituted from (\d{2})/(\d{2})/(\d{4})")


def makeup_workdays(found: Iterable[tuple[date, str]]) -> list[date]:
    days = set()
    for _day, name in found:
        match = _SUBSTITUTED.search(name)
        if match:
            month, day, year = (int(g) for g in match.groups())
            days.add(date(year, month, day))
    return sorted(days)


@transaction.atomic
def import_holidays(
    *,
    calendar: Calendar,
    country: str,
    years: Iterable[int],
    subdiv: str | None = None,
    makeup_windows: list[list[str]] | None = None,
) -> int:
    """Imports a country's public holidays as data (the engine never consults the package).

    With ``makeup_windows``, weekend days that the holidays package lists as worked in exchange
    for a day off become overrides with those windows. Returns the number of new holidays.
    """
    try:
        found = holiday_dates(country, list(years), subdiv=subdiv)
    except (ValueError, NotImplementedError, KeyError) as exc:
        raise DomainValidationError({"country": [str(exc)]}) from exc
    added = add_holidays(calendar=calendar, holidays=found)
    if makeup_windows is not None:
        for day in makeup_workdays(found):
            if not calendar.overrides.filter(date=day).exists():
                set_calendar_override(
                    calendar=calendar, day=day, windows=makeup_windows, note="make-up working day"
                )
    return added


# ---------------------------------------------------------------- plans and targets


def _validate_target(priority: int, metric: str, target_minutes: int, category: str = "") -> None:
    errors: dict[str, list[str]] = {}
    if priority not in PRIORITIES:
        errors["priority"] = [_("must be 1, 2, 3 or 4")]
    codes = metric_codes()
    if metric not in codes:
        errors["metric"] = [_("must be one of %(choices)s") % {"choices": ", ".join(codes)}]
    if category and category not in Category.values:
        errors["category"] = [
            _("must be empty (any) or one of %(choices)s") % {"choices": ", ".join(Category.values)}
        ]
    if target_minutes < 0:
        errors["target_minutes"] = [_("must not be negative")]
    if errors:
        raise DomainValidationError(errors)


def validate_priority_matrix(matrix: Any, field: str = "priority_matrix") -> None:
    ok = (
        isinstance(matrix, list)
        and len(matrix) == 4
        and all(
            isinstance(r, list) and len(r) == 4 and all(v in PRIORITIES for v in r) for r in matrix
        )
    )
    if not ok:
        raise DomainValidationError(
            {field: [_("must be 4 rows (impact 1-4) of 4 priorities 1-4 (urgency 1-4)")]}
        )


@transaction.atomic
def create_plan(
    *,
    name: str,
    code: str,
    calendar: Calendar,
    targets: Iterable[Mapping[str, Any]] = (),
    description: str = "",
    priority_matrix: list[list[int]] | None = None,
    priority_names: Mapping[str, str] | None = None,
) -> ServicePlan:
    """``targets``: dicts with priority, metric, target_minutes and optional calendar / measure_in_site_timezone."""
    kwargs: dict[str, Any] = {}
    if priority_matrix is not None:
        validate_priority_matrix(priority_matrix)
        kwargs["priority_matrix"] = priority_matrix
    if priority_names is not None:
        kwargs["priority_names"] = dict(priority_names)
    if ServicePlan.objects.filter(code=code).exists():
        raise DomainValidationError(
            {"code": [_("a plan with code %(code)r exists") % {"code": code}]}
        )
    plan = ServicePlan.objects.create(
        name=name, code=code, calendar=calendar, description=description, **kwargs
    )
    for t in targets:
        set_target(plan=plan, **t)
    return plan


@transaction.atomic
def set_target(
    *,
    priority: int,
    metric: str,
    target_minutes: int,
    plan: ServicePlan | None = None,
    version: ContractVersion | None = None,
    calendar: Calendar | None = None,
    measure_in_site_timezone: bool = False,
    category: str = "",
) -> SlaTarget:
    """Sets one (priority, metric, category) target on a plan or on a contract version
    (``category`` "" = any category; a target for the ticket's category wins)."""
    category = category or ""
    _validate_target(priority, metric, target_minutes, category)
    if (plan is None) == (version is None):
        raise DomainValidationError(
            {"plan": [_("exactly one of plan or contract version is required")]}
        )
    owner_calendar = plan.calendar if plan is not None else version.contract.plan.calendar  # type: ignore[union-attr]
    target, _created = SlaTarget.objects.update_or_create(
        plan=plan,
        contract_version=version,
        priority=priority,
        metric=metric,
        category=category,
        defaults={
            "target_minutes": target_minutes,
            "calendar": calendar or owner_calendar,
            "measure_in_site_timezone": measure_in_site_timezone,
        },
    )
    return target


# ---------------------------------------------------------------- contracts


def _parse_decimal(value: Any, field: str) -> Decimal:
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise DomainValidationError(
            {field: [_("not a number: %(value)r") % {"value": value}]}
        ) from exc
    if result < 0:
        raise DomainValidationError({field: [_("must not be negative")]})
    return result


def validate_kpi(
    kind: str, target: Any, severity: str = "", measurement_calendar: str = "24x7"
) -> Decimal:
    errors: dict[str, list[str]] = {}
    if kind not in KpiKind.values:
        errors["kind"] = [_("must be one of %(choices)s") % {"choices": ", ".join(KpiKind.values)}]
    value = _parse_decimal(target, "target")
    if kind == KpiKind.AVAILABILITY and not (Decimal(0) < value <= Decimal(100)):
        errors["target"] = [_("availability is a percentage in (0, 100]")]
    if kind in SEVERITY_KPI_KINDS and severity not in Severity.values:
        errors["severity"] = [
            _("a patch deadline needs a severity: %(choices)s")
            % {"choices": ", ".join(Severity.values)}
        ]
    if kind not in SEVERITY_KPI_KINDS and severity:
        errors["severity"] = [_("only patch deadlines have a severity")]
    if measurement_calendar not in MeasurementCalendar.values:
        errors["measurement_calendar"] = [
            _("must be one of %(choices)s") % {"choices": ", ".join(MeasurementCalendar.values)}
        ]
    if errors:
        raise DomainValidationError(errors)
    return value


def _add_kpis(version: ContractVersion, kpis: Iterable[Mapping[str, Any]]) -> None:
    seen: set[tuple[str, str]] = set()
    for i, k in enumerate(kpis):
        kind, severity = k.get("kind", ""), k.get("severity", "") or ""
        try:
            value = validate_kpi(
                kind, k.get("target"), severity, k.get("measurement_calendar", "24x7")
            )
        except DomainValidationError as exc:
            raise DomainValidationError(
                {f"kpis[{i}].{f}": m for f, m in exc.errors.items()}
            ) from exc
        if (kind, severity) in seen:
            raise DomainValidationError(
                {
                    f"kpis[{i}].kind": [
                        (
                            _("duplicate commitment %(kind)s %(severity)s")
                            % {"kind": kind, "severity": severity}
                        ).strip()
                    ]
                }
            )
        seen.add((kind, severity))
        KpiCommitment.objects.create(
            contract_version=version,
            kind=kind,
            target=value,
            severity=severity,
            measurement_calendar=k.get("measurement_calendar", "24x7"),
            notes=k.get("notes", ""),
            credit_percent=_credit_percent(k.get("credit_percent"), i),
        )


def _credit_percent(value: Any, index: int) -> Decimal | None:
    """A KPI's credit when missed: empty, or a percentage 0..100 (``kpis[i].credit_percent``)."""
    if value is None or value == "":
        return None
    field = f"kpis[{index}].credit_percent"
    number = _parse_decimal(value, field)
    if number > 100:
        raise DomainValidationError({field: [_("a percentage of the monthly fee, 0..100")]})
    return number


def _add_overrides(version: ContractVersion, overrides: Iterable[Mapping[str, Any]]) -> None:
    for i, o in enumerate(overrides):
        calendar = o.get("calendar")
        try:
            set_target(
                version=version,
                priority=int(o.get("priority", 0)),
                metric=str(o.get("metric", "")),
                target_minutes=int(o.get("target_minutes", -1)),
                calendar=calendar,
                measure_in_site_timezone=bool(o.get("measure_in_site_timezone", False)),
                category=str(o.get("category") or ""),
            )
        except DomainValidationError as exc:
            raise DomainValidationError(
                {f"target_overrides[{i}].{f}": m for f, m in exc.errors.items()}
            ) from exc


@transaction.atomic
def create_contract(
    *,
    number: str,
    customer: Customer,
    plan: ServicePlan,
    start_date: date,
    end_date: date,
    renewal: str = "manual",
    notice_days: int = 90,
    grace_days: int = 30,
    fee_amount: Decimal | str | int = 0,
    fee_currency: str = "USD",
    fee_period: str = "monthly",
    included_hours: Decimal | str | int = 0,
    service_manager: Any = None,
    kpis: Iterable[Mapping[str, Any]] = (),
    target_overrides: Iterable[Mapping[str, Any]] = (),
    priority_matrix: list[list[int]] | None = None,
    priority_names: Mapping[str, str] | None = None,
    activate: bool = True,
    actor: Actor = None,
) -> Contract:
    """Creates a contract with its first version (in force from the start of the term)."""
    errors: dict[str, list[str]] = {}
    if end_date < start_date:
        errors["end_date"] = [_("must not be before start_date")]
    if Contract.objects.filter(number=number).exists():
        errors["number"] = [_("contract %(number)r exists") % {"number": number}]
    if renewal not in ("automatic", "manual"):
        errors["renewal"] = [_("must be automatic or manual")]
    if fee_period not in ("monthly", "quarterly", "yearly"):
        errors["fee_period"] = [_("must be monthly, quarterly or yearly")]
    currency = ""
    try:
        currency = validate_currency(fee_currency, "fee_currency")
        fee = parse_amount(fee_amount, currency, "fee_amount")
    except DomainValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise DomainValidationError(errors)
    if priority_matrix is not None:
        validate_priority_matrix(priority_matrix)
    contract = Contract.objects.create(
        number=number,
        customer=customer,
        plan=plan,
        start_date=start_date,
        end_date=end_date,
        renewal=renewal,
        notice_days=notice_days,
        grace_days=grace_days,
        fee_amount=fee,
        fee_currency=currency,
        fee_period=fee_period,
        included_hours=_parse_decimal(included_hours, "included_hours"),
        service_manager=service_manager,
    )
    version = ContractVersion.objects.create(
        contract=contract,
        number=1,
        effective_from=local_midnight(start_date, customer.timezone),
        reason="Initial terms",
        priority_matrix=priority_matrix,
        priority_names=dict(priority_names) if priority_names else None,
        created_by=actor,
    )
    _add_kpis(version, kpis)
    _add_overrides(version, target_overrides)
    if activate:
        activate_contract(contract=contract)
    return contract


@transaction.atomic
def activate_contract(*, contract: Contract, at: datetime | None = None) -> Contract:
    if contract.activated_at is not None:
        raise TransitionError(
            _("contract %(contract)s is already activated") % {"contract": contract.number}
        )
    contract.activated_at = require_aware(at) if at else now()
    contract.status = contract.status_on(contract.activated_at.date())
    contract.save(update_fields=["activated_at", "status", "updated_at"])
    return contract


@transaction.atomic
def amend_contract(
    *,
    contract: Contract,
    effective_from: datetime,
    reason: str,
    reason_note: dict[str, Any] | None = None,
    kpis: Iterable[Mapping[str, Any]] | None = None,
    target_overrides: Iterable[Mapping[str, Any]] | None = None,
    priority_matrix: list[list[int]] | None = None,
    priority_names: Mapping[str, str] | None = None,
    actor: Actor = None,
) -> ContractVersion:
    """Adds a dated version. What is not given is carried over from the version before it.
    ``reason_note``: a system-written ``reason`` as its note (``tickets.system_notes``).

    This only writes the version: callers amend through ``tickets.services.amend_contract_terms``,
    which also re-measures the open tickets (contracts cannot import tickets, a higher layer).
    """
    require_aware(effective_from, "effective_from")
    if not reason.strip():
        raise DomainValidationError({"reason": [_("an amendment needs a reason")]})
    if contract.versions.filter(effective_from=effective_from).exists():
        raise DomainValidationError({"effective_from": [_("a version with this instant exists")]})
    previous = (
        contract.versions.filter(effective_from__lte=effective_from)
        .order_by("-effective_from")
        .first()
    )
    if previous is None:
        previous = contract.versions.order_by("effective_from").first()
    if priority_matrix is not None:
        validate_priority_matrix(priority_matrix)
    number = (
        contract.versions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    version = ContractVersion.objects.create(
        contract=contract,
        number=number,
        effective_from=effective_from,
        reason=reason,
        reason_note=reason_note or {},
        priority_matrix=priority_matrix
        if priority_matrix is not None
        else (previous and previous.priority_matrix),
        priority_names=dict(priority_names)
        if priority_names is not None
        else (previous and previous.priority_names),
        created_by=actor,
    )
    if kpis is None and previous is not None:
        kpis = [
            {
                "kind": k.kind,
                "target": k.target,
                "severity": k.severity,
                "measurement_calendar": k.measurement_calendar,
                "notes": k.notes,
                "credit_percent": k.credit_percent,
            }
            for k in previous.kpis.all()
        ]
    if target_overrides is None and previous is not None:
        target_overrides = [
            {
                "priority": t.priority,
                "metric": t.metric,
                "category": t.category,
                "target_minutes": t.target_minutes,
                "calendar": t.calendar,
                "measure_in_site_timezone": t.measure_in_site_timezone,
            }
            for t in previous.targets.all()
        ]
    _add_kpis(version, kpis or ())
    _add_overrides(version, target_overrides or ())
    return version


@transaction.atomic
def terminate_contract(*, contract: Contract, on: date, reason: str) -> Contract:
    if contract.status == ContractStatus.TERMINATED:
        raise TransitionError(
            _("contract %(contract)s is already terminated") % {"contract": contract.number}
        )
    if not reason.strip():
        raise DomainValidationError({"reason": [_("termination needs a reason")]})
    contract.terminated_on = on
    contract.termination_reason = reason
    contract.status = contract.status_on(now().date())
    contract.save(update_fields=["terminated_on", "termination_reason", "status", "updated_at"])
    return contract


def refresh_contract_status(*, contract: Contract, day: date) -> tuple[str, str]:
    """Stores the status the dates give on ``day``; returns (before, after)."""
    before = contract.status
    after = contract.status_on(day)
    if before != after:
        Contract.objects.filter(pk=contract.pk).update(status=after)
        contract.status = after
    return before, after


# ---------------------------------------------------------------- renewal


def record_renewal(
    *,
    contract: Contract,
    end_date: date,
    term: Term,
    today: date,
    data: Mapping[str, Any] | None = None,
) -> ContractEvent:
    """The one rule for a new term, automatic or manual: the end date moves, the stored status
    follows, and a ``renewed`` event dated at the new term's first local midnight records the
    term length (the next automatic renewal repeats it), the previous and the new end."""
    before = contract.end_date
    contract.end_date = end_date
    Contract.objects.filter(pk=contract.pk).update(end_date=end_date)
    refresh_contract_status(contract=contract, day=today)
    at = local_midnight(before + timedelta(days=1), contract.customer.timezone)
    return ContractEvent.objects.create(
        contract=contract,
        kind=ContractEventKind.RENEWED,
        at=at,
        data={
            "term": {"months": term.months, "days": term.days},
            "previous_end": before.isoformat(),
            "end_date": end_date.isoformat(),
            **(data or {}),
        },
    )


RENEWABLE = frozenset({ContractStatus.ACTIVE, ContractStatus.GRACE})


@transaction.atomic
def renew_contract(
    *,
    contract: Contract,
    end_date: date,
    actor: Actor,
    fee_amount: Decimal | str | None = None,
    reason: str = "",
    reason_note: dict[str, Any] | None = None,
) -> ContractVersion:
    """Renews a manually renewing contract (active or in grace) until ``end_date``.

    The new term starts the day after the current end, as a new contract version in force
    from that local midnight (the terms carried over) and a ``renewed`` event saying who
    renewed, the term and the fee. 403 for non-staff, 409 for an automatically renewing,
    terminated, expired or draft contract, 422 for an end date not after the current one
    or a bad fee.
    """
    if actor is None or not actor.is_staff:
        raise PermissionDenied(_("only provider staff renew contracts"))
    contract = Contract.objects.select_for_update().select_related("customer").get(pk=contract.pk)
    tz = contract.customer.timezone
    today = local_date(now(), tz)
    if contract.renewal == Renewal.AUTOMATIC:
        raise TransitionError(
            _("contract %(contract)s renews automatically") % {"contract": contract.number}
        )
    status = contract.status_on(today)
    if status not in RENEWABLE:
        label = ContractStatus(status).label
        raise TransitionError(
            _("contract %(contract)s is %(label)s; only active or in-grace contracts are renewed")
            % {"contract": contract.number, "label": label}
        )
    errors: dict[str, list[str]] = {}
    if end_date <= contract.end_date:
        errors["end_date"] = [
            _("must be after the current end, %(end_date)s")
            % {"end_date": contract.end_date.isoformat()}
        ]
    fee = contract.fee_amount if fee_amount is None else _fee(fee_amount, errors)
    if errors:
        raise DomainValidationError(errors)
    start = contract.end_date + timedelta(days=1)
    term = {"start": start.isoformat(), "end": end_date.isoformat()}
    text = reason.strip() or "Renewed: new term {start} to {end}".format(**term)
    if not reason.strip():  # the system's text: shown in the reader's language (its note)
        reason_note = {"kind": RENEWED_NOTE, "params": term}
    version = amend_contract(
        contract=contract,
        effective_from=local_midnight(start, tz),
        reason=text,
        reason_note=reason_note,
        actor=actor,
    )
    previous_fee = contract.fee_amount
    if fee != previous_fee:
        contract.fee_amount = fee
        contract.save(update_fields=["fee_amount", "updated_at"])
    record_renewal(
        contract=contract,
        end_date=end_date,
        term=term_between(start, end_date),
        today=today,
        data={
            "manual": True,
            "by": actor.get_username(),
            "version": version.number,
            "reason": text,
            "fee_amount": str(fee),
            "previous_fee_amount": str(previous_fee),
        },
    )
    return version


def _fee(value: Decimal | str, errors: dict[str, list[str]]) -> Decimal:
    try:
        fee = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors["fee_amount"] = [_("not a number: %(value)r") % {"value": value}]
        return Decimal(0)
    if not fee.is_finite() or fee < 0 or fee != fee.quantize(Decimal("0.01")):
        errors["fee_amount"] = [_("a non-negative amount with at most two decimals")]
        return Decimal(0)
    return fee.quantize(Decimal("0.01"))


def unique_violation(exc: IntegrityError) -> DomainValidationError:
    return DomainValidationError(
        {"__all__": [_("conflicts with an existing record: %(exc)s") % {"exc": exc}]}
    )
