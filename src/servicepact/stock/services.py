"""Every write of stock: the catalogue, ledger movements, reservations, RMAs, loaners.

Each function is one transaction. A movement first locks the (part, depot) balance row
(``select_for_update``), then reads the ledger's sums, refuses a result below zero (422 on
``quantity``), appends the immutable row and checks the low-stock threshold. Staff only
(403 otherwise), like ``billing.parts``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from servicepact.accounts.actors import Actor
from servicepact.accounts.duty import duty
from servicepact.assets.choices import ComponentKind
from servicepact.assets.configuration import record_component
from servicepact.assets.models import Asset
from servicepact.assets.selectors import parts_covered
from servicepact.billing.parts import record_part
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.money import parse_amount, validate_currency
from servicepact.core.services import save_validated
from servicepact.core.time import local_date, require_aware
from servicepact.core.time import now as current_time
from servicepact.customers.models import Customer
from servicepact.fieldservice import services as fieldservice_services
from servicepact.fieldservice.models import WorkOrder
from servicepact.notifications import language_for
from servicepact.notifications.services import Message, notify_user
from servicepact.stock.choices import (
    OPEN_RESERVATION,
    RMA_STEPS,
    MovementKind,
    ReservationStatus,
    RmaStatus,
)
from servicepact.stock.depots import Depot
from servicepact.stock.models import (
    QUANTITY_MAX,
    Loaner,
    Part,
    Reservation,
    Rma,
    StockBalance,
    StockMovement,
)
from servicepact.stock.selectors import Levels, levels
from servicepact.tickets.choices import OPEN_STATUSES, EventKind
from servicepact.tickets.models import Ticket
from servicepact.tickets.services import record_part_stage

REASON_MAX = 500
SERIAL_MAX = 100


def _staff(actor: Actor) -> None:
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied(_("only provider staff manage spare parts"))


def _who(actor: Actor) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _quantity(value: Any, field: str = "quantity") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= QUANTITY_MAX:
        raise DomainValidationError(
            {field: [_("a whole number from 1 to %(max)s") % {"max": QUANTITY_MAX}]}
        )
    return value


def _text(field: str, value: str, limit: int, *, required: bool = False) -> str:
    text = (value or "").strip()
    if (required and not text) or len(text) > limit:
        message = (
            _("required, at most %(max)s characters")
            if required
            else _("at most %(max)s characters")
        )
        raise DomainValidationError({field: [message % {"max": limit}]})
    return text


# ---------------------------------------------------------------- catalogue and depots


def create_depot(
    *, name: str, timezone: str, address: str = "", active: bool = True, actor: Actor
) -> Depot:
    """A depot (``fieldservice.services.create_depot``), by provider staff."""
    _staff(actor)
    return fieldservice_services.create_depot(
        name=name or "", timezone=timezone, address=address, active=active
    )


@transaction.atomic
def create_part(
    *,
    part_number: str,
    description: str,
    unit_cost: Any,
    currency: str,
    compatible_models: list[str] | None = None,
    delivery_days: int = 0,
    actor: Actor,
) -> Part:
    """A catalogue entry; 422 naming each bad field (a duplicate part number too)."""
    _staff(actor)
    errors: dict[str, list[str]] = {}
    code = ""
    try:
        code = validate_currency(currency, "currency")
    except DomainValidationError as error:
        errors.update(error.errors)
    cost = None
    if code:
        try:
            cost = parse_amount(unit_cost, code, "unit_cost")
        except DomainValidationError as error:
            errors.update(error.errors)
    models_list = [str(m).strip() for m in compatible_models or [] if str(m).strip()]
    if any(len(m) > 100 for m in models_list) or len(models_list) > 200:
        errors["compatible_models"] = [_("at most 200 models of at most 100 characters")]
    if errors or cost is None:
        raise DomainValidationError(errors)
    part = Part(
        part_number=(part_number or "").strip(),
        description=(description or "").strip(),
        compatible_models=sorted(set(models_list)),
        unit_cost=cost,
        currency=code,
        delivery_days=delivery_days,
        created_at=current_time(),
    )
    save_validated(part)
    return part


def _balance(part: Part, depot: Depot, *, create: bool) -> StockBalance | None:
    """The (part, depot)'s balance row, locked until the transaction ends."""
    if create:
        StockBalance.objects.get_or_create(part=part, depot=depot)
    return StockBalance.objects.select_for_update().filter(part=part, depot=depot).first()


