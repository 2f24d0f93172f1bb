from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from servicepact.assets.choices import AssetKind
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
