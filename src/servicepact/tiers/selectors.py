"""Reads of the tier comparison, tenancy-scoped: a contact sees its own customer's rows."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from servicepact.assets.models import Asset, ContractLine
from servicepact.contracts.models import Contract, ServicePlan
from servicepact.customers.models import Customer
from servicepact.customers.selectors import contact_for, is_staff, scope_to_customer
from servicepact.tiers.models import DowntimeCost, VendorOffer


def offers_for(user: Any) -> QuerySet[VendorOffer]:
    qs = VendorOffer.objects.select_related("customer", "warranty_plan", "upgrade_plan")
    return scope_to_customer(qs, user)


def downtime_costs_for(user: Any) -> QuerySet[DowntimeCost]:
    return scope_to_customer(DowntimeCost.objects.select_related("customer", "contract"), user)


def replay_plans_for(user: Any) -> QuerySet[ServicePlan]:
    """The plans a tier replay may be run under. Staff: every plan (a retired tier too). A
    contact: the active plans (``is_active``: what the provider still sells) and the plans
    of its own customer's contracts (so its own plan's replay is possible even once retired);
    none for anyone else."""
    plans = ServicePlan.objects.order_by("name")
    if is_staff(user):
        return plans
    contact = contact_for(user)
    if contact is None:
        return plans.none()
    own = Contract.objects.filter(customer_id=contact.customer_id).values("plan_id")
    return plans.filter(Q(is_active=True) | Q(pk__in=own)).distinct()


def replay_assets(
    *, customer: Customer | None = None, contract: Contract | None = None
) -> QuerySet[Asset]:
    """The assets a replay may be filtered to: the customer's, or those a line of the
    contract covers (or covered)."""
    if contract is not None:
        lines = ContractLine.objects.filter(contract=contract).values("asset_id")
        return Asset.objects.filter(customer_id=contract.customer_id, pk__in=lines)
    assert customer is not None
    return Asset.objects.filter(customer=customer)