@transaction.atomic
def set_threshold(*, part: Part, depot: Depot, threshold: Any, actor: Actor) -> StockBalance:
    """The depot's low-stock threshold of a part (0: no alert)."""
    _staff(actor)
    if isinstance(threshold, bool) or not isinstance(threshold, int):
        raise DomainValidationError({"threshold": [_("a whole number")]})
    if not 0 <= threshold <= QUANTITY_MAX:
        raise DomainValidationError({"threshold": [_("from 0 to %(max)s") % {"max": QUANTITY_MAX}]})
    balance = _balance(part, depot, create=True)
    assert balance is not None
    balance.low_stock_threshold = threshold
    balance.save(update_fields=["low_stock_threshold"])
    _check_low(balance, levels(part.pk, depot.pk), current_time())
    return balance


# ---------------------------------------------------------------- the ledger


def _move(
    balance: StockBalance,
    kind: str,
    *,
    on_hand: int = 0,
    reserved: int = 0,
    faulty: int = 0,
    actor: Actor,
    at: datetime | None = None,
    **links: Any,
) -> StockMovement:
    """Appends one movement to a LOCKED balance, refusing any sum below zero (or more
    reserved than on hand) with a 422 on ``quantity``."""
    before = levels(balance.part_id, balance.depot_id)
    after = Levels(
        on_hand=before.on_hand + on_hand,
        reserved=before.reserved + reserved,
        faulty=before.faulty + faulty,
    )
    if min(after.on_hand, after.reserved, after.faulty, after.available) < 0:
        raise DomainValidationError(
            {
                "quantity": [
                    _("only %(available)s available (%(on_hand)s on hand, %(reserved)s reserved)")
                    % {
                        "available": before.available,
                        "on_hand": before.on_hand,
                        "reserved": before.reserved,
                    }
                ]
            }
        )
    moment = require_aware(at, "at") if at is not None else current_time()
    row = StockMovement(
        part_id=balance.part_id,
        depot_id=balance.depot_id,
        kind=kind,
        on_hand_delta=on_hand,
        reserved_delta=reserved,
        faulty_delta=faulty,
        at=moment,
        recorded_by=_who(actor),
        **links,
    )
    row.save()
    _check_low(balance, after, moment)
    return row


def _check_low(balance: StockBalance, now_levels: Levels, moment: datetime) -> None:
    """One alert per crossing below the threshold: ``low_since`` is set at the crossing and
    cleared when available is back at or above it; the alert's key carries the crossing
    number, so a retried transaction never tells twice."""
    low = now_levels.available < balance.low_stock_threshold
    if low and balance.low_since is None:
        balance.low_since = moment
        balance.crossings += 1
        balance.save(update_fields=["low_since", "crossings"])
        _tell_low(balance, now_levels, moment)
    elif not low and balance.low_since is not None:
        balance.low_since = None
        balance.save(update_fields=["low_since"])


def _tell_low(balance: StockBalance, now_levels: Levels, moment: datetime) -> None:
    values = {
        "part": balance.part.part_number,
        "depot": balance.depot.name,
        "available": now_levels.available,
        "threshold": balance.low_stock_threshold,
    }
    for user in duty().users:
        with translation.override(language_for(user)):
            message = Message(
                event="stock.low",
                subject=_("Low stock: %(part)s at %(depot)s") % values,
                body=_(
                    "%(available)s of %(part)s available at %(depot)s, below the threshold "
                    "of %(threshold)s. Order or transfer stock."
                )
                % values,
                payload={**values, "balance": balance.pk, "crossing": balance.crossings},
            )
            notify_user(
                key=f"stock-low:{balance.pk}:{balance.crossings}",
                user=user,
                message=message,
                now=moment,
            )


@transaction.atomic
def receive_stock(
    *, part: Part, depot: Depot, quantity: Any, actor: Actor, reason: str = ""
) -> StockMovement:
    """Parts arrived at a depot (+quantity on hand)."""
    _staff(actor)
    count = _quantity(quantity)
    reason = _text("reason", reason, REASON_MAX)
    balance = _balance(part, depot, create=True)
    assert balance is not None
    return _move(balance, MovementKind.RECEIVED, on_hand=count, actor=actor, reason=reason)


@transaction.atomic
def adjust_stock(
    *, part: Part, depot: Depot, delta: Any, reason: str, actor: Actor
) -> StockMovement:
    """A counted correction (±delta on hand); the reason is required."""
    _staff(actor)
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise DomainValidationError({"delta": [_("a whole number other than 0")]})
    _quantity(abs(delta), "delta")
    reason = _text("reason", reason, REASON_MAX, required=True)
    balance = _balance(part, depot, create=True)
    assert balance is not None
    try:
        return _move(balance, MovementKind.ADJUSTED, on_hand=delta, actor=actor, reason=reason)
    except DomainValidationError as error:
        raise DomainValidationError({"delta": error.errors["quantity"]}) from error


