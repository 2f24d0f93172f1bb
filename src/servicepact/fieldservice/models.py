"""Depots, engineers and work orders (docs/field-service.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicepact.core.time import validate_timezone
from servicepact.fieldservice.choices import (
    NAME_MAX,
    REASON_MAX,
    SIGNER_MAX,
    WorkOrderStatus,
)
from servicepact.tickets.models import Ticket


class Depot(models.Model):
    """A named location engineers start from (and, for spare parts, where stock is kept)."""

    name = models.CharField(_("name"), max_length=NAME_MAX, unique=True)
    address = models.TextField(_("address"), blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, validators=[validate_timezone])
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("depot")
        verbose_name_plural = _("depots")

    def __str__(self) -> str:
        return self.name


class Engineer(models.Model):
    """A staff user who goes on site: skills (tags), home depot, own time zone."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="engineer"
    )
    skills = models.JSONField(_("skills"), default=list, blank=True)
    home_depot = models.ForeignKey(
        Depot, on_delete=models.PROTECT, related_name="engineers", verbose_name=_("home depot")
    )
    timezone = models.CharField(_("time zone"), max_length=64, validators=[validate_timezone])
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("engineer")
        verbose_name_plural = _("engineers")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        user: Any = self.user
        return str(user.get_full_name() or user.get_username())


def signature_path(instance: WorkOrder, filename: str) -> str:
    return f"signatures/{instance.ticket_id}/{instance.pk}.png"


class WorkOrder(models.Model):
    """One visit of an engineer for a ticket (a ticket may need several). Its status moves
    by ``fieldservice.transitions``; each instant is stored when it happened."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="work_orders")
    engineer = models.ForeignKey(
        Engineer, on_delete=models.PROTECT, related_name="work_orders", verbose_name=_("engineer")
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=WorkOrderStatus.choices,
        default=WorkOrderStatus.PLANNED,
    )
    planned_arrival_at = models.DateTimeField(_("planned arrival"))
    dispatched_at = models.DateTimeField(_("dispatched at"))
    travel_started_at = models.DateTimeField(_("travel started at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    departed_at = models.DateTimeField(_("departed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=REASON_MAX, blank=True)
    work_done = models.TextField(_("work done"), blank=True)
    signer_name = models.CharField(_("signed by"), max_length=SIGNER_MAX, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signature_image = models.FileField(
        _("drawn signature"), upload_to=signature_path, max_length=200, blank=True
    )
    work_log = models.ForeignKey(
        "billing.WorkLog",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("work log"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["planned_arrival_at", "id"]
        indexes = [
            # The dispatch board and "my day": one engineer's orders by planned arrival.
            models.Index(fields=["engineer", "planned_arrival_at"]),
            models.Index(fields=["planned_arrival_at"]),
        ]
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")

    def __str__(self) -> str:
        return f"WO-{self.pk}"

    @property
    def on_site_minutes(self) -> int | None:
        """Whole minutes from arrival to departure (seconds dropped), once both are known."""
        if self.arrived_at is None or self.departed_at is None:
            return None
        return _whole_minutes(self.arrived_at, self.departed_at)


def _whole_minutes(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds()) // 60
