"""Spare parts and standby machines (``servicepact.stock``; docs/field-service.md).

The catalogue, balances and the ledger are staff-only (a contact gets 403: nothing of it is
a customer's); a contact reads its own customer's reservations, RMAs and loaners (another
customer's are 404). Every write is staff-only (403).

GET/POST  /parts                       catalogue
GET       /parts/{id}                  one part with its balance per depot
GET/POST  /stock/depots                depots
GET       /stock/balances              on hand / reserved / available / faulty per part, depot
POST      /stock/thresholds            a depot's low-stock threshold of a part
GET       /stock/movements             the ledger
POST      /stock/receive | adjust | transfer
GET/POST  /stock/reservations          reserve for a ticket (422 on quantity beyond available)
POST      /stock/reservations/{id}/deliver | release | consume
GET/POST  /stock/rmas, POST /stock/rmas/{id}/status
GET/POST  /stock/loaners, POST /stock/loaners/{id}/return
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from servicepact.accounts.actors import actor_of
from servicepact.api.common import (
    ListOut,
    PageQuery,
    get_or_404,
    query_error,
    reference,
    rendered_page,
    require_staff,
    status_filter,
)
from servicepact.assets.selectors import assets_for
from servicepact.core.api_schema import (
    MAX_DB_INT,
    ApiIn,
    Id,
    Text,
    idempotent,
    model_decimal,
    model_text,
    reads,
    writes,
)
from servicepact.core.money import format_amount
from servicepact.core.time import local_date
from servicepact.core.time import now as current_time
from servicepact.customers.selectors import customers_for
from servicepact.fieldservice.models import Depot
from servicepact.stock import selectors, services
from servicepact.stock.choices import MovementKind, ReservationStatus, RmaStatus
from servicepact.stock.depots import active_depots, all_depots
from servicepact.stock.models import Loaner, Part, Reservation, Rma, StockMovement
from servicepact.tickets.selectors import tickets_for

router = Router(tags=["stock"])

Quantity = Annotated[int, Field(ge=-MAX_DB_INT, le=MAX_DB_INT)]
RefId = Annotated[int, Field(ge=1, le=MAX_DB_INT)]


# ---------------------------------------------------------------- schemas


class StockRef(Schema):
    id: int
    name: str


class StockTicketRef(Schema):
    id: int
    number: str


class CataloguePartOut(Schema):
    id: int
    part_number: str
    description: str
    compatible_models: list[str]
    unit_cost: str
    currency: str
    delivery_days: int
    active: bool


class CataloguePartList(ListOut):
    items: list[CataloguePartOut]


class CataloguePartIn(ApiIn):
    part_number: Annotated[str, model_text(Part, "part_number", min_length=1)]
    description: Annotated[str, model_text(Part, "description", min_length=1)]
    compatible_models: list[Text] = Field(default_factory=list, max_length=200)
    unit_cost: Annotated[Decimal, model_decimal(Part, "unit_cost")]
    currency: Annotated[str, Field(min_length=3, max_length=3)]
    delivery_days: int = Field(0, ge=0, le=365)


class CatalogueFilters(PageQuery, ApiIn):
    model: Text | None = None  # parts compatible with this asset model
    q: Text | None = None  # part number or description contains


class BalanceOut(Schema):
    id: int
    part: StockRef
    depot: StockRef
    on_hand: int
    reserved: int
    available: int
    faulty: int
    low_stock_threshold: int
    low: bool


class BalanceList(ListOut):
    items: list[BalanceOut]


class CataloguePartDetailOut(CataloguePartOut):
    balances: list[BalanceOut]


class BalanceFilters(PageQuery, ApiIn):
    part: int | None = Field(None, ge=1, le=MAX_DB_INT)
    depot: int | None = Field(None, ge=1, le=MAX_DB_INT)
    low: bool | None = None


class DepotOut(Schema):
    id: int
    name: str
    address: str
    timezone: str
    active: bool


class DepotList(ListOut):
    items: list[DepotOut]


class DepotIn(ApiIn):
    name: Annotated[str, model_text(Depot, "name", min_length=1)]
    address: Annotated[str, Field(max_length=2000)] = ""
    timezone: Annotated[str, model_text(Depot, "timezone", min_length=1)]
    active: bool = True


class ThresholdIn(ApiIn):
    part: RefId
    depot: RefId
    threshold: int = Field(..., ge=0, le=10_000)


class MovementOut(Schema):
    id: int
    part: StockRef
    depot: StockRef
    kind: str
    on_hand_delta: int
    reserved_delta: int
    faulty_delta: int
    reason: str
    ticket: StockTicketRef | None
    reservation: int | None
    rma: int | None
    counterpart: StockRef | None
    at: dt.datetime


class MovementList(ListOut):
    items: list[MovementOut]


class MovementFilters(PageQuery, ApiIn):
    part: int | None = Field(None, ge=1, le=MAX_DB_INT)
    depot: int | None = Field(None, ge=1, le=MAX_DB_INT)
    kind: Text | None = None


class ReceiveIn(ApiIn):
    part: RefId
    depot: RefId
    quantity: Quantity
    reason: Annotated[str, Field(max_length=500)] = ""


class StockAdjustIn(ApiIn):
    part: RefId
    depot: RefId
    delta: Quantity
    reason: Annotated[str, Field(max_length=500)]


class TransferIn(ApiIn):
    part: RefId
    source: RefId
    target: RefId
    quantity: Quantity
    reason: Annotated[str, Field(max_length=500)] = ""


class TransferOut(Schema):
    out: MovementOut
    into: MovementOut


class ReservationOut(Schema):
    id: int
    ticket: StockTicketRef
    part: StockRef
    depot: StockRef
    quantity: int
    status: str
    work_order_id: int | None
    reserved_at: dt.datetime
    delivered_at: dt.datetime | None
    closed_at: dt.datetime | None
    part_use: int | None


class ReservationList(ListOut):
    items: list[ReservationOut]


class ReservationFilters(PageQuery, ApiIn):
    ticket: int | None = Field(None, ge=1, le=MAX_DB_INT)
    status: Text | None = None


class ReservationIn(ApiIn):
    ticket: RefId
    part: RefId
    depot: RefId
    quantity: Quantity = 1
    work_order_id: int | None = Field(None, ge=1, le=MAX_DB_INT)


class DeliverIn(ApiIn):
    at: dt.datetime | None = None


class ConsumeIn(ApiIn):
    covered_by_contract: bool = False


class RmaOut(Schema):
    id: int
    ticket: StockTicketRef
    asset: StockRef
    part: StockRef
    depot: StockRef
    faulty_serial: str
    replacement_serial: str
    status: str
    vendor_reference: str
    opened_at: dt.datetime
    sent_at: dt.datetime | None
    closed_at: dt.datetime | None


class RmaList(ListOut):
    items: list[RmaOut]


class RmaFilters(PageQuery, ApiIn):
    status: Text | None = None
    asset: int | None = Field(None, ge=1, le=MAX_DB_INT)


class RmaIn(ApiIn):
    ticket: RefId
    part: RefId
    depot: RefId
    faulty_serial: Annotated[str, model_text(Rma, "faulty_serial", min_length=1)]
    replacement_serial: Annotated[str, model_text(Rma, "replacement_serial", min_length=1)]
    at: dt.datetime | None = None


class RmaStatusIn(ApiIn):
    status: Text
    vendor_reference: Annotated[str, model_text(Rma, "vendor_reference")] = ""


class LoanerOut(Schema):
    id: int
    asset: StockRef
    customer: StockRef
    ticket: StockTicketRef | None
    lent_on: dt.date
    due_back_on: dt.date
    returned_on: dt.date | None
    overdue: bool
    note: str


class LoanerList(ListOut):
    items: list[LoanerOut]


class LoanerFilters(PageQuery, ApiIn):
    overdue: bool | None = None
    open: bool | None = None


class LoanerIn(ApiIn):
    asset: RefId
    customer: RefId
    ticket: int | None = Field(None, ge=1, le=MAX_DB_INT)
    lent_on: dt.date
    due_back_on: dt.date
    note: Annotated[str, model_text(Loaner, "note")] = ""


class LoanerReturnIn(ApiIn):
    returned_on: dt.date


# ---------------------------------------------------------------- rendering


def _ref(obj: Any, name: str) -> dict[str, Any]:
    return {"id": obj.pk, "name": name}


def _ticket(ticket: Any) -> dict[str, Any] | None:
    return {"id": ticket.pk, "number": ticket.number} if ticket is not None else None


def render_part(part: Part) -> dict[str, Any]:
    return {
        "id": part.pk,
        "part_number": part.part_number,
        "description": part.description,
        "compatible_models": list(part.compatible_models or []),
        "unit_cost": format_amount(part.unit_cost, part.currency),
        "currency": part.currency,
        "delivery_days": part.delivery_days,
        "active": part.active,
    }


def render_balance(row: Any) -> dict[str, Any]:
    return {
        "id": row.pk,
        "part": _ref(row.part, row.part.part_number),
        "depot": _ref(row.depot, row.depot.name),
        "on_hand": row.on_hand,
        "reserved": row.reserved,
        "available": row.available,
        "faulty": row.faulty,
        "low_stock_threshold": row.low_stock_threshold,
        "low": row.available < row.low_stock_threshold,
    }


def render_depot(depot: Depot) -> dict[str, Any]:
    return {
        "id": depot.pk,
        "name": depot.name,
        "address": depot.address,
        "timezone": depot.timezone,
        "active": depot.active,
    }


def render_movement(row: StockMovement) -> dict[str, Any]:
    other = row.counterpart
    return {
        "id": row.pk,
        "part": _ref(row.part, row.part.part_number),
        "depot": _ref(row.depot, row.depot.name),
        "kind": row.kind,
        "on_hand_delta": row.on_hand_delta,
        "reserved_delta": row.reserved_delta,
        "faulty_delta": row.faulty_delta,
        "reason": row.reason,
        "ticket": _ticket(row.ticket),
        "reservation": row.reservation_id,
        "rma": row.rma_id,
        "counterpart": _ref(other, other.name) if other is not None else None,
        "at": row.at,
    }


def render_reservation(row: Reservation) -> dict[str, Any]:
    return {
        "id": row.pk,
        "ticket": _ticket(row.ticket),
        "part": _ref(row.part, row.part.part_number),
        "depot": _ref(row.depot, row.depot.name),
        "quantity": row.quantity,
        "status": row.status,
        "work_order_id": row.work_order_id,
        "reserved_at": row.reserved_at,
        "delivered_at": row.delivered_at,
        "closed_at": row.closed_at,
        "part_use": row.part_use_id,
    }


def render_rma(row: Rma) -> dict[str, Any]:
    return {
        "id": row.pk,
        "ticket": _ticket(row.ticket),
        "asset": _ref(row.asset, row.asset.hostname),
        "part": _ref(row.part, row.part.part_number),
        "depot": _ref(row.depot, row.depot.name),
        "faulty_serial": row.faulty_serial,
        "replacement_serial": row.replacement_serial,
        "status": row.status,
        "vendor_reference": row.vendor_reference,
        "opened_at": row.opened_at,
        "sent_at": row.sent_at,
        "closed_at": row.closed_at,
    }


def render_loaner(row: Loaner, today: dt.date | None = None) -> dict[str, Any]:
    today = today or local_date(current_time(), "UTC")
    return {
        "id": row.pk,
        "asset": _ref(row.asset, row.asset.hostname),
        "customer": _ref(row.customer, row.customer.name),
        "ticket": _ticket(row.ticket),
        "lent_on": row.lent_on,
        "due_back_on": row.due_back_on,
        "returned_on": row.returned_on,
        "overdue": row.returned_on is None and row.due_back_on < today,
        "note": row.note,
    }


def _part(pk: int, field: str = "part") -> Part:
    found = reference(selectors.parts(), pk, field)
    assert found is not None
    return found


def _depot(pk: int, field: str = "depot") -> Depot:
    found = reference(active_depots(), pk, field)
    assert found is not None
    return found


# ---------------------------------------------------------------- catalogue


@router.get(
    "/parts",
    response=reads(CataloguePartList, 403, 422),
    operation_id="parts_list",
    summary="List the spare-parts catalogue (staff)",
)
def list_parts(request: HttpRequest, filters: Query[CatalogueFilters]) -> dict[str, Any]:
    require_staff(request, "read the parts catalogue")
    qs = selectors.parts()
    if filters.model:
        qs = selectors.compatible_with(qs, filters.model)
    if filters.q:
        qs = qs.filter(part_number__icontains=filters.q) | qs.filter(
            description__icontains=filters.q
        )
    return rendered_page(qs, filters, render_part)


@router.post(
    "/parts",
    response=writes(CataloguePartOut, status=201),
    operation_id="parts_create",
    summary="Add a part to the catalogue (staff)",
)
@idempotent
def create_part(request: HttpRequest, payload: CataloguePartIn) -> Status[Any]:
    require_staff(request, "change the parts catalogue")
    part = services.create_part(actor=actor_of(request), **payload.dict())
    return Status(201, render_part(part))


@router.get(
    "/parts/{part_id}",
    response=reads(CataloguePartDetailOut, 403, 404, 422),
    operation_id="parts_get",
    summary="One catalogue part with its stock per depot (staff)",
)
def get_part(request: HttpRequest, part_id: Id) -> dict[str, Any]:
    require_staff(request, "read the parts catalogue")
    part = get_or_404(selectors.parts(), part_id)
    rows = selectors.balances().filter(part=part)
    return {**render_part(part), "balances": [render_balance(r) for r in rows]}


# ---------------------------------------------------------------- depots, balances, ledger


@router.get(
    "/stock/depots",
    response=reads(DepotList, 403, 422),
    operation_id="stock_depots_list",
    summary="List depots (staff)",
)
def list_depots(request: HttpRequest, paging: Query[PageQuery]) -> dict[str, Any]:
    require_staff(request, "read depots")
    return rendered_page(all_depots(), paging, render_depot)


@router.post(
    "/stock/depots",
    response=writes(DepotOut, status=201),
    operation_id="stock_depots_create",
    summary="Add a depot (staff)",
)
@idempotent
def create_depot(request: HttpRequest, payload: DepotIn) -> Status[Any]:
    require_staff(request, "add depots")
    depot = services.create_depot(actor=actor_of(request), **payload.dict())
    return Status(201, render_depot(depot))


@router.get(
    "/stock/balances",
    response=reads(BalanceList, 403, 422),
    operation_id="stock_balances_list",
    summary="Stock per part and depot: on hand, reserved, available, faulty (staff)",
)
def list_balances(request: HttpRequest, filters: Query[BalanceFilters]) -> dict[str, Any]:
    require_staff(request, "read stock")
    qs = selectors.low_balances() if filters.low else selectors.balances()
    if filters.part is not None:
        qs = qs.filter(part_id=filters.part)
    if filters.depot is not None:
        qs = qs.filter(depot_id=filters.depot)
    return rendered_page(qs, filters, render_balance)


@router.post(
    "/stock/thresholds",
    response=writes(BalanceOut),
    operation_id="stock_thresholds_set",
    summary="Set a depot's low-stock threshold of a part (staff)",
)
def set_threshold(request: HttpRequest, payload: ThresholdIn) -> dict[str, Any]:
    require_staff(request, "change stock")
    balance = services.set_threshold(
        part=_part(payload.part),
        depot=_depot(payload.depot),
        threshold=payload.threshold,
        actor=actor_of(request),
    )
    return render_balance(selectors.balances().get(pk=balance.pk))


@router.get(
    "/stock/movements",
    response=reads(MovementList, 403, 422),
    operation_id="stock_movements_list",
    summary="The stock ledger, newest first (staff)",
)
def list_movements(request: HttpRequest, filters: Query[MovementFilters]) -> dict[str, Any]:
    require_staff(request, "read stock")
    qs = selectors.movements()
    if filters.part is not None:
        qs = qs.filter(part_id=filters.part)
    if filters.depot is not None:
        qs = qs.filter(depot_id=filters.depot)
    if filters.kind:
        if filters.kind not in MovementKind.values:
            raise query_error("kind", ", ".join(MovementKind.values))
        qs = qs.filter(kind=filters.kind)
    return rendered_page(qs, filters, render_movement)


def _movement(row: StockMovement) -> dict[str, Any]:
    return render_movement(selectors.movements().get(pk=row.pk))


@router.post(
    "/stock/receive",
    response=writes(MovementOut, status=201),
    operation_id="stock_receive",
    summary="Parts received at a depot (staff)",
)
@idempotent
def receive(request: HttpRequest, payload: ReceiveIn) -> Status[Any]:
    require_staff(request, "change stock")
    row = services.receive_stock(
        part=_part(payload.part),
        depot=_depot(payload.depot),
        quantity=payload.quantity,
        reason=payload.reason,
        actor=actor_of(request),
    )
    return Status(201, _movement(row))


@router.post(
    "/stock/adjust",
    response=writes(MovementOut, status=201),
    operation_id="stock_adjust",
    summary="Correct a depot's count, with a reason (staff)",
)
@idempotent
def adjust(request: HttpRequest, payload: StockAdjustIn) -> Status[Any]:
    require_staff(request, "change stock")
    row = services.adjust_stock(
        part=_part(payload.part),
        depot=_depot(payload.depot),
        delta=payload.delta,
        reason=payload.reason,
        actor=actor_of(request),
    )
    return Status(201, _movement(row))


@router.post(
    "/stock/transfer",
    response=writes(TransferOut, status=201),
    operation_id="stock_transfer",
    summary="Move parts between depots (staff)",
)
@idempotent
def transfer(request: HttpRequest, payload: TransferIn) -> Status[Any]:
    require_staff(request, "change stock")
    out, into = services.transfer_stock(
        part=_part(payload.part),
        source=_depot(payload.source, "source"),
        target=_depot(payload.target, "target"),
        quantity=payload.quantity,
        reason=payload.reason,
        actor=actor_of(request),
    )
    return Status(201, {"out": _movement(out), "into": _movement(into)})


# ---------------------------------------------------------------- reservations


@router.get(
    "/stock/reservations",
    response=reads(ReservationList, 422),
    operation_id="stock_reservations_list",
    summary="Parts reserved for tickets (a contact: its own tickets')",
)
def list_reservations(request: HttpRequest, filters: Query[ReservationFilters]) -> dict[str, Any]:
    qs = selectors.reservations_for(request.user)
    if filters.ticket is not None:
        qs = qs.filter(ticket_id=filters.ticket)
    qs = status_filter(qs, filters.status, list(ReservationStatus.values))
    return rendered_page(qs, filters, render_reservation)


def _reservation(request: HttpRequest, pk: int) -> Reservation:
    return get_or_404(selectors.reservations_for(request.user), pk)


def _on_reservation(
    request: HttpRequest, pk: int, what: str, call: Callable[[Reservation], Any]
) -> dict[str, Any]:
    """The one handler pattern of a reservation action: 404, 403, the service, the row."""
    row = _reservation(request, pk)
    require_staff(request, what)
    call(row)
    return render_reservation(_reservation(request, row.pk))


@router.post(
    "/stock/reservations",
    response=writes(ReservationOut, status=201),
    operation_id="stock_reservations_create",
    summary="Reserve parts for a ticket (staff; 422 on quantity beyond available)",
)
@idempotent
def reserve(request: HttpRequest, payload: ReservationIn) -> Status[Any]:
    require_staff(request, "reserve parts")
    ticket = reference(tickets_for(request.user), payload.ticket, "ticket")
    assert ticket is not None
    row = services.reserve_part(
        ticket=ticket,
        part=_part(payload.part),
        depot=_depot(payload.depot),
        quantity=payload.quantity,
        work_order_id=payload.work_order_id,
        actor=actor_of(request),
    )
    return Status(201, render_reservation(_reservation(request, row.pk)))


@router.post(
    "/stock/reservations/{reservation_id}/deliver",
    response=writes(ReservationOut, 404),
    operation_id="stock_reservations_deliver",
    summary="The reserved parts reached the site (staff)",
)
def deliver(request: HttpRequest, reservation_id: Id, payload: DeliverIn) -> dict[str, Any]:
    return _on_reservation(
        request,
        reservation_id,
        "deliver parts",
        lambda row: services.deliver_reservation(
            reservation=row, at=payload.at, actor=actor_of(request)
        ),
    )


@router.post(
    "/stock/reservations/{reservation_id}/release",
    response=writes(ReservationOut, 404),
    operation_id="stock_reservations_release",
    summary="Release reserved parts back to stock (staff)",
)
def release(request: HttpRequest, reservation_id: Id) -> dict[str, Any]:
    return _on_reservation(
        request,
        reservation_id,
        "release parts",
        lambda row: services.release_reservation(reservation=row, actor=actor_of(request)),
    )


@router.post(
    "/stock/reservations/{reservation_id}/consume",
    response=writes(ReservationOut, 404),
    operation_id="stock_reservations_consume",
    summary="The reserved parts were fitted: out of stock, one part use on the ticket (staff)",
)
def consume(request: HttpRequest, reservation_id: Id, payload: ConsumeIn) -> dict[str, Any]:
    return _on_reservation(
        request,
        reservation_id,
        "consume parts",
        lambda row: services.consume_reservation(
            reservation=row,
            covered_by_contract=payload.covered_by_contract,
            actor=actor_of(request),
        ),
    )


# ---------------------------------------------------------------- RMA


@router.get(
    "/stock/rmas",
    response=reads(RmaList, 422),
    operation_id="stock_rmas_list",
    summary="Returns of faulty parts (a contact: its own assets')",
)
def list_rmas(request: HttpRequest, filters: Query[RmaFilters]) -> dict[str, Any]:
    qs = status_filter(selectors.rmas_for(request.user), filters.status, list(RmaStatus.values))
    if filters.asset is not None:
        qs = qs.filter(asset_id=filters.asset)
    return rendered_page(qs, filters, render_rma)


@router.post(
    "/stock/rmas",
    response=writes(RmaOut, status=201),
    operation_id="stock_rmas_create",
    summary="Return a faulty part: faulty serial out, replacement in (staff)",
)
@idempotent
def create_rma(request: HttpRequest, payload: RmaIn) -> Status[Any]:
    require_staff(request, "return parts")
    ticket = reference(tickets_for(request.user), payload.ticket, "ticket")
    assert ticket is not None
    rma = services.open_rma(
        ticket=ticket,
        part=_part(payload.part),
        depot=_depot(payload.depot),
        faulty_serial=payload.faulty_serial,
        replacement_serial=payload.replacement_serial,
        at=payload.at,
        actor=actor_of(request),
    )
    return Status(201, render_rma(get_or_404(selectors.rmas_for(request.user), rma.pk)))


@router.post(
    "/stock/rmas/{rma_id}/status",
    response=writes(RmaOut, 404),
    operation_id="stock_rmas_status",
    summary="Move an RMA on: sent, credited, closed (staff)",
)
def rma_status(request: HttpRequest, rma_id: Id, payload: RmaStatusIn) -> dict[str, Any]:
    rma = get_or_404(selectors.rmas_for(request.user), rma_id)
    require_staff(request, "change RMAs")
    services.advance_rma(
        rma=rma,
        status=payload.status,
        vendor_reference=payload.vendor_reference,
        actor=actor_of(request),
    )
    return render_rma(get_or_404(selectors.rmas_for(request.user), rma.pk))


# ---------------------------------------------------------------- loaners


@router.get(
    "/stock/loaners",
    response=reads(LoanerList, 422),
    operation_id="stock_loaners_list",
    summary="Standby machines lent to customers (a contact: its own)",
)
def list_loaners(request: HttpRequest, filters: Query[LoanerFilters]) -> dict[str, Any]:
    today = local_date(current_time(), "UTC")
    qs = selectors.loaners_for(request.user)
    if filters.overdue:
        qs = selectors.overdue(qs, today)
    if filters.open is not None:
        qs = qs.filter(returned_on__isnull=filters.open)
    return rendered_page(qs, filters, lambda row: render_loaner(row, today))


@router.post(
    "/stock/loaners",
    response=writes(LoanerOut, status=201),
    operation_id="stock_loaners_create",
    summary="Lend a standby machine to a customer (staff)",
)
@idempotent
def lend(request: HttpRequest, payload: LoanerIn) -> Status[Any]:
    require_staff(request, "lend machines")
    asset = reference(assets_for(request.user), payload.asset, "asset")
    customer = reference(customers_for(request.user), payload.customer, "customer")
    ticket = reference(tickets_for(request.user), payload.ticket, "ticket")
    assert asset is not None and customer is not None
    row = services.lend_loaner(
        asset=asset,
        customer=customer,
        ticket=ticket,
        lent_on=payload.lent_on,
        due_back_on=payload.due_back_on,
        note=payload.note,
        actor=actor_of(request),
    )
    return Status(201, render_loaner(get_or_404(selectors.loaners_for(request.user), row.pk)))


@router.post(
    "/stock/loaners/{loaner_id}/return",
    response=writes(LoanerOut, 404),
    operation_id="stock_loaners_return",
    summary="A standby machine came back (staff)",
)
def return_loaner(request: HttpRequest, loaner_id: Id, payload: LoanerReturnIn) -> dict[str, Any]:
    row = get_or_404(selectors.loaners_for(request.user), loaner_id)
    require_staff(request, "return machines")
    services.return_loaner(loaner=row, returned_on=payload.returned_on, actor=actor_of(request))
    return render_loaner(get_or_404(selectors.loaners_for(request.user), row.pk))
