"""Choices of the after-repair work: follow-up channels and outcomes, claim kinds and states."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

SCORES = (1, 2, 3, 4, 5)


class Channel(models.TextChoices):
    CALL = "call", _("Telephone call")
    EMAIL = "email", _("E-mail")


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class Outcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    SATISFIED = "satisfied", _("Satisfied")
    NOT_SATISFIED = "not_satisfied", _("Not satisfied")
    NO_ANSWER = "no_answer", _("No answer")


class SurveyVia(models.TextChoices):
    LINK = "link", _("E-mail link")
    PORTAL = "portal", _("Portal")


class ClaimKind(models.TextChoices):
    REFUND = "refund", _("Refund")
    CREDIT = "credit", _("Credit")


class ClaimStatus(models.TextChoices):
    """pending -> approved | declined (a manager, with a reason)."""

    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


# Which claim action each status allows (services, desk, portal and API read this one table).
CLAIM_ACTIONS: dict[str, frozenset[str]] = {
    "approve": frozenset({ClaimStatus.PENDING}),
    "decline": frozenset({ClaimStatus.PENDING}),
}


def claim_allows(action: str, status: str) -> bool:
    return status in CLAIM_ACTIONS.get(action, frozenset())
