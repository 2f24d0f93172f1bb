"""Monitoring API.

``router`` (mount at the API root, prefix ""):
    POST /alerts/{kind}   alert webhooks (alertmanager | zabbix | generic), source token
    GET  /alert-inbox     deliveries waiting for the worker (staff)
    POST /measurements    measured KPI values, source token or staff (token or session)
``availability_router`` (mount at "/contracts", beside the contracts router):
    GET  /{contract_id}/availability?period=YYYY-MM   staff; a contact only its own contracts
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest, JsonResponse
from ninja import Query, Router, Schema, Status

from servicepact.accounts.auth import BearerAuth, SessionAuth, api_auth
from servicepact.assets.models import Asset, ContractLine
from servicepact.contracts.choices import ContractStatus
from servicepact.contracts.models import Contract
from servicepact.contracts.selectors import get_contract
from servicepact.core.api_schema import (
    MAX_DB_INT,
    ApiIn,
    BodyId,
    Id,
    IdFilter,
    Text,
    idempotent,
    model_decimal,
    model_text,
    reads,
    writes,
)
from servicepact.core.config import option
from servicepact.core.errors import DomainValidationError, field_errors
from servicepact.core.pagination import ListOut, PageQuery, api_page
from servicepact.core.time import local_date
from servicepact.core.time import now as current_time
from servicepact.customers.selectors import is_staff
from servicepact.monitoring.auth import SourceTokenAuth
from servicepact.monitoring.availability import contract_availability, parse_period
from servicepact.monitoring.inbox import accepted_response
from servicepact.monitoring.limits import load_json, read_body
from servicepact.monitoring.models import AlertSource, Measurement
from servicepact.monitoring.selectors import inbox_status, measurements_visible
from servicepact.monitoring.services import ingest_alerts, queue_alerts, record_measurement
from servicepact.monitoring.sources import PARSERS, ParsedAlert, PayloadError, Rejection

router = Router(tags=["monitoring"])
availability_router = Router(tags=["availability"], auth=api_auth())


def error(status: int, detail: Any, errors: dict[str, list[str]] | None = None) -> JsonResponse:
    """``{"detail": ...}``; with field errors, the API's one 422 shape (core.errors.field_errors)."""
    body: dict[str, Any] = {"detail": field_errors(errors) if errors is not None else detail}
    return JsonResponse(body, status=status)


# ---------------------------------------------------------------- alerts


class RejectedAlert(Schema):
    index: int
    field: str
    reason: str


class AlertsAccepted(Schema):
    accepted: int
    tickets: list[int]
    unmatched: int
    queued: int | None = None  # only on a 202: alerts queued for the worker
    rejected: list[RejectedAlert] | None = None  # only when some alert was rejected


@router.post(
    "/alerts/{kind}",
    auth=SourceTokenAuth(),
    response={**writes(AlertsAccepted, 404), 202: AlertsAccepted},
    exclude_none=True,
    operation_id="alerts_receive",
    summary="Receive an alert webhook delivery (source token)",
)
def post_alerts(request: HttpRequest, kind: str) -> Any:
    """Receives one webhook delivery. A malformed payload is a 400 (nothing stored); an alert
    that cannot be stored is listed under ``rejected`` and the others are stored (400 when no
    alert is left); a body over ``ALERT_MAX_BODY`` is a 413. The delivery is appended to the
    inbox (one INSERT) and answered 202 with the number of alerts accepted; the worker stores
    it (inbox.py). A delivery of at most ``ALERT_INLINE_MAX`` alerts (default 0) is stored in
    the request instead, through the same pipeline, and answered 200 with its tickets."""
    source: AlertSource = request.auth  # type: ignore[attr-defined]
    parser = PARSERS.get(kind)
    if parser is None:
        return error(404, f"unknown alert source kind {kind!r}; use one of {', '.join(PARSERS)}")
    if source.kind != kind:
        return error(
            403,
            f"this token belongs to the {source.kind} source {source.name!r}: "
            f"post to /api/v1/alerts/{source.kind}",
        )
    body = read_body(request)
    if isinstance(body, JsonResponse):
        return body
    try:
        items = parser(load_json(body))
    except PayloadError as exc:
        return error(400, str(exc))
    alerts = [a for a in items if isinstance(a, ParsedAlert)]
    rejected = [r.as_dict() for r in items if isinstance(r, Rejection)] or None
    if rejected and not alerts:
        first = rejected[0]  # a 400 that names the field, with every reason
        return JsonResponse(
            {"detail": f"{first['field']}: {first['reason']}", "rejected": rejected}, status=400
        )
    if len(alerts) > option("ALERT_INLINE_MAX", 0):
        queued = queue_alerts(source=source, alerts=alerts, received_at=current_time())
        return accepted_response(queued, rejected)
    return {**ingest_alerts(source=source, alerts=alerts).as_dict(), "rejected": rejected}


