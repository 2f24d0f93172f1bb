from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicepact.assets.choices import AssetKind, ComponentKind, VendorKind, WarrantySource
from servicepact.contracts.models import Calendar, Contract, ServicePlan
from servicepact.core.models import TimeStampedModel
from servicepact.customers.models import Customer, Site


class Asset(TimeStampedModel):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="assets")
    site = models.ForeignKey(
        Site, on_delete=models.SET_NULL, null=True, blank=True, related_name="assets"
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=AssetKind.choices, default=AssetKind.SERVER
    )
    hostname = models.CharField(_("hostname"), max_length=253, db_index=True)
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True, db_index=True)
    model = models.CharField(_("model"), max_length=100, blank=True)
    vendor = models.CharField(_("vendor"), max_length=100, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    warranty_end = models.DateField(_("warranty end"), null=True, blank=True)
    labels = models.JSONField(_("labels"), default=dict, blank=True)

    class Meta:
        ordering = ["customer__name", "hostname"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "hostname"], name="asset_unique_hostname")
        ]
        verbose_name = _("asset")
        verbose_name_plural = _("assets")

    def __str__(self) -> str:
        return self.hostname

    def get_absolute_url(self) -> str:
        return f"/desk/assets/{self.pk}/"


class ContractLine(models.Model):
    """An asset covered by a contract from ``start_date`` to ``end_date`` (empty: the term's end)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="lines")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="contract_lines")
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        ordering = ["contract", "asset"]
        indexes = [models.Index(fields=["asset", "start_date"])]
        verbose_name = _("contract line")
        verbose_name_plural = _("contract lines")

    def __str__(self) -> str:
        return f"{self.contract.number}: {self.asset.hostname}"


class ConfigurationItem(models.Model):
    """One component version that ran on an asset during [valid_from, valid_to).

    ``valid_to`` empty: it still runs. A new version of the same (kind, name) closes the row
    before it (``assets.configuration.record_component``), so the rows are the history: "what
    ran on this server on a given date" is the rows whose interval contains that instant.
    """

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="configuration")
    kind = models.CharField(_("component kind"), max_length=16, choices=ComponentKind.choices)
    name = models.CharField(_("component"), max_length=120)
    version = models.CharField(_("version"), max_length=80)
    valid_from = models.DateTimeField(_("valid from"))
    valid_to = models.DateTimeField(_("valid to"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["asset", "kind", "name", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gt=models.F("valid_from")),
                name="configuration_interval_order",
            ),
            models.UniqueConstraint(
                fields=["asset", "kind", "name"],
                condition=models.Q(valid_to__isnull=True),
                name="configuration_one_current",
            ),
        ]
        indexes = [models.Index(fields=["asset", "valid_from"], name="configuration_asset_idx")]
        verbose_name = _("configuration record")
        verbose_name_plural = _("configuration records")

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


class WarrantyEntitlement(TimeStampedModel):
    """One dated warranty promise on an asset (docs/field-service.md).

    The tier IS a service plan: its targets, calendar and on-site target are the warranty's.
    Each component of the promise has its own dates: parts, labour (what the ticket clocks
    measure: coverage needs it in force) and on site (empty: no on-site promise; the on-site
    clock runs only while it is in force). An extension (续保) is a further entitlement whose
    ``extends`` names the one it follows. ``starts_on`` / ``ends_on`` are the earliest start
    and latest end of the components (stored by the services, for filters and alerts).
    """

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="warranties")
    plan = models.ForeignKey(
        ServicePlan, on_delete=models.PROTECT, related_name="warranties", verbose_name=_("tier")
    )
    source = models.CharField(_("source"), max_length=16, choices=WarrantySource.choices)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    extends = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="extensions",
        verbose_name=_("extends"),
    )
    parts_start = models.DateField(_("parts from"))
    parts_end = models.DateField(_("parts until"))
    labour_start = models.DateField(_("labour from"))
    labour_end = models.DateField(_("labour until"))
    onsite_start = models.DateField(_("on site from"), null=True, blank=True)
    onsite_end = models.DateField(_("on site until"), null=True, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), db_index=True)

    class Meta:
        ordering = ["asset", "starts_on", "id"]
        indexes = [models.Index(fields=["asset", "labour_start"], name="warranty_asset_idx")]
        verbose_name = _("warranty entitlement")
        verbose_name_plural = _("warranty entitlements")

    def __str__(self) -> str:
        return f"{self.asset.hostname}: {self.plan.name} ({self.starts_on} to {self.ends_on})"

    def labour_on(self, day: date) -> bool:
        return self.labour_start <= day <= self.labour_end

    def onsite_on(self, day: date) -> bool:
        return (
            self.onsite_start is not None
            and self.onsite_end is not None
            and self.onsite_start <= day <= self.onsite_end
        )


class WarrantyReminder(models.Model):
    """An expiry alert sent: one per (entitlement, end date, days before); the unique
    constraint makes the worker's step idempotent."""

    warranty = models.ForeignKey(
        WarrantyEntitlement, on_delete=models.CASCADE, related_name="reminders"
    )
    ends_on = models.DateField(_("ends on"))
    days = models.PositiveIntegerField(_("days before"))
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["warranty", "ends_on", "days"], name="warranty_reminder_once"
            )
        ]
        verbose_name = _("warranty reminder")
        verbose_name_plural = _("warranty reminders")

    def __str__(self) -> str:
        return f"{self.warranty_id}: {self.days}"


class VendorContract(TimeStampedModel):
    """A back-to-back promise a vendor (manufacturer or subcontractor) makes to us. Its
    targets run as clocks beside ours on the tickets that rely on it (the assets or our
    contracts it is linked to); they never produce customer credits."""

    vendor = models.CharField(_("vendor"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=VendorKind.choices)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    calendar = models.ForeignKey(
        Calendar, on_delete=models.PROTECT, related_name="+", verbose_name=_("calendar")
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    assets = models.ManyToManyField(Asset, blank=True, related_name="vendor_contracts")
    contracts = models.ManyToManyField(Contract, blank=True, related_name="vendor_contracts")

    class Meta:
        ordering = ["vendor", "start_date", "id"]
        verbose_name = _("vendor contract")
        verbose_name_plural = _("vendor contracts")

    def __str__(self) -> str:
        return self.vendor


class VendorTarget(models.Model):
    """A vendor's target for one metric (any priority), in business minutes on its calendar."""

    vendor_contract = models.ForeignKey(
        VendorContract, on_delete=models.CASCADE, related_name="targets"
    )
    metric = models.CharField(_("metric"), max_length=20)
    target_minutes = models.PositiveIntegerField(_("target (business minutes)"))

    class Meta:
        ordering = ["vendor_contract", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor_contract", "metric"], name="vendor_target_one_per_metric"
            )
        ]
        verbose_name = _("vendor target")
        verbose_name_plural = _("vendor targets")

    def __str__(self) -> str:
        return f"{self.metric}: {self.target_minutes}"
