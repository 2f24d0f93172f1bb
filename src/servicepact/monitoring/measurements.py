"""Measured commitments that are not availability: DDoS peak, bandwidth, RPO, RTO.

A measurement is judged against the KPI commitment of the contract version in force at
``measured_at`` (choices.MEASURED_KINDS says in which direction). Without a commitment the
value is kept, unjudged (met NULL). A miss reported by a source with ``open_ticket_on_miss``
opens an incident ticket.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from servicepact.accounts.actors import Actor
from servicepact.assets.models import Asset
from servicepact.contracts.choices import KPI_UNITS, KpiKind
from servicepact.contracts.models import Contract, KpiCommitment
from servicepact.contracts.terms import version_in_force
from servicepact.core.errors import DomainValidationError
from servicepact.core.time import now as current_time
from servicepact.monitoring.choices import (
    DEFAULT_KPI_MISS_PRIORITY,
    KPI_MISS_SEVERITY,
    MEASURED_KINDS,
)
from servicepact.monitoring.models import AlertSource, Measurement
from servicepact.tickets import services as ticket_services
from servicepact.tickets.choices import Category, Channel, TicketKind

# A sender's clock may run a little ahead; such instants are taken as "now".
CLOCK_SKEW = timedelta(seconds=60)

_CATEGORIES: dict[str, Category] = {
    KpiKind.DDOS_CAPACITY: Category.DDOS,
    KpiKind.BANDWIDTH: Category.NETWORK,
    KpiKind.RPO: Category.BACKUP,
    KpiKind.RTO: Category.BACKUP,
}


def judge(kind: str, value: Decimal, target: Decimal) -> bool:
    if MEASURED_KINDS[kind] == "at_least":
        return value >= target
    return value <= target


def _validate(
    contract: Contract,
    kind: str,
    value: Any,
    unit: str,
    measured_at: datetime,
    asset: Asset | None,
) -> Decimal:
    errors: dict[str, list[str]] = {}
    number = Decimal(0)
    if kind not in MEASURED_KINDS:
        errors["kind"] = [_("must be one of %(choices)s") % {"choices": ", ".join(MEASURED_KINDS)}]
    try:
        number = Decimal(str(value))
        if not number.is_finite() or number < 0:
            errors["value"] = [_("must be a number >= 0")]
    except (InvalidOperation, ValueError):
        errors["value"] = [_("not a number: %(value)r") % {"value": value}]
    if kind in MEASURED_KINDS and unit and unit != KPI_UNITS[kind]:
        errors["unit"] = [
            _("%(kind)s is measured in %(KPI_UNITS)s, not %(unit)s")
            % {"kind": kind, "KPI_UNITS": KPI_UNITS[kind], "unit": unit}
        ]
    if measured_at.tzinfo is None or measured_at.utcoffset() is None:
        errors["measured_at"] = [_("must be an aware instant (with a UTC offset)")]
    elif measured_at > current_time() + CLOCK_SKEW:
        errors["measured_at"] = [_("must not be in the future")]
    if asset is not None and asset.customer_id != contract.customer_id:
        errors["asset"] = [
            _("%(asset)s is not an asset of %(customer)s")
            % {"asset": asset.hostname, "customer": contract.customer.name}
        ]
    if errors:
        raise DomainValidationError(errors)
    return number.quantize(Decimal("0.0001"))


def commitment_in_force(contract: Contract, kind: str, at: datetime) -> KpiCommitment | None:
    version = version_in_force(contract, at)
    if version is None:
        return None
    return version.kpis.filter(kind=kind).order_by("severity").first()


@transaction.atomic
def record_measurement(
    *,
    contract: Contract,
    kind: str,
    value: Any,
    measured_at: datetime | None = None,
    unit: str = "",
    asset: Asset | None = None,
    note: str = "",
    source: AlertSource | None = None,
    actor: Actor = None,
) -> Measurement:
    """Stores one measurement, judged against the commitment in force when it was measured."""
    measured_at = measured_at or current_time()
    number = _validate(contract, kind, value, unit, measured_at, asset)
    measured_at = min(measured_at, current_time())
    commitment = commitment_in_force(contract, kind, measured_at)
    met = judge(kind, number, commitment.target) if commitment is not None else None
    measurement = Measurement.objects.create(
        contract=contract,
        asset=asset,
        kind=kind,
        value=number,
        unit=KPI_UNITS[kind],
        measured_at=measured_at,
        source=source,
        recorded_by=actor if getattr(actor, "pk", None) else None,
        commitment=commitment,
        target=commitment.target if commitment is not None else None,
        met=met,
        note=note.strip(),
    )
    if met is False and source is not None and source.open_ticket_on_miss:
        measurement.ticket = _open_miss_ticket(measurement, source)
        measurement.save(update_fields=["ticket"])
    return measurement


def _open_miss_ticket(measurement: Measurement, source: AlertSource) -> Any:
    contract = measurement.contract
    label = KpiKind(measurement.kind).label
    value = format(measurement.value.normalize(), "f")
    target = format((measurement.target or Decimal(0)).normalize(), "f")
    priority = source.priority_for(KPI_MISS_SEVERITY, default=DEFAULT_KPI_MISS_PRIORITY)
    return ticket_services.open_ticket(
        customer=contract.customer,
        asset=measurement.asset,
        subject=f"{label} missed: {value} {measurement.unit} (committed {target})"[:200],
        description=(
            f"Contract {contract.number}: {label} measured {value} {measurement.unit} at "
            f"{measurement.measured_at.isoformat()} by {source.name}; the commitment in force "
            f"is {target} {measurement.unit}.\n{measurement.note}"
        ).strip(),
        channel=Channel.MONITORING,
        category=_CATEGORIES[measurement.kind],
        kind=TicketKind.INCIDENT,
        impact=priority,
        urgency=priority,
        priority=priority,
    )
