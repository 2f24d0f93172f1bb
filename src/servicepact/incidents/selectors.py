"""Reads of emergency response, scoped by tenancy (``customers.selectors.scope_to_customer``).

Contacts see their own customer's major incidents and only *published* reports; runbooks,
classification and emergency contacts are the provider's working papers (staff only)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from servicepact.contracts.models import Contract
from servicepact.customers.selectors import is_staff, scope_to_customer
from servicepact.incidents.choices import DEFAULT_LEVELS, ReportStatus
from servicepact.incidents.models import (
    EmergencyContact,
    EventLevel,
    IncidentReport,
    MajorIncident,
    Runbook,
)


def levels_of(contract: Contract) -> list[EventLevel]:
    """The contract's classification, else the default one (unsaved rows, ``DEFAULT_LEVELS``)."""
    rows = list(EventLevel.objects.filter(contract=contract).order_by("level"))
    if rows:
        return rows
    return [
        EventLevel(
            contract=contract, level=level, name=str(name), priority=priority, major=level <= 2
        )
        for level, name, priority in DEFAULT_LEVELS
    ]


def level_for(contract: Contract, level: int) -> EventLevel | None:
    return next((row for row in levels_of(contract) if row.level == level), None)


def emergency_contacts_for(contract: Contract, level: int) -> QuerySet[EmergencyContact]:
    """Who is told of a major incident of ``level`` (``up_to_level`` >= level)."""
    return EmergencyContact.objects.filter(
        contract=contract, up_to_level__gte=level
    ).select_related("contact", "contact__user")


def runbooks_for_contract(contract: Contract) -> QuerySet[Runbook]:
    """The contract's own runbooks and those of its service plan."""
    return Runbook.objects.filter(Q(contract=contract) | Q(plan_id=contract.plan_id)).order_by(
        "title", "id"
    )


def runbooks_for(user: Any) -> QuerySet[Runbook]:
    if not is_staff(user):
        return Runbook.objects.none()
    return Runbook.objects.select_related("contract", "plan").order_by("title", "id")


def incidents_for(user: Any) -> QuerySet[MajorIncident]:
    qs = MajorIncident.objects.select_related(
        "ticket", "contract", "contract__customer", "declared_by", "report"
    )
    return scope_to_customer(qs, user, field="contract__customer")


def reports_for(user: Any) -> QuerySet[IncidentReport]:
    """Staff: every report; a contact: its customer's published ones (a draft is a 404)."""
    qs = IncidentReport.objects.select_related(
        "incident", "incident__ticket", "incident__contract", "credit"
    )
    if is_staff(user):
        return qs
    scoped = scope_to_customer(qs, user, field="incident__contract__customer")
    return scoped.filter(status=ReportStatus.PUBLISHED)
