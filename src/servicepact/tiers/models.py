"""Vendor offers and the customer's cost of downtime (docs/tier-replay.md)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from servicepact.contracts.models import Contract, ServicePlan
from servicepact.core.models import TimeStampedModel
from servicepact.customers.models import Customer
from servicepact.tiers.choices import DeliveredBy


class DowntimeCost(TimeStampedModel):
    """What an hour of downtime of a service costs the customer (the customer's number).

    ``contract`` None: the customer's cost for every contract without its own row.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="downtime_costs")
    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    service = models.CharField(_("service"), max_length=100, blank=True)
    cost_per_hour = models.DecimalField(
        _("cost of an hour of downtime"), max_digits=14, decimal_places=2
    )
    currency = models.CharField(_("currency"), max_length=3)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "contract"], name="downtimecost_unique_contract"
            ),
        ]
        verbose_name = _("downtime cost")
        verbose_name_plural = _("downtime costs")

    def __str__(self) -> str:
        return f"{self.customer} {self.service or self.contract or ''}: {self.cost_per_hour}/h"


class VendorOffer(TimeStampedModel):
    """A vendor's offer for a server and its after-sales service, as the buyer received it.

    The included warranty tier and the upgrade tier are service plans (a warranty tier IS a
    plan: its targets and calendar are what the replay measures against). Amounts are in
    ``currency``; ``extension_prices`` lists the price of each year after the included ones.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="vendor_offers")
    vendor = models.CharField(_("vendor"), max_length=100)
    model = models.CharField(_("model"), max_length=100)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    hardware_price = models.DecimalField(_("hardware price"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    warranty_years = models.PositiveSmallIntegerField(_("included warranty (years)"))
    warranty_plan = models.ForeignKey(
        ServicePlan, on_delete=models.PROTECT, related_name="+", verbose_name=_("included tier")
    )
    covers_parts = models.BooleanField(_("parts included"), default=True)
    covers_labour = models.BooleanField(_("labour included"), default=True)
    covers_onsite = models.BooleanField(_("on-site service included"), default=True)
    upgrade_plan = models.ForeignKey(
        ServicePlan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("upgrade tier"),
    )
    upgrade_price = models.DecimalField(
        _("upgrade price"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    extension_prices = models.JSONField(_("extension prices per year"), default=list, blank=True)
    delivered_by = models.CharField(
        _("service delivered by"), max_length=16, choices=DeliveredBy.choices
    )
    service_points = models.PositiveIntegerField(_("service points in the region"), default=0)
    repair_cost = models.DecimalField(
        _("out-of-warranty repair cost (parts and travel)"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
    )

    class Meta:
        ordering = ["customer", "vendor", "model", "id"]
        verbose_name = _("vendor offer")
        verbose_name_plural = _("vendor offers")

    def __str__(self) -> str:
        return f"{self.vendor} {self.model}"

    @property
    def tier(self) -> ServicePlan:
        """The tier the offer delivers: the upgrade when it has one, else the included one."""
        return self.upgrade_plan or self.warranty_plan