class InboxOut(Schema):
    pending_deliveries: int
    pending_alerts: int
    oldest_received_at: datetime | None
    oldest_age_seconds: float
    failed_deliveries: int


@router.get(
    "/alert-inbox",
    auth=api_auth(),
    response=reads(InboxOut, 403),
    operation_id="alert_inbox_status",
    summary="Alert deliveries waiting for the worker (staff)",
)
def get_alert_inbox(request: HttpRequest) -> Any:
    """The processing lag: deliveries accepted and not yet stored, the oldest one's age, and
    those given up on after repeated failures."""
    if not is_staff(request.user):
        return error(403, "only provider staff can read the alert inbox")
    return inbox_status()


# ---------------------------------------------------------------- measurements


ContractNumber = Annotated[str, model_text(Contract, "number")]
Hostname = Annotated[str, model_text(Asset, "hostname")]
Kind = Annotated[str, model_text(Measurement, "kind")]
Value = Annotated[Decimal, model_decimal(Measurement, "value")]
Unit = Annotated[str, model_text(Measurement, "unit")]
Note = Annotated[str, model_text(Measurement, "note")]


class MeasurementIn(ApiIn):
    contract: BodyId | ContractNumber | None = None  # id or number
    asset: BodyId | Hostname | None = None  # id or hostname: the contract covering it is used
    kind: Kind
    value: Value
    unit: Unit = ""
    measured_at: datetime | None = None
    note: Note = ""


class MeasurementOut(Schema):
    id: int
    contract: int
    asset: int | None
    kind: str
    value: str
    unit: str
    measured_at: datetime
    target: str | None
    met: bool | None
    ticket: int | None
    note: str


def measurement_out(m: Measurement) -> dict[str, Any]:
    return {
        "id": m.pk,
        "contract": m.contract_id,
        "asset": m.asset_id,
        "kind": m.kind,
        "value": format(m.value.normalize(), "f"),
        "unit": m.unit,
        "measured_at": m.measured_at,
        "target": format(m.target.normalize(), "f") if m.target is not None else None,
        "met": m.met,
        "ticket": m.ticket_id,
        "note": m.note,
    }


def _is_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and 0 < int(text) <= MAX_DB_INT


def _find_asset(ref: int | str, customer_id: int | None) -> Asset | JsonResponse | None:
    """By id, else by hostname. Hostnames are unique per customer only: a name that matches
    several assets is a 422, never a guess (as in alert matching)."""
    assets = Asset.objects.select_related("customer")
    if customer_id is not None:
        assets = assets.filter(customer_id=customer_id)
    text = str(ref).strip()
    found = list(assets.filter(pk=int(text))[:1]) if _is_id(text) else []
    if found:
        return found[0]
    named = list(assets.filter(hostname__iexact=text)[:2])
    if len(named) > 1:
        why = f"hostname {text} belongs to several customers; give the asset id"
        return error(422, why, {"asset": [why]})
    return named[0] if named else None


_COVERING = (ContractStatus.ACTIVE, ContractStatus.GRACE)


def _find_contract(
    payload: MeasurementIn, customer_id: int | None, asset: Asset | None, at: datetime
) -> Contract | JsonResponse:
    contracts = Contract.objects.select_related("customer")
    if customer_id is not None:
        contracts = contracts.filter(customer_id=customer_id)
    if payload.contract is not None:
        text = str(payload.contract).strip()
        contract = contracts.filter(number=text).first()
        if contract is None and _is_id(text):
            contract = contracts.filter(pk=int(text)).first()
        return contract or error(404, f"no such contract: {text}")
    if asset is None:
        return error(422, "name the contract or the asset", {"contract": ["required"]})
    day = local_date(at, asset.customer.timezone)
    ids = set(
        ContractLine.objects.filter(asset=asset, start_date__lte=day)
        .exclude(end_date__lt=day)
        .values_list("contract_id", flat=True)
    )
    # As in coverage: drafts, terminated and expired contracts cover nothing; active beats grace.
    in_force = [c for c in contracts.filter(pk__in=ids) if c.status_on(day) in _COVERING]
    active = [c for c in in_force if c.status_on(day) == ContractStatus.ACTIVE]
    candidates = active or in_force
    if len(candidates) != 1:
        why = (
            "is on no contract in force" if not candidates else "is on several contracts; name one"
        )
        return error(422, f"asset {asset.hostname} {why}", {"contract": [why]})
    return candidates[0]


