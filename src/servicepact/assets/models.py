from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicepact.assets.choices import AssetKind, ComponentKind
from servicepact.contracts.models import Contract
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
