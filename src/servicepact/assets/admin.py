"""Assets in the admin. An asset's own fields do not move deadlines (a ticket keeps the zone
and coverage it was opened with); its contract lines decide coverage and the availability
scope of credits, so they are added through ``POST /api/v1/contracts/{id}/lines``
(``assets.services.add_contract_line``) and are read-only here. Warranty entitlements decide coverage too (and feed
``warranty_end``): read-only here, written through ``/api/v1/warranties`` and the desk; vendor
contracts through ``/api/v1/vendor-contracts``."""

from __future__ import annotations

from django.contrib import admin

from servicepact.assets.models import (
    Asset,
    ContractLine,
    VendorContract,
    VendorTarget,
    WarrantyEntitlement,
)
from servicepact.core.admin import ReadOnlyAdmin, ReadOnlyInline


class ContractLineInline(ReadOnlyInline):
    model = ContractLine


class WarrantyInline(ReadOnlyInline):
    model = WarrantyEntitlement
    fk_name = "asset"
    fields = ["plan", "source", "labour_start", "labour_end", "onsite_end", "ends_on", "extends"]


class VendorTargetInline(ReadOnlyInline):
    model = VendorTarget


@admin.register(VendorContract)
class VendorContractAdmin(ReadOnlyAdmin):
    list_display = ["vendor", "kind", "start_date", "end_date", "calendar"]
    inlines = [VendorTargetInline]


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin[Asset]):
    list_display = [
        "hostname",
        "customer",
        "site",
        "model",
        "vendor",
        "serial_number",
        "warranty_end",
    ]
    list_filter = ["customer", "kind", "vendor"]
    search_fields = ["hostname", "serial_number"]
    inlines = [ContractLineInline, WarrantyInline]
    # Derived from the warranty entitlements (``assets.services``).
    readonly_fields = ["warranty_end"]
