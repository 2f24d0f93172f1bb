"""Inspection plans (recurrence, checklist, team), their generated visits, results per
checklist item, photos and the customer's signature (docs/inspections.md)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicepact.accounts.models import Team
from servicepact.assets.models import Asset
from servicepact.contracts.models import Contract
from servicepact.core.models import TimeStampedModel
from servicepact.customers.models import Customer
from servicepact.inspections.checks import Expectation
from servicepact.inspections.choices import (
    ADVICE_MAX_CHARS,
    LABEL_MAX_CHARS,
    NOTE_MAX_CHARS,
    VALUE_MAX_CHARS,
    ItemKind,
    VisitStatus,
)
from servicepact.tickets.models import Ticket


class InspectionPlan(TimeStampedModel):
    """Preventive visits for a contract (its listed assets) or for assets alone.

    ``rrule`` is an RFC 5545 RRULE (``FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO;BYSETPOS=1``) counted
    from ``starts_on``; each occurrence is at ``time_of_day`` in the customer's time zone."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="inspection_plans"
    )
    contract = models.ForeignKey(
        Contract,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="inspection_plans",
    )
    assets = models.ManyToManyField(
        Asset, blank=True, related_name="inspection_plans", verbose_name=_("assets")
    )
    name = models.CharField(_("name"), max_length=100)
    rrule = models.CharField(_("recurrence (RRULE)"), max_length=500)
    starts_on = models.DateField(_("starts on"))
    time_of_day = models.TimeField(_("local time of day"))
    duration_minutes = models.PositiveIntegerField(_("planned duration (minutes)"), default=120)
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspection_plans",
        verbose_name=_("assigned team"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Visits exist up to this instant; the worker extends plans whose horizon moved past it.
    generated_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["customer", "name", "pk"]
        indexes = [models.Index(fields=["is_active", "generated_until"], name="insp_plan_due")]
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    """One check of a plan's template and the value it expects (``inspections.checks``)."""

    plan = models.ForeignKey(InspectionPlan, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(_("position"))
    label = models.CharField(_("check"), max_length=LABEL_MAX_CHARS)
    kind = models.CharField(_("kind"), max_length=10, choices=ItemKind.choices)
    expected_text = models.CharField(_("expected text"), max_length=VALUE_MAX_CHARS, blank=True)
    min_value = models.DecimalField(
        _("minimum"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("maximum"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    expected_yes = models.BooleanField(_("expected answer is yes"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)

    class Meta:
        ordering = ["plan", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="insp_item_position")
        ]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    def __str__(self) -> str:
        return self.label

    @property
    def expectation(self) -> Expectation:
        return Expectation(
            kind=self.kind,
            expected_text=self.expected_text,
            min_value=self.min_value,
            max_value=self.max_value,
            expected_yes=self.expected_yes,
            unit=self.unit,
        )


class Visit(TimeStampedModel):
    """One occurrence of a plan: scheduled, then performed (results), then signed."""

    plan = models.ForeignKey(InspectionPlan, on_delete=models.CASCADE, related_name="visits")
    # The occurrence's local date in the customer's zone: with no two occurrences a day (the
    # rule's checks), (plan, occurs_on) names an occurrence whatever the zone does later.
    occurs_on = models.DateField(_("date"))
    scheduled_at = models.DateTimeField(_("scheduled for"))
    status = models.CharField(
        _("status"), max_length=12, choices=VisitStatus.choices, default=VisitStatus.SCHEDULED
    )
    performed_at = models.DateTimeField(_("performed at"), null=True, blank=True)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    advice = models.TextField(_("advice to the customer"), max_length=ADVICE_MAX_CHARS, blank=True)
    signer_name = models.CharField(_("signed by"), max_length=100, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signature = models.ForeignKey(
        "VisitFile", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["scheduled_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "occurs_on"], name="insp_visit_occurrence")
        ]
        indexes = [models.Index(fields=["status", "scheduled_at"], name="insp_visit_upcoming")]
        verbose_name = _("inspection visit")
        verbose_name_plural = _("inspection visits")

    def __str__(self) -> str:
        return f"{self.plan} {self.occurs_on.isoformat()}"


class VisitResult(models.Model):
    """The value found for one checklist item (on one of the plan's assets, if it lists any)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(ChecklistItem, on_delete=models.CASCADE, related_name="+")
    asset = models.ForeignKey(
        Asset, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    value = models.CharField(_("value"), max_length=VALUE_MAX_CHARS)
    passed = models.BooleanField(_("passed"))
    note = models.TextField(_("note"), max_length=NOTE_MAX_CHARS, blank=True)
    # The ticket the item's first failure opened; kept when a later save passes.
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["visit", "item__position", "asset_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "item", "asset"],
                condition=models.Q(asset__isnull=False),
                name="insp_result_asset",
            ),
            models.UniqueConstraint(
                fields=["visit", "item"],
                condition=models.Q(asset__isnull=True),
                name="insp_result_plain",
            ),
        ]
        verbose_name = _("inspection result")
        verbose_name_plural = _("inspection results")

    def __str__(self) -> str:
        return f"{self.item}: {self.value}"


def visit_file_path(instance: VisitFile, filename: str) -> str:
    return f"inspections/{instance.visit_id}/{uuid.uuid4().hex}/{filename}"


class VisitFile(models.Model):
    """A photo taken on the visit (or the customer's drawn signature)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="files")
    result = models.ForeignKey(
        VisitResult, on_delete=models.SET_NULL, null=True, blank=True, related_name="photos"
    )
    is_signature = models.BooleanField(default=False)
    file = models.FileField(_("file"), upload_to=visit_file_path, max_length=400)
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=150)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        ordering = ["visit", "uploaded_at", "pk"]
        verbose_name = _("visit file")
        verbose_name_plural = _("visit files")

    def __str__(self) -> str:
        return self.name
