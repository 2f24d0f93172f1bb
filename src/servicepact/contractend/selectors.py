"""Reads of the contract end, scoped by tenancy: a contact sees its own customer's plans
(another's is a 404); staff see all, and the desk's list of unconfirmed exports."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from servicepact.contractend.choices import PlanStatus
from servicepact.contractend.models import ContractEndPlan
from servicepact.customers.selectors import is_staff, scope_to_customer


def plans_for(user: Any) -> QuerySet[ContractEndPlan]:
    qs = ContractEndPlan.objects.select_related(
        "contract", "contract__customer", "export_confirmed_by"
    ).order_by("ends_on", "id")
    return scope_to_customer(qs, user, field="contract__customer")


def unconfirmed_plans(user: Any) -> QuerySet[ContractEndPlan]:
    """Open plans whose customer has not confirmed its export (staff; nobody else)."""
    if not is_staff(user):
        return ContractEndPlan.objects.none()
    return plans_for(user).filter(status=PlanStatus.OPEN, export_confirmed_at__isnull=True)
