"""Contract-side reads, scoped by tenancy.

Calendars and plans are the provider's catalogue: staff see all of them; a customer contact
sees the plans its customer has contracts on and the calendars those terms measure on (the
contact may recompute every figure, so it must be able to read the hours behind it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from servicepact.contracts.models import (
    Calendar,
    Contract,
    ContractVersion,
    KpiCommitment,
    ServicePlan,
    SlaTarget,
)
from servicepact.customers.selectors import contact_for, is_staff, scope_to_customer


def _customer_id(user: Any) -> int | None:
    """None for staff (no restriction); -1 for a stranger (sees nothing); else the contact's customer."""
    if is_staff(user):
        return None
    contact = contact_for(user)
    return contact.customer_id if contact is not None else -1


def _targets() -> Prefetch[str, QuerySet[SlaTarget]]:
    return Prefetch("targets", queryset=SlaTarget.objects.select_related("calendar"))


def calendars_for(user: Any) -> QuerySet[Calendar]:
    qs = Calendar.objects.prefetch_related("hours", "holidays", "overrides")
    customer_id = _customer_id(user)
    if customer_id is None:
        return qs
    plan_calendars = ServicePlan.objects.filter(contracts__customer=customer_id).values(
        "calendar_id"
    )
    target_calendars = SlaTarget.objects.filter(
        Q(plan__contracts__customer=customer_id)
        | Q(contract_version__contract__customer=customer_id)
    ).values("calendar_id")
    return qs.filter(Q(pk__in=plan_calendars) | Q(pk__in=target_calendars))


def plans_for(user: Any) -> QuerySet[ServicePlan]:
    qs = ServicePlan.objects.select_related("calendar").prefetch_related(_targets())
    customer_id = _customer_id(user)
    if customer_id is None:
        return qs
    return qs.filter(pk__in=Contract.objects.filter(customer=customer_id).values("plan_id"))


def _versions() -> QuerySet[ContractVersion]:
    return (
        ContractVersion.objects.select_related("created_by")
        .prefetch_related(_targets(), Prefetch("kpis", queryset=KpiCommitment.objects.all()))
        .order_by("number")
    )


def contracts_for(user: Any) -> QuerySet[Contract]:
    """Contracts with their versions loaded (numbers and instants; enough for lists)."""
    qs = Contract.objects.select_related("customer", "plan", "service_manager").prefetch_related(
        Prefetch("versions", queryset=ContractVersion.objects.order_by("number"))
    )
    return scope_to_customer(qs, user)


def get_contract(user: Any, pk: int) -> Contract:
    """The contract if the user may see it, else 404 (another customer's is never revealed)."""
    contract: Contract | None = (
        scope_to_customer(Contract.objects.select_related("customer", "plan"), user)
        .filter(pk=pk)
        .first()
    )
    if contract is None:
        raise Http404(_("No such contract"))
    return contract


def contracts_with_terms_for(user: Any) -> QuerySet[Contract]:
    """Contracts with every version's targets and KPIs, and the plan's targets (detail pages)."""
    qs = Contract.objects.select_related(
        "customer", "plan", "plan__calendar", "service_manager"
    ).prefetch_related(
        Prefetch("versions", queryset=_versions()),
        Prefetch("plan__targets", queryset=SlaTarget.objects.select_related("calendar")),
    )
    return scope_to_customer(qs, user)


def version_in_force(versions: list[ContractVersion], at: datetime) -> ContractVersion | None:
    """The version in force at ``at`` among loaded ``versions`` (None before the first)."""
    in_force = [v for v in versions if v.effective_from <= at]
    return max(in_force, key=lambda v: v.effective_from) if in_force else None
