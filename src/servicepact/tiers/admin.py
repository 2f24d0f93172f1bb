"""The admin is a window: offers and downtime costs are read here; writes go through
tiers.services (the API and the demo)."""

from __future__ import annotations

from django.contrib import admin

from servicepact.core.admin import ReadOnlyAdmin
from servicepact.tiers.models import DowntimeCost, VendorOffer


@admin.register(VendorOffer)
class VendorOfferAdmin(ReadOnlyAdmin):
    list_display = ["customer", "vendor", "model", "hardware_price", "currency", "warranty_years"]
    list_select_related = ["customer"]


@admin.register(DowntimeCost)
class DowntimeCostAdmin(ReadOnlyAdmin):
    list_display = ["customer", "contract", "service", "cost_per_hour", "currency"]
    list_select_related = ["customer", "contract"]
