"""Reads of the tier comparison, tenancy-scoped: a contact sees its own customer's rows."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from servicepact.customers.selectors import scope_to_customer
from servicepact.tiers.models import DowntimeCost, VendorOffer


def offers_for(user: Any) -> QuerySet[VendorOffer]:
    qs = VendorOffer.objects.select_related("customer", "warranty_plan", "upgrade_plan")
    return scope_to_customer(qs, user)


def downtime_costs_for(user: Any) -> QuerySet[DowntimeCost]:
    return scope_to_customer(DowntimeCost.objects.select_related("customer", "contract"), user)
