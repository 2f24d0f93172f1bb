from __future__ import annotations

from django.contrib import admin

from servicepact.assets.models import Asset, ContractLine


class ContractLineInline(admin.TabularInline):
    model = ContractLine
    extra = 0


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
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