@transaction.atomic
def transfer_stock(
    *, part: Part, source: Depot, target: Depot, quantity: Any, actor: Actor, reason: str = ""
) -> tuple[StockMovement, StockMovement]:
    """Moves available parts between depots: two rows, one per depot. The two balance rows
    are locked in id order so two opposite transfers cannot deadlock."""
    _staff(actor)
    count = _quantity(quantity)
    if source.pk == target.pk:
        raise DomainValidationError({"target": [_("must differ from the source depot")]})
    reason = _text("reason", reason, REASON_MAX)
    StockBalance.objects.get_or_create(part=part, depot=target)
    StockBalance.objects.get_or_create(part=part, depot=source)
    locked = {
        b.depot_id: b
        for b in StockBalance.objects.select_for_update()
        .filter(part=part, depot__in=[source, target])
        .order_by("pk")
    }
    out = _move(
        locked[source.pk],
        MovementKind.TRANSFERRED,
        on_hand=-count,
        actor=actor,
        reason=reason,
        counterpart=target,
    )
    into = _move(
        locked[target.pk],
        MovementKind.TRANSFERRED,
        on_hand=count,
        actor=actor,
        reason=reason,
        counterpart=source,
    )
    return out, into


# ---------------------------------------------------------------- reservations


@transaction.atomic
def reserve_part(
    *,
    ticket: Ticket,
    part: Part,
    depot: Depot,
    quantity: Any,
    actor: Actor,
    work_order_id: int | None = None,
) -> Reservation:
    """Holds available parts for an open ticket (422 on ``quantity`` beyond what is
    available, 409 on a closed ticket). The ticket's first reservation records its
    ``part_ordered`` stage (the parts_delivery clock starts)."""
    _staff(actor)
    count = _quantity(quantity)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)  # its status now
    if ticket.status not in OPEN_STATUSES:
        raise TransitionError(
            _("parts are reserved for open tickets; %(ticket)s is not open")
            % {"ticket": ticket.number}
        )
    if (
        work_order_id is not None
        and not WorkOrder.objects.filter(pk=work_order_id, ticket=ticket).exists()
    ):
        raise DomainValidationError(
            {"work_order_id": [_("not a work order of ticket %(t)s") % {"t": ticket.number}]}
        )
    balance = _balance(part, depot, create=False)
    if balance is None:
        raise DomainValidationError(
            {"quantity": [_("only %(available)s available") % {"available": 0}]}
        )
    moment = current_time()
    reservation = Reservation.objects.create(
        ticket=ticket,
        part=part,
        depot=depot,
        quantity=count,
        reserved_at=moment,
        work_order_id=work_order_id,
        created_by=_who(actor),
    )
    _move(
        balance,
        MovementKind.RESERVED,
        reserved=count,
        actor=actor,
        at=moment,
        ticket=ticket,
        reservation=reservation,
    )
    record_part_stage(
        ticket=ticket,
        actor=actor,
        stage=EventKind.PART_ORDERED,
        part_number=part.part_number,
        quantity=count,
        at=moment,
    )
    return reservation


def _lock_reservation(
    reservation: Reservation, allowed: tuple[str, ...], action: str
) -> Reservation:
    row = (
        Reservation.objects.select_for_update(of=("self",))
        .select_related("ticket", "part", "depot")
        .get(pk=reservation.pk)
    )
    if row.status not in allowed:
        raise TransitionError(
            _("cannot %(action)s a reservation that is %(status)s")
            % {"action": action, "status": ReservationStatus(row.status).label}
        )
    return row


def _delivered_stage(row: Reservation, actor: Actor, moment: datetime) -> None:
    """The ticket's ``part_delivered`` stage, once nothing it waits for is still on the way."""
    waiting = Reservation.objects.filter(
        ticket_id=row.ticket_id, status=ReservationStatus.RESERVED
    ).exclude(pk=row.pk)
    if not waiting.exists():
        record_part_stage(
            ticket=row.ticket,
            actor=actor,
            stage=EventKind.PART_DELIVERED,
            part_number=row.part.part_number,
            at=moment,
        )


@transaction.atomic
def deliver_reservation(
    *, reservation: Reservation, actor: Actor, at: datetime | None = None
) -> Reservation:
    """The reserved part reached the site (``at`` may be earlier than now). When no other
    reservation of the ticket is still on the way, the ticket's ``part_delivered`` stage
    stops the parts_delivery clock."""
    _staff(actor)
    row = _lock_reservation(reservation, (ReservationStatus.RESERVED,), _("deliver"))
    moment = require_aware(at, "at") if at is not None else current_time()
    if moment < row.reserved_at or moment > current_time():
        raise DomainValidationError({"at": [_("between the reservation and now")]})
    _delivered_stage(row, actor, moment)
    row.status = ReservationStatus.DELIVERED
    row.delivered_at = moment
    row.save(update_fields=["status", "delivered_at"])
    return row