@router.post(
    "/measurements",
    auth=[SourceTokenAuth(), BearerAuth(), SessionAuth()],
    response=writes(MeasurementOut, 404, status=201),
    operation_id="measurements_create",
    summary="Record a measured KPI value",
)
@idempotent
def post_measurement(request: HttpRequest, payload: MeasurementIn) -> Any:
    """A measured KPI value (DDoS peak, bandwidth, RPO, RTO) judged against the contract."""
    caller = request.auth  # type: ignore[attr-defined]
    source = caller if isinstance(caller, AlertSource) else None
    if source is None and not is_staff(caller):
        return error(403, "measurements come from monitoring sources or provider staff")
    customer_id = source.customer_id if source else None
    at = payload.measured_at or current_time()
    if at.tzinfo is None or at.utcoffset() is None:
        return error(422, "measured_at: needs a UTC offset", {"measured_at": ["naive"]})
    asset: Asset | None = None
    if payload.asset is not None:
        found = _find_asset(payload.asset, customer_id)
        if found is None:
            return error(404, f"no such asset: {payload.asset}")
        if isinstance(found, JsonResponse):
            return found
        asset = found
    contract = _find_contract(payload, customer_id, asset, at)
    if isinstance(contract, JsonResponse):
        return contract
    # A DomainValidationError is answered by the API's handler (api/errors.py): one 422 shape.
    measurement = record_measurement(
        contract=contract,
        kind=payload.kind,
        value=payload.value,
        unit=payload.unit,
        measured_at=at,
        asset=asset,
        note=payload.note,
        source=source,
        actor=None if source else caller,
    )
    return Status(201, measurement_out(measurement))


class MeasurementList(ListOut):
    items: list[MeasurementOut]


@router.get(
    "/measurements",
    auth=api_auth(),
    response=reads(MeasurementList, 422),
    operation_id="measurements_list",
    summary="List measured KPI values (tenancy-scoped)",
)
def list_measurements(
    request: HttpRequest,
    paging: Query[PageQuery],
    contract: IdFilter = None,
    kind: Text = "",
    measured_after: datetime | None = None,
    measured_before: datetime | None = None,
) -> Any:
    """Measured KPI values, newest first (a contact: its own customer's contracts only)."""
    qs = measurements_visible(request.user)
    if contract is not None:
        qs = qs.filter(contract_id=contract)
    if kind:
        qs = qs.filter(kind=kind)
    if measured_after is not None:
        qs = qs.filter(measured_at__gte=measured_after)
    if measured_before is not None:
        qs = qs.filter(measured_at__lt=measured_before)
    found = api_page(qs, paging)
    return {**found, "items": [measurement_out(m) for m in found["items"]]}


@router.get(
    "/measurements/{measurement_id}",
    auth=api_auth(),
    response=reads(MeasurementOut, 404, 422),
    operation_id="measurements_get",
    summary="A measured KPI value",
)
def get_measurement(request: HttpRequest, measurement_id: Id) -> Any:
    found = measurements_visible(request.user).filter(pk=measurement_id).first()
    if found is None:
        return error(404, f"No measurement {measurement_id}")
    return measurement_out(found)


# ---------------------------------------------------------------- availability


class SliceOut(Schema):
    asset_id: int
    hostname: str
    start: datetime
    end: datetime
    seconds: int
    planned: bool
    cause: str
    change_id: int | None


class AvailabilityOut(Schema):
    contract_id: int
    contract_number: str
    period: str
    calendar: str
    measured_seconds: int
    unplanned_downtime_seconds: int
    planned_downtime_seconds: int
    availability_percent: str | None
    commitment_percent: str | None
    met: bool | None
    slices: list[SliceOut]


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


@availability_router.get(
    "/{contract_id}/availability",
    response=reads(AvailabilityOut, 404, 422),
    operation_id="contracts_availability",
    summary="Availability of a contract for a month",
)
def get_availability(request: HttpRequest, contract_id: Id, period: Text = "") -> Any:
    """Availability of a contract for a local month (default: the current one)."""
    contract = get_contract(request.auth, contract_id)  # type: ignore[attr-defined]
    if not period:
        period = local_date(current_time(), contract.customer.timezone).strftime("%Y-%m")
    try:
        year, month = parse_period(period)
    except DomainValidationError as exc:  # a query parameter: loc ["query", "period"]
        return JsonResponse({"detail": field_errors(exc.errors, source="query")}, status=422)
    result = contract_availability(contract, year, month)
    return {
        "contract_id": result.contract_id,
        "contract_number": contract.number,
        "period": result.period,
        "calendar": result.calendar,
        "measured_seconds": result.measured_seconds,
        "unplanned_downtime_seconds": result.unplanned_downtime_seconds,
        "planned_downtime_seconds": result.planned_downtime_seconds,
        "availability_percent": _decimal(result.availability_percent),
        "commitment_percent": _decimal(result.commitment_percent),
        "met": result.met,
        "slices": [s.__dict__ for s in result.slices],
    }
