"""Reads of the after-repair work, with tenancy (``customers.selectors.scope_to_customer``):
staff see every row, a contact its own customer's, anyone else nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet

from servicepact.aftercare.choices import ClaimStatus, FollowUpStatus
from servicepact.aftercare.models import FollowUp, GuaranteeClaim, Survey
from servicepact.customers.selectors import is_staff, scope_to_customer


def surveys_for(user: Any) -> QuerySet[Survey]:
    qs = Survey.objects.select_related("ticket", "contract").order_by("-answered_at", "-id")
    return scope_to_customer(qs, user)


def claims_for(user: Any) -> QuerySet[GuaranteeClaim]:
    qs = GuaranteeClaim.objects.select_related("ticket", "contract", "customer").order_by(
        "-raised_at", "-id"
    )
    return scope_to_customer(qs, user)


def followups_for(user: Any) -> QuerySet[FollowUp]:
    """Follow-ups are the desk's work: staff only (a contact gets none)."""
    if not is_staff(user):
        return FollowUp.objects.none()
    return FollowUp.objects.select_related("ticket", "customer", "assignee").order_by(
        "due_on", "id"
    )


def due_followups(user: Any, *, on: date | None = None) -> QuerySet[FollowUp]:
    """Open follow-ups (due by ``on`` when given), oldest due first: the partial index
    ``followup_open_due_idx``."""
    qs = followups_for(user).filter(status=FollowUpStatus.OPEN)
    return qs if on is None else qs.filter(due_on__lte=on)


def pending_claims(user: Any) -> QuerySet[GuaranteeClaim]:
    return claims_for(user).filter(status=ClaimStatus.PENDING).order_by("raised_at", "id")
