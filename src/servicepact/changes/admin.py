from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from servicepact.changes.models import Change


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin[Change]):
    """Changes move through their services (API, desk, portal); the admin only reads them."""

    list_display = ["__str__", "customer", "planned_start", "planned_end", "status", "approved_by"]
    list_filter = ["status", "customer"]
    search_fields = ["title"]
    filter_horizontal = ["assets"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