@transaction.atomic
def release_reservation(*, reservation: Reservation, actor: Actor) -> Reservation:
    """The parts go back to available stock; nothing is charged."""
    _staff(actor)
    row = _lock_reservation(reservation, OPEN_RESERVATION, _("release"))
    balance = _balance(row.part, row.depot, create=False)
    assert balance is not None
    moment = current_time()
    _move(
        balance,
        MovementKind.RELEASED,
        reserved=-row.quantity,
        actor=actor,
        at=moment,
        ticket=row.ticket,
        reservation=row,
    )
    row.status = ReservationStatus.RELEASED
    row.closed_at = moment
    row.save(update_fields=["status", "closed_at"])
    return row


def under_warranty(ticket: Ticket, day: date, *, covered_by_contract: bool = False) -> bool:
    """A part is not charged when a warranty entitlement of the ticket's asset covers parts
    on ``day`` (``assets.selectors.parts_covered``), or the contract covers parts (stated by
    staff: contracts have no parts-coverage term yet)."""
    return covered_by_contract or parts_covered(ticket.asset_id, day)


@transaction.atomic
def consume_reservation(
    *, reservation: Reservation, actor: Actor, covered_by_contract: bool = False
) -> Reservation:
    """The reserved parts were fitted: they leave stock and become one part use on the
    ticket (``billing.parts.record_part``: charged at the period close unless under
    warranty). A part whose cost is in another currency than the contract's is refused
    (422 on ``currency``): billing charges in the contract's currency only."""
    _staff(actor)
    row = _lock_reservation(reservation, OPEN_RESERVATION, _("consume"))
    ticket, part = row.ticket, row.part
    contract = ticket.contract
    if contract is not None and contract.fee_currency != part.currency:
        raise DomainValidationError(
            {
                "currency": [
                    _("the part costs %(part)s; the contract charges %(contract)s")
                    % {"part": part.currency, "contract": contract.fee_currency}
                ]
            }
        )
    moment = current_time()
    free = under_warranty(
        ticket, local_date(moment, ticket.timezone), covered_by_contract=covered_by_contract
    )
    use = None
    if contract is not None or not free:
        # The charge side (a contract's part line, never charged under warranty). A ticket
        # covered by a warranty alone has no contract and nothing to charge: no part use;
        # without a contract and without warranty ``record_part`` refuses (422 on ticket).
        use = record_part(
            ticket=ticket,
            actor=actor,
            part_number=part.part_number,
            description=part.description,
            quantity=row.quantity,
            unit_price=Decimal(part.unit_cost),
            under_warranty=free,
        )
    balance = _balance(part, row.depot, create=False)
    assert balance is not None
    _move(
        balance,
        MovementKind.CONSUMED,
        on_hand=-row.quantity,
        reserved=-row.quantity,
        actor=actor,
        at=moment,
        ticket=ticket,
        reservation=row,
    )
    if row.status == ReservationStatus.RESERVED:
        _delivered_stage(row, actor, moment)  # fitted, so it was delivered
        row.delivered_at = moment
    row.status = ReservationStatus.CONSUMED
    row.closed_at = moment
    row.part_use = use
    row.save(update_fields=["status", "closed_at", "delivered_at", "part_use"])
    return row


# ---------------------------------------------------------------- RMA


