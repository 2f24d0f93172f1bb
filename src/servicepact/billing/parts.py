"""Parts used on tickets (``PartUse``): entered from the desk ticket page and the API.

A part line names the part (number, description), the quantity, what one costs the
provider in the contract's currency, and whether it is under warranty. At the period close a
part out of warranty becomes a ``parts`` charge line at its cost plus the rate card's markup
(``billing.charge_rules.part_lines``); a part under warranty is never charged. As work logs,
a part of a month whose charges are produced cannot be added or removed (422 on ``date``).
No stock is kept (field service will bring one).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from servicepact.accounts.actors import Actor
from servicepact.billing.models import PartUse, PeriodCharge
from servicepact.billing.periods import Period
from servicepact.core.errors import DomainValidationError
from servicepact.core.money import parse_amount
from servicepact.core.time import local_date
from servicepact.core.time import now as current_time
from servicepact.tickets.models import Ticket

PART_NUMBER_MAX = PartUse._meta.get_field("part_number").max_length or 60
DESCRIPTION_MAX = PartUse._meta.get_field("description").max_length or 200
QUANTITY_MAX = 10_000


def _staff(actor: Actor) -> None:
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied(_("only provider staff record parts"))


def _month_open(ticket: Ticket, day: date, errors: dict[str, list[str]]) -> None:
    if ticket.contract_id is None:
        return
    period = str(Period(day.year, day.month))
    if PeriodCharge.objects.filter(contract_id=ticket.contract_id, period=period).exists():
        errors["date"] = [
            _("the charges of %(period)s are produced: the month is closed") % {"period": period}
        ]


@transaction.atomic
def record_part(
    *,
    ticket: Ticket,
    actor: Actor,
    part_number: str,
    description: str,
    quantity: Any,
    unit_price: Any,
    under_warranty: bool = False,
    day: date | None = None,
) -> PartUse:
    """Records a part used on a contract's ticket (staff, 403; 422 naming each bad field)."""
    _staff(actor)
    errors: dict[str, list[str]] = {}
    contract = ticket.contract
    if contract is None:
        raise DomainValidationError({"ticket": [_("the ticket has no contract to charge")]})
    today = local_date(current_time(), ticket.timezone)
    day = day or today
    if day > today:
        errors["date"] = [_("must not be in the future")]
    number = (part_number or "").strip()
    if not number or len(number) > PART_NUMBER_MAX:
        errors["part_number"] = [
            _("required, at most %(max)s characters") % {"max": PART_NUMBER_MAX}
        ]
    text = (description or "").strip()
    if not text or len(text) > DESCRIPTION_MAX:
        errors["description"] = [
            _("required, at most %(max)s characters") % {"max": DESCRIPTION_MAX}
        ]
    if (
        isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or not 1 <= quantity <= QUANTITY_MAX
    ):
        errors["quantity"] = [_("a whole number from 1 to %(max)s") % {"max": QUANTITY_MAX}]
    price = None
    try:
        price = parse_amount(unit_price, contract.fee_currency, "unit_price")
    except DomainValidationError as error:
        errors.update(error.errors)
    if not errors:
        _month_open(ticket, day, errors)
    if errors or price is None:
        raise DomainValidationError(errors)
    return PartUse.objects.create(
        ticket=ticket,
        date=day,
        part_number=number,
        description=text,
        quantity=quantity,
        unit_price=price,
        under_warranty=bool(under_warranty),
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=current_time(),
    )


@transaction.atomic
def delete_part(*, part: PartUse, actor: Actor) -> None:
    """Removes a wrongly entered part of an open month (staff, 403; 422 once charged)."""
    _staff(actor)
    part = PartUse.objects.select_for_update(of=("self",)).select_related("ticket").get(pk=part.pk)
    errors: dict[str, list[str]] = {}
    _month_open(part.ticket, part.date, errors)
    if errors:
        raise DomainValidationError(errors)
    part.delete()
