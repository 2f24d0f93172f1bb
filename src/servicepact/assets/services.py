"""Writes for assets and contract lines. Keyword-only, transactional, validated."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from servicepact.assets.models import (
    Asset,
    ContractLine,
    VendorContract,
    VendorTarget,
    WarrantyEntitlement,
)
from servicepact.contracts.metrics import metric_codes
from servicepact.contracts.models import Calendar, Contract, ServicePlan
from servicepact.core.errors import DomainValidationError
from servicepact.core.services import apply_changes as _apply
from servicepact.core.services import save_validated as _save
from servicepact.customers.models import Customer, Site
from servicepact.customers.services import check_site


@transaction.atomic
def create_asset(
    *, customer: Customer, hostname: str, site: Site | None = None, **fields: Any
) -> Asset:
    check_site(site, customer)
    asset = Asset(customer=customer, site=site, hostname=hostname.strip(), **fields)
    _save(asset)
    return asset


@transaction.atomic
def update_asset(*, asset: Asset, changes: dict[str, Any]) -> Asset:
    if "site" in changes:
        check_site(changes["site"], asset.customer)
    moved = "warranty_end" in changes and changes["warranty_end"] != asset.warranty_end
    if moved and asset.warranties.exists():
        raise DomainValidationError(
            {"warranty_end": [_("is the latest end of the asset's warranties: edit those")]}
        )
    _apply(asset, changes)
    _save(asset)
    return asset


@transaction.atomic
def add_contract_line(
    *,
    contract: Contract,
    asset: Asset,
    start_date: date | None = None,
    end_date: date | None = None,
) -> ContractLine:
    """Puts an asset under a contract from ``start_date`` (default: the term's start).

    The asset must be the contract customer's, the dates inside the term, and the line must
    not overlap another line of the same asset on the same contract.
    """
    start = start_date or contract.start_date
    errors: dict[str, list[str]] = {}
    if asset.customer_id != contract.customer_id:
        errors["asset"] = [
            _("asset %(asset)s does not belong to %(customer)s")
            % {"asset": asset.hostname, "customer": contract.customer}
        ]
    if contract.terminated_on is not None and start >= contract.terminated_on:
        errors["start_date"] = [
            _("contract %(contract)s ends on %(terminated_on)s")
            % {"contract": contract.number, "terminated_on": contract.terminated_on}
        ]
    if not contract.start_date <= start <= contract.end_date:
        errors["start_date"] = [
            _("must lie in the term %(start_date)s to %(end_date)s")
            % {
                "start_date": contract.start_date.isoformat(),
                "end_date": contract.end_date.isoformat(),
            }
        ]
    if end_date is not None and end_date < start:
        errors["end_date"] = [_("must not be before start_date")]
    elif end_date is not None and end_date > contract.end_date:
        errors["end_date"] = [
            _("must not be after the term's end %(end_date)s")
            % {"end_date": contract.end_date.isoformat()}
        ]
    if errors:
        raise DomainValidationError(errors)
    last = end_date or contract.end_date
    overlapping = (
        ContractLine.objects.filter(contract=contract, asset=asset, start_date__lte=last)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .exists()
    )
    if overlapping:
        raise DomainValidationError(
            {
                "asset": [
                    _("%(asset)s already has a line on %(contract)s in these dates")
                    % {"asset": asset.hostname, "contract": contract.number}
                ]
            }
        )
    return ContractLine.objects.create(
        contract=contract, asset=asset, start_date=start, end_date=end_date
    )


# ---------------------------------------------------------------- warranties

# (start field, end field) of each component of a warranty promise.
WARRANTY_COMPONENTS = (
    ("parts_start", "parts_end"),
    ("labour_start", "labour_end"),
    ("onsite_start", "onsite_end"),
)
WARRANTY_FIELDS = (
    "plan",
    "source",
    "reference",
    *(name for pair in WARRANTY_COMPONENTS for name in pair),
)


def _check_warranty(warranty: WarrantyEntitlement) -> None:
    """Each component's end on or after its start (the end field named); on site both
    dates or neither; an extension on the same asset, starting after what it extends."""
    errors: dict[str, list[str]] = {}
    for start_name, end_name in WARRANTY_COMPONENTS:
        start, end = getattr(warranty, start_name), getattr(warranty, end_name)
        if (start is None) != (end is None):
            missing = end_name if end is None else start_name
            errors[missing] = [_("give both on-site dates, or neither")]
        elif start is not None and end < start:
            errors[end_name] = [_("must not be before %(field)s") % {"field": start_name}]
    if warranty.plan_id is not None and not warranty.plan.is_active and warranty._state.adding:
        errors["plan"] = [_("tier %(plan)s is not active") % {"plan": warranty.plan.name}]
    extended = warranty.extends
    if extended is not None and extended.asset_id != warranty.asset_id:
        errors["extends"] = [_("must be a warranty of the same asset")]
    elif extended is not None and warranty.labour_start <= extended.labour_start:
        errors["labour_start"] = [
            _("an extension must start after %(day)s") % {"day": extended.labour_start}
        ]
    if errors:
        raise DomainValidationError(errors)
    dates = [getattr(warranty, n) for pair in WARRANTY_COMPONENTS for n in pair]
    dates = [d for d in dates if d is not None]
    warranty.starts_on, warranty.ends_on = min(dates), max(dates)


def _sync_warranty_end(asset: Asset) -> None:
    """``Asset.warranty_end`` is derived: the latest end of the asset's entitlements."""
    ends = asset.warranties.order_by("-ends_on").values_list("ends_on", flat=True)
    latest = ends.first()
    if latest is not None and asset.warranty_end != latest:
        asset.warranty_end = latest
        asset.save(update_fields=["warranty_end", "updated_at"])


@transaction.atomic
def create_warranty(
    *,
    asset: Asset,
    plan: ServicePlan,
    source: str,
    parts_start: date,
    parts_end: date,
    labour_start: date,
    labour_end: date,
    onsite_start: date | None = None,
    onsite_end: date | None = None,
    reference: str = "",
    extends: WarrantyEntitlement | None = None,
) -> WarrantyEntitlement:
    """A warranty entitlement on ``asset``; with ``extends``, an extension (续保) of it."""
    warranty = WarrantyEntitlement(
        asset=asset,
        plan=plan,
        source=source,
        reference=reference.strip(),
        extends=extends,
        parts_start=parts_start,
        parts_end=parts_end,
        labour_start=labour_start,
        labour_end=labour_end,
        onsite_start=onsite_start,
        onsite_end=onsite_end,
    )
    _check_warranty(warranty)
    _save(warranty)
    _sync_warranty_end(asset)
    return warranty


@transaction.atomic
def update_warranty(
    *, warranty: WarrantyEntitlement, changes: Mapping[str, Any]
) -> WarrantyEntitlement:
    """Changes the tier, source, reference or component dates. Tickets already opened keep
    the coverage and terms they were opened with."""
    warranty = WarrantyEntitlement.objects.select_for_update().get(pk=warranty.pk)
    unknown = sorted(set(changes) - set(WARRANTY_FIELDS))
    if unknown:
        raise DomainValidationError({name: [_("cannot be changed")] for name in unknown})
    _apply(warranty, dict(changes))
    _check_warranty(warranty)
    _save(warranty)
    _sync_warranty_end(warranty.asset)
    return warranty


@transaction.atomic
def extend_warranty(
    *,
    warranty: WarrantyEntitlement,
    ends_on: date,
    plan: ServicePlan | None = None,
    source: str | None = None,
    on_site: bool = True,
    reference: str = "",
) -> WarrantyEntitlement:
    """An extension (续保): a further entitlement from the day after ``warranty`` ends to
    ``ends_on``, every component (on site unless ``on_site`` is False), in the same tier
    unless ``plan`` upgrades it, from the same source unless ``source`` says otherwise."""
    start = warranty.ends_on + timedelta(days=1)
    if ends_on < start:
        raise DomainValidationError(
            {"ends_on": [_("must not be before %(day)s") % {"day": start.isoformat()}]}
        )
    return create_warranty(
        asset=warranty.asset,
        plan=plan or warranty.plan,
        source=source or warranty.source,
        parts_start=start,
        parts_end=ends_on,
        labour_start=start,
        labour_end=ends_on,
        onsite_start=start if on_site else None,
        onsite_end=ends_on if on_site else None,
        reference=reference,
        extends=warranty,
    )


# ---------------------------------------------------------------- vendor contracts


@transaction.atomic
def create_vendor_contract(
    *,
    vendor: str,
    kind: str,
    calendar: Calendar,
    start_date: date,
    end_date: date,
    targets: Mapping[str, int],
    assets: Iterable[Asset] = (),
    contracts: Iterable[Contract] = (),
    reference: str = "",
) -> VendorContract:
    """A vendor's back-to-back promise: ``targets`` maps a metric code to business minutes
    on ``calendar``; linked to assets and/or our contracts (the tickets that rely on it)."""
    errors: dict[str, list[str]] = {}
    if end_date < start_date:
        errors["end_date"] = [_("must not be before start_date")]
    known = set(metric_codes())
    bad = sorted(m for m in targets if m not in known)
    if bad:
        errors["targets"] = [_("unknown metric: %(codes)s") % {"codes": ", ".join(bad)}]
    elif not targets or any(int(minutes) <= 0 for minutes in targets.values()):
        errors["targets"] = [_("give at least one target of more than 0 minutes")]
    if errors:
        raise DomainValidationError(errors)
    contract = VendorContract(
        vendor=vendor.strip(),
        kind=kind,
        calendar=calendar,
        start_date=start_date,
        end_date=end_date,
        reference=reference.strip(),
    )
    _save(contract)
    VendorTarget.objects.bulk_create(
        VendorTarget(vendor_contract=contract, metric=metric, target_minutes=int(minutes))
        for metric, minutes in targets.items()
    )
    contract.assets.set(list(assets))
    contract.contracts.set(list(contracts))
    return contract
