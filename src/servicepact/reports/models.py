from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicepact.contracts.models import Contract
from servicepact.reports.choices import ExportStatus, StatementStatus


class Statement(models.Model):
    """The statement of a closed month, frozen as generated (one per contract and month)."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="statements")
    period = models.CharField(_("period"), max_length=7, help_text="YYYY-MM")
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=StatementStatus.choices,
        default=StatementStatus.GENERATED,
    )
    snapshot = models.JSONField(_("statement"))
    generated_at = models.DateTimeField(_("generated at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    recipients = models.JSONField(_("sent to"), default=list, blank=True)

    class Meta:
        ordering = ["-period", "contract"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "period"], name="statement_unique_period")
        ]
        verbose_name = _("statement")
        verbose_name_plural = _("statements")

    def __str__(self) -> str:
        return f"{self.contract_id} {self.period}"


class DailyAggregate(models.Model):
    """A closed day's decided clocks (provider time zone, settings.TIME_ZONE), frozen by the
    worker: one row per day, contract, metric and priority (reports.daily)."""

    day = models.DateField(_("day"))
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(_("metric"), max_length=32)
    priority = models.PositiveSmallIntegerField(_("priority"))
    decided = models.PositiveIntegerField(_("decided clocks"))
    breached = models.PositiveIntegerField(_("breached clocks"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "contract", "metric", "priority"], name="daily_aggregate_unique"
            )
        ]
        verbose_name = _("daily aggregate")
        verbose_name_plural = _("daily aggregates")

    def __str__(self) -> str:
        return f"{self.day} {self.contract_id} {self.metric} P{self.priority}"


class MonthToDate(models.Model):
    """The sum of a month's DailyAggregate rows from its 1st through ``day`` (provider time
    zone), stored with the freeze of the days (reports.services.store_month_to_date): the
    dashboard reads these (contracts x metrics x priorities) rows instead of every closed
    day's."""

    day = models.DateField(_("day"))
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(_("metric"), max_length=32)
    priority = models.PositiveSmallIntegerField(_("priority"))
    decided = models.PositiveIntegerField(_("decided clocks"))
    breached = models.PositiveIntegerField(_("breached clocks"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "contract", "metric", "priority"], name="month_to_date_unique"
            )
        ]

    def __str__(self) -> str:
        return f"..{self.day} {self.contract_id} {self.metric} P{self.priority}"


class AggregatedDay(models.Model):
    """A day whose DailyAggregate rows are complete (a day without decided clocks has none).
    ``month_to_date``: its MonthToDate rows are stored as well (every day of its month up to
    it is frozen, and they were summed after the last of those freezes)."""

    day = models.DateField(_("day"), unique=True)
    computed_at = models.DateTimeField(_("computed at"))
    month_to_date = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("aggregated day")
        verbose_name_plural = _("aggregated days")

    def __str__(self) -> str:
        return str(self.day)


class AuditExport(models.Model):
    """An audit export written by the worker into storage (reports.exports): who asked for
    which contract-month, how far the worker is, and the file once it is written."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(_("period"), max_length=7, help_text="YYYY-MM")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    done = models.PositiveIntegerField(_("rows written"), default=0)
    total = models.PositiveIntegerField(_("rows to write"), default=0)
    file = models.FileField(_("file"), upload_to="audit-exports/", blank=True)
    size = models.BigIntegerField(_("size in bytes"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expired_at = models.DateTimeField(_("file deleted at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="audit_export_status_idx")]
        verbose_name = _("audit export")
        verbose_name_plural = _("audit exports")

    def __str__(self) -> str:
        return f"{self.contract_id} {self.period} {self.status}"

    @property
    def filename(self) -> str:
        return f"audit-{self.contract.number}-{self.period}.zip"

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        return 0 if not self.total else min(99, self.done * 100 // self.total)
