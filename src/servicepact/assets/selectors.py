"""Asset reads, scoped by tenancy: a contact sees its own customer's assets and their lines."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from servicepact.assets.models import Asset, ContractLine
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
