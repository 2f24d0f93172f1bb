"""Asset reads, scoped by tenancy: a contact sees its own customer's assets and their lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from servicepact.assets.models import Asset, ContractLine, VendorContract, WarrantyEntitlement
from servicepact.customers.selectors import scope_to_customer


def contract_lines_for(user: Any) -> QuerySet[ContractLine]:
    qs = ContractLine.objects.select_related("contract", "asset").order_by(
        "contract__number", "asset__hostname", "start_date", "id"
    )
    return scope_to_customer(qs, user, field="asset__customer")


def assets_for(user: Any) -> QuerySet[Asset]:
    lines = ContractLine.objects.select_related("contract").order_by("start_date", "id")
    qs = Asset.objects.select_related("customer", "site").prefetch_related(
        Prefetch("contract_lines", queryset=lines)
    )
    return scope_to_customer(qs, user)


def warranties_for(user: Any) -> QuerySet[WarrantyEntitlement]:
    """Warranty entitlements a user may see: a contact its own customer's assets' only."""
    qs = WarrantyEntitlement.objects.select_related("asset__customer", "plan", "extends")
    return scope_to_customer(qs, user, field="asset__customer")


def vendor_contracts() -> QuerySet[VendorContract]:
    """Vendor back-to-back contracts (provider staff only: the callers check)."""
    qs = VendorContract.objects.select_related("calendar").prefetch_related(
        "targets", "assets", "contracts"
    )
    return qs.order_by("vendor", "start_date", "id")


def superseded() -> Exists:
    """An entitlement of the same asset ending later (an extension or a newer warranty)."""
    later = WarrantyEntitlement.objects.filter(
        asset_id=OuterRef("asset_id"), ends_on__gt=OuterRef("ends_on")
    )
    return Exists(later)


def expiring_warranties(
    user: Any, *, today: date, within_days: int
) -> QuerySet[WarrantyEntitlement]:
    """Entitlements ending in [today, today + within_days] that nothing later supersedes
    (the desk's "expiring soon" list and the alert step read the same rule)."""
    qs = warranties_for(user).filter(
        ends_on__gte=today, ends_on__lte=today + timedelta(days=within_days)
    )
    return qs.exclude(superseded()).order_by("ends_on", "id")


@dataclass(frozen=True)
class WarrantyStatus:
    """An asset's warranty as a page shows it: the entitlement in force on ``today`` that
    ends last, else the one that ended last (``expired``); none recorded: no status."""

    warranty: WarrantyEntitlement
    in_force: bool

    @property
    def ends_on(self) -> date:
        return self.warranty.labour_end if self.in_force else self.warranty.ends_on


def warranty_status(warranties: list[WarrantyEntitlement], today: date) -> WarrantyStatus | None:
    in_force = [w for w in warranties if w.labour_on(today)]
    if in_force:
        return WarrantyStatus(max(in_force, key=lambda w: (w.labour_end, w.pk)), True)
    ended = [w for w in warranties if w.ends_on < today]
    if ended:
        return WarrantyStatus(max(ended, key=lambda w: (w.ends_on, w.pk)), False)
    return None


def parts_covered(asset_id: int | None, day: date) -> bool:
    """Whether a warranty entitlement of the asset covers parts on ``day`` (its parts
    component; an extension is an entitlement of its own). The one rule for "is this part
    free": spare-parts consumption (``stock.services``) asks it."""
    if asset_id is None:
        return False
    return WarrantyEntitlement.objects.filter(
        asset_id=asset_id, parts_start__lte=day, parts_end__gte=day
    ).exists()
