"""Spare parts and standby machines (docs/field-service.md, ADR "Stock is a ledger").

Stock is a ledger: each movement is an immutable ``StockMovement`` row with its deltas; on
hand, reserved, available and faulty are sums of the rows of a (part, depot), never a number
edited in place. ``StockBalance`` is one row per (part, depot) that writers lock
(``select_for_update``) before they read the sums, so two reservations of the last unit
cannot both succeed; it also holds the depot's low-stock threshold and the alert state.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicepact.assets.models import Asset
from servicepact.billing.models import ImmutableRow, PartUse
from servicepact.customers.models import Customer
from servicepact.fieldservice.models import Depot, WorkOrder
from servicepact.stock.choices import MovementKind, ReservationStatus, RmaStatus
from servicepact.tickets.models import Ticket

QUANTITY_MAX = 10_000


class Part(models.Model):
    """A catalogue entry: one spare part number."""

    part_number = models.CharField(_("part number"), max_length=60, unique=True)
    description = models.CharField(_("description"), max_length=200)
    compatible_models = models.JSONField(_("compatible models"), default=list, blank=True)
    unit_cost = models.DecimalField(
        _("unit cost"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
    )
    currency = models.CharField(_("currency"), max_length=3)
    delivery_days = models.PositiveSmallIntegerField(
        _("typical delivery time (days)"), default=0, validators=[MaxValueValidator(365)]
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["part_number"]
        verbose_name = _("spare part")
        verbose_name_plural = _("spare parts")

    def __str__(self) -> str:
        return self.part_number


class StockBalance(models.Model):
    """The lock row of a (part, depot), its low-stock threshold and alert state. It holds no
    quantities: those are sums of the movements (``stock.selectors.balance``)."""

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="balances")
    depot = models.ForeignKey(Depot, on_delete=models.PROTECT, related_name="balances")
    low_stock_threshold = models.PositiveIntegerField(
        _("low-stock threshold"), default=0, validators=[MaxValueValidator(QUANTITY_MAX)]
    )
    # Set when available fell below the threshold (one alert per crossing), cleared when it
    # is back at or above it; ``crossings`` numbers the alerts (their idempotency key).
    low_since = models.DateTimeField(_("low since"), null=True, blank=True)
    crossings = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["part", "depot"]
        constraints = [
            models.UniqueConstraint(fields=["part", "depot"], name="stock_balance_unique")
        ]
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")

    def __str__(self) -> str:
        return f"{self.part_id}@{self.depot_id}"


class Reservation(models.Model):
    """Parts held for a ticket at a depot: reserved, then delivered, then consumed (or
    released back to stock)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="reservations")
    # The visit the parts go out with (optional: parts may be sent ahead of any visit).
    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="reservations"
    )
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="reservations")
    depot = models.ForeignKey(Depot, on_delete=models.PROTECT, related_name="reservations")
    quantity = models.PositiveIntegerField(
        _("quantity"), validators=[MinValueValidator(1), MaxValueValidator(QUANTITY_MAX)]
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ReservationStatus.choices,
        default=ReservationStatus.RESERVED,
    )
    reserved_at = models.DateTimeField(_("reserved at"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    part_use = models.OneToOneField(
        PartUse, on_delete=models.PROTECT, null=True, blank=True, related_name="reservation"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-reserved_at", "-id"]
        indexes = [models.Index(fields=["ticket", "status"], name="stock_reservation_ticket")]
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")

    def __str__(self) -> str:
        return f"{self.part_id} x{self.quantity} for {self.ticket_id}"


class Rma(models.Model):
    """A faulty part returned to its vendor: the faulty serial came out of the asset, the
    replacement serial went in (recorded in the asset's configuration history)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="rmas")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="rmas")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="rmas")
    depot = models.ForeignKey(Depot, on_delete=models.PROTECT, related_name="rmas")
    faulty_serial = models.CharField(_("faulty serial"), max_length=100)
    replacement_serial = models.CharField(_("replacement serial"), max_length=100)
    status = models.CharField(
        _("status"), max_length=16, choices=RmaStatus.choices, default=RmaStatus.OPEN
    )
    vendor_reference = models.CharField(_("vendor reference"), max_length=100, blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["status", "opened_at"], name="stock_rma_status")]
        verbose_name = _("RMA")
        verbose_name_plural = _("RMAs")

    def __str__(self) -> str:
        return f"RMA {self.pk} {self.faulty_serial}"


class StockMovement(ImmutableRow):
    """One ledger row: what moved, how many, why. Written once, never changed or deleted."""

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="movements")
    depot = models.ForeignKey(Depot, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("kind"), max_length=16, choices=MovementKind.choices)
    on_hand_delta = models.IntegerField(_("on hand"), default=0)
    reserved_delta = models.IntegerField(_("reserved"), default=0)
    faulty_delta = models.IntegerField(_("faulty"), default=0)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reservation = models.ForeignKey(
        Reservation, on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )
    rma = models.ForeignKey(
        Rma, on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )
    # A transfer's other depot (the target on the source's row and the other way round).
    counterpart = models.ForeignKey(
        Depot, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["part", "depot", "at"], name="stock_movement_ledger")]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")

    def __str__(self) -> str:
        return f"{self.kind} {self.part_id}@{self.depot_id}"


class Loaner(models.Model):
    """A standby machine of the provider (an asset) lent to a customer."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="loans")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="loaners")
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="loaners"
    )
    lent_on = models.DateField(_("lent on"))
    due_back_on = models.DateField(_("due back on"))
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-lent_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset"],
                condition=models.Q(returned_on__isnull=True),
                name="stock_loaner_one_open",
            ),
            models.CheckConstraint(
                condition=models.Q(due_back_on__gte=models.F("lent_on")),
                name="stock_loaner_due_after_lent",
            ),
        ]
        indexes = [models.Index(fields=["returned_on", "due_back_on"], name="stock_loaner_due")]
        verbose_name = _("standby machine loan")
        verbose_name_plural = _("standby machine loans")

    def __str__(self) -> str:
        return f"{self.asset_id} -> {self.customer_id}"
