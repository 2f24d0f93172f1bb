"""Vocabularies of inspections: checklist item kinds, visit states, and which action each
state allows (read by services, desk, portal and API alike)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from servicepact.contracts.choices import Category, TicketKind
from servicepact.tickets.choices import Channel


class ItemKind(models.TextChoices):
    """How a checklist item's value is judged (``inspections.checks``)."""

    TEXT = "text", _("Text")
    NUMBER = "number", _("Number in a range")
    YES_NO = "yesno", _("Yes / no")


class VisitStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    PERFORMED = "performed", _("Performed")
    SIGNED = "signed", _("Signed by the customer")


class VisitAction(models.TextChoices):
    RECORD = "record", _("Record results")
    ADD_PHOTO = "photo", _("Add a photo")
    SIGN = "sign", _("Sign")


ALLOWED: dict[str, frozenset[str]] = {
    # Results may be corrected until the customer signs; a signed report is final.
    VisitAction.RECORD: frozenset({VisitStatus.SCHEDULED, VisitStatus.PERFORMED}),
    VisitAction.ADD_PHOTO: frozenset({VisitStatus.SCHEDULED, VisitStatus.PERFORMED}),
    VisitAction.SIGN: frozenset({VisitStatus.PERFORMED}),
}


def allowed(action: str, status: str) -> bool:
    return status in ALLOWED.get(action, frozenset())


# The ticket a failed item opens (docs/inspections.md "Failed items"): a hardware incident on
# site, impact and urgency 3 (the contract's matrix gives the priority, normally the lowest
# but one): a preventive finding is not an outage, but it needs a fix with a clock.
FAILED_ITEM_CATEGORY = Category.HARDWARE
FAILED_ITEM_KIND = TicketKind.INCIDENT
FAILED_ITEM_CHANNEL = Channel.ON_SITE
FAILED_ITEM_IMPACT = 3
FAILED_ITEM_URGENCY = 3

LABEL_MAX_CHARS = 200
VALUE_MAX_CHARS = 500
NOTE_MAX_CHARS = 2000
ADVICE_MAX_CHARS = 10_000
