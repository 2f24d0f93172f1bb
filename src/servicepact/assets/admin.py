"""Assets in the admin. An asset's own fields do not move deadlines (a ticket keeps the zone
and coverage it was opened with); its contract lines decide coverage and the availability
scope of credits, so they are added through ``POST /api/v1/contracts/{id}/lines``
(``assets.services.add_contract_line``) and are read-only here."""

from __future__ import annotations

from django.contrib import admin

from servicepact.assets.models import Asset, ContractLine
from servicepact.core.admin import ReadOnlyInline


class ContractLineInline(ReadOnlyInline):
    model = ContractLine


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
    inlines = [ContractLineInline]