@transaction.atomic
def open_rma(
    *,
    ticket: Ticket,
    part: Part,
    depot: Depot,
    faulty_serial: str,
    replacement_serial: str,
    actor: Actor,
    at: datetime | None = None,
) -> Rma:
    """A faulty part came out of the ticket's asset and a replacement went in: the RMA, the
    faulty part into the depot's faulty stock, and the asset's component history (the
    replacement serial from ``at``, closing the faulty one's record)."""
    _staff(actor)
    asset_id = ticket.asset_id
    if asset_id is None:
        raise DomainValidationError({"ticket": [_("the ticket names no asset")]})
    faulty = _text("faulty_serial", faulty_serial, SERIAL_MAX, required=True)
    replacement = _text("replacement_serial", replacement_serial, SERIAL_MAX, required=True)
    if faulty == replacement:
        raise DomainValidationError(
            {"replacement_serial": [_("must differ from the faulty serial")]}
        )
    asset = Asset.objects.select_for_update().get(pk=asset_id)
    moment = require_aware(at, "at") if at is not None else current_time()
    if moment > current_time():
        raise DomainValidationError({"at": [_("must not be in the future")]})
    current = asset.configuration.filter(
        kind=ComponentKind.PART, name=part.part_number, valid_to__isnull=True
    ).first()
    if current is not None and current.version != faulty:
        raise DomainValidationError(
            {
                "faulty_serial": [
                    _("the asset's %(part)s is serial %(serial)s")
                    % {"part": part.part_number, "serial": current.version}
                ]
            }
        )
    rma = Rma.objects.create(
        ticket=ticket,
        asset=asset,
        part=part,
        depot=depot,
        faulty_serial=faulty,
        replacement_serial=replacement,
        opened_at=moment,
        created_by=_who(actor),
    )
    record_component(
        asset=asset,
        kind=ComponentKind.PART,
        name=part.part_number,
        version=replacement,
        at=moment,
        source=f"RMA {rma.pk}: {faulty} -> {replacement} ({ticket.number})",
        actor=actor,
    )
    balance = _balance(part, depot, create=True)
    assert balance is not None
    _move(balance, MovementKind.RETURNED_FAULTY, faulty=1, actor=actor, ticket=ticket, rma=rma)
    return rma


@transaction.atomic
def advance_rma(*, rma: Rma, status: str, actor: Actor, vendor_reference: str = "") -> Rma:
    """open -> sent (the faulty part leaves the depot) -> credited / closed (409 otherwise)."""
    _staff(actor)
    row = Rma.objects.select_for_update(of=("self",)).select_related("part", "depot").get(pk=rma.pk)
    if status not in RMA_STEPS:
        raise DomainValidationError({"status": [_("one of: sent, credited, closed")]})
    if row.status not in RMA_STEPS[status]:
        raise TransitionError(
            _("an RMA that is %(now)s cannot become %(next)s")
            % {"now": RmaStatus(row.status).label, "next": RmaStatus(status).label}
        )
    reference = _text("vendor_reference", vendor_reference, 100)
    moment = current_time()
    fields = ["status"]
    if status == RmaStatus.SENT:
        balance = _balance(row.part, row.depot, create=True)
        assert balance is not None
        _move(balance, MovementKind.SENT_TO_VENDOR, faulty=-1, actor=actor, rma=row, at=moment)
        row.sent_at = moment
        fields.append("sent_at")
    else:
        row.closed_at = moment
        fields.append("closed_at")
    if reference:
        row.vendor_reference = reference
        fields.append("vendor_reference")
    row.status = status
    row.save(update_fields=fields)
    return row


# ---------------------------------------------------------------- standby machines


@transaction.atomic
def lend_loaner(
    *,
    asset: Asset,
    customer: Customer,
    lent_on: date,
    due_back_on: date,
    actor: Actor,
    ticket: Ticket | None = None,
    note: str = "",
) -> Loaner:
    """A standby machine of the provider lent to a customer (422: lent already, the
    customer's own asset, due back before lent, a ticket of another customer)."""
    _staff(actor)
    errors: dict[str, list[str]] = {}
    Asset.objects.select_for_update().filter(pk=asset.pk).first()
    if asset.customer_id == customer.pk:
        errors["asset"] = [_("a standby machine belongs to the provider, not to the customer")]
    elif Loaner.objects.filter(asset=asset, returned_on__isnull=True).exists():
        errors["asset"] = [_("this machine is lent already")]
    if due_back_on < lent_on:
        errors["due_back_on"] = [_("must not be before the day it is lent")]
    if ticket is not None and ticket.customer_id != customer.pk:
        errors["ticket"] = [_("a ticket of this customer")]
    note = note.strip()
    if len(note) > REASON_MAX:
        errors["note"] = [_("at most %(max)s characters") % {"max": REASON_MAX}]
    if errors:
        raise DomainValidationError(errors)
    return Loaner.objects.create(
        asset=asset,
        customer=customer,
        ticket=ticket,
        lent_on=lent_on,
        due_back_on=due_back_on,
        note=note,
        created_by=_who(actor),
    )


@transaction.atomic
def return_loaner(*, loaner: Loaner, returned_on: date, actor: Actor) -> Loaner:
    _staff(actor)
    row = Loaner.objects.select_for_update().get(pk=loaner.pk)
    if row.returned_on is not None:
        raise TransitionError(_("this machine is back already"))
    if returned_on < row.lent_on:
        raise DomainValidationError({"returned_on": [_("must not be before the day it was lent")]})
    row.returned_on = returned_on
    row.save(update_fields=["returned_on"])
    return row
