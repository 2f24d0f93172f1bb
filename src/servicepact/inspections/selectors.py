"""Reads of inspections with tenancy in one place: staff see every plan and visit, a
contact its customer's, anyone else nothing (another customer's visit is a 404)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from servicepact.customers.selectors import scope_to_customer
from servicepact.inspections.choices import VisitStatus
from servicepact.inspections.models import InspectionPlan, Visit


def plans_for(user: Any) -> QuerySet[InspectionPlan]:
    qs = InspectionPlan.objects.select_related("customer", "contract", "team")
    return scope_to_customer(qs, user, field="customer")


def visits_for(user: Any) -> QuerySet[Visit]:
    qs = Visit.objects.select_related("plan__customer", "plan__contract", "plan__team")
    return scope_to_customer(qs, user, field="plan__customer")


def upcoming_visits(user: Any, now: datetime) -> QuerySet[Visit]:
    """Scheduled visits from the start of ``now``'s day on, soonest first (the indexed
    (status, scheduled_at))."""
    return (
        visits_for(user)
        .filter(
            status=VisitStatus.SCHEDULED, scheduled_at__gte=now.replace(hour=0, minute=0, second=0)
        )
        .order_by("scheduled_at", "pk")
    )


def visit_detail(user: Any) -> QuerySet[Visit]:
    """Visits with what their page and report read (results, items, photos, tickets)."""
    return visits_for(user).prefetch_related(
        "plan__items", "plan__assets", "results__item", "results__asset", "results__ticket", "files"
    )
