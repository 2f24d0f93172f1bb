"""Backup policies, the sources that report runs, the runs, and recovery drills.

Achieved RPO is never stored: it is derived from the runs (rpo.py) as of any instant.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicepact.assets.models import Asset
from servicepact.backups.choices import (
    CopyLocation,
    DrillKind,
    DueStatus,
    RunStatus,
    SourceKind,
)
from servicepact.contracts.models import Contract, KpiCommitment
from servicepact.core.models import TimeStampedModel
from servicepact.customers.models import Customer
from servicepact.tickets.models import Ticket

MAX_MINUTES = 366 * 24 * 60  # a window or an RPO of more than a year is a typing error


class BackupPolicy(TimeStampedModel):
    """What of an asset is backed up under a contract, how often, kept how long, where."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="backup_policies")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="backup_policies")
    name = models.CharField(_("name"), max_length=100)
    volumes = models.CharField(_("volumes"), max_length=500, blank=True)
    databases = models.CharField(_("databases"), max_length=500, blank=True)
    window_minutes = models.PositiveIntegerField(
        _("backup window (minutes)"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_MINUTES)],
        help_text=_("A successful backup of every required copy is expected this often."),
    )
    retention_days = models.PositiveIntegerField(
        _("retention (days)"), validators=[MinValueValidator(1), MaxValueValidator(36_600)]
    )
    copy_local = models.BooleanField(_("local copy required"), default=True)
    copy_offsite = models.BooleanField(_("off-site copy required"), default=False)
    copy_other_zone = models.BooleanField(_("copy in another availability zone"), default=False)
    encrypted = models.BooleanField(_("encrypted"), default=True)
    rpo_minutes = models.PositiveIntegerField(
        _("RPO commitment (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_MINUTES)],
        help_text=_("Empty: the RPO commitment of the contract's terms."),
    )
    effective_from = models.DateTimeField(
        _("effective from"),
        help_text=_("Without any backup, the achieved RPO is counted from this instant."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["contract", "asset__hostname", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "asset", "name"], name="backuppolicy_unique_name"
            ),
            models.CheckConstraint(
                condition=models.Q(copy_local=True)
                | models.Q(copy_offsite=True)
                | models.Q(copy_other_zone=True),
                name="backuppolicy_some_copy",
            ),
        ]
        verbose_name = _("backup policy")
        verbose_name_plural = _("backup policies")

    def __str__(self) -> str:
        return f"{self.asset} {self.name}"

    @property
    def locations(self) -> list[str]:
        """The copy locations this policy requires, in a fixed order."""
        wanted = (
            (CopyLocation.LOCAL, self.copy_local),
            (CopyLocation.OFFSITE, self.copy_offsite),
            (CopyLocation.OTHER_ZONE, self.copy_other_zone),
        )
        return [str(location) for location, required in wanted if required]


class BackupWatch(models.Model):
    """The RPO clock of one (policy, required copy): when the worker looks next, and the
    incident it opened while the window is exceeded. Due work by an indexed column."""

    policy = models.ForeignKey(BackupPolicy, on_delete=models.CASCADE, related_name="watches")
    location = models.CharField(_("copy"), max_length=16, choices=CopyLocation.choices)
    next_check_at = models.DateTimeField(_("next check at"), null=True, blank=True)
    overdue_since = models.DateTimeField(_("window exceeded since"), null=True, blank=True)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["policy", "location"], name="backupwatch_unique")
        ]
        indexes = [
            models.Index(
                fields=["next_check_at"],
                name="backupwatch_due",
                condition=models.Q(next_check_at__isnull=False),
            )
        ]
        verbose_name = _("backup watch")
        verbose_name_plural = _("backup watches")

    def __str__(self) -> str:
        return f"{self.policy} {self.location}"


class BackupSource(TimeStampedModel):
    """A backup tool that reports runs with its own bearer token (stored as SHA-256)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=SourceKind.choices)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="backup_sources",
        help_text=_("If set, runs only match this customer's assets."),
    )
    default_location = models.CharField(
        _("copy location of its runs"),
        max_length=16,
        choices=CopyLocation.choices,
        default=CopyLocation.LOCAL,
        help_text=_("Used when a run does not say where its copy is."),
    )
    timezone = models.CharField(
        _("time zone of its reports"),
        max_length=64,
        default="UTC",
        help_text=_("Tools that write local times without a zone (Bacula) are read in it."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    token_prefix = models.CharField(_("token prefix"), max_length=16, editable=False)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("backup source")
        verbose_name_plural = _("backup sources")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class BackupRun(models.Model):
    """One backup job as its tool reported it. ``run_key`` (the tool's job or snapshot id) is
    unique per source: a later report of the same run (started, then finished) updates it."""

    source = models.ForeignKey(
        BackupSource, on_delete=models.CASCADE, null=True, blank=True, related_name="runs"
    )
    run_key = models.CharField(_("run id"), max_length=200)
    host = models.CharField(_("host"), max_length=253, blank=True)
    asset = models.ForeignKey(
        Asset, on_delete=models.SET_NULL, null=True, blank=True, related_name="backup_runs"
    )
    location = models.CharField(_("copy"), max_length=16, choices=CopyLocation.choices)
    status = models.CharField(_("status"), max_length=16, choices=RunStatus.choices)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    size_bytes = models.BigIntegerField(_("size (bytes)"), null=True, blank=True)
    files = models.BigIntegerField(_("files"), null=True, blank=True)
    snapshot = models.CharField(_("snapshot"), max_length=200, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["source", "run_key"], name="backuprun_unique_key")
        ]
        indexes = [
            # The last good backup of an asset's copy as of an instant (rpo.py, selectors).
            models.Index(
                fields=["asset", "location", "finished_at"],
                name="backuprun_good",
                condition=models.Q(status=RunStatus.SUCCEEDED),
            ),
            models.Index(fields=["asset", "-started_at"], name="backuprun_asset_recent"),
        ]
        verbose_name = _("backup run")
        verbose_name_plural = _("backup runs")

    def __str__(self) -> str:
        return f"{self.host or self.asset_id} {self.run_key} {self.status}"


# ---------------------------------------------------------------- drills


class DrillSchedule(TimeStampedModel):
    """A drill the contract requires every ``interval_months`` (3: quarterly, 12: yearly)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="drill_schedules")
    kind = models.CharField(_("kind"), max_length=16, choices=DrillKind.choices)
    scope = models.CharField(_("scope"), max_length=500, blank=True)
    interval_months = models.PositiveSmallIntegerField(
        _("every (months)"), validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    first_due_on = models.DateField(_("first due on"))
    warn_days = models.PositiveSmallIntegerField(
        _("warn (days before)"), default=14, validators=[MaxValueValidator(365)]
    )
    rto_minutes = models.PositiveIntegerField(
        _("RTO commitment (minutes)"),
        null=True,
        blank=True,
        help_text=_("Empty: the RTO commitment of the contract's terms."),
    )
    rpo_minutes = models.PositiveIntegerField(
        _("RPO commitment (minutes)"),
        null=True,
        blank=True,
        help_text=_("Empty: the RPO commitment of the contract's terms."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Derived from the contract's backup-drill commitment (``drills.sync_drill_schedules``
    # keeps it in step with the KPI in force); None: a schedule set up by hand.
    kpi = models.ForeignKey(
        KpiCommitment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from the commitment"),
    )

    class Meta:
        ordering = ["contract", "kind"]
        verbose_name = _("drill schedule")
        verbose_name_plural = _("drill schedules")

    def __str__(self) -> str:
        return f"{self.contract} {self.get_kind_display()}"


def evidence_path(instance: DrillEvidence, filename: str) -> str:
    """``drills/<drill>/<random>/<name>``: unguessable, and two files never collide."""
    return f"drills/{instance.drill_id}/{uuid.uuid4().hex}/{filename}"


class Drill(TimeStampedModel):
    """One restore drill or failover test as it happened, signed off by the customer."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="drills")
    schedule = models.ForeignKey(
        DrillSchedule, on_delete=models.SET_NULL, null=True, blank=True, related_name="drills"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=DrillKind.choices)
    scope = models.CharField(_("scope"), max_length=500)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    achieved_rto_minutes = models.PositiveIntegerField(
        _("achieved RTO (minutes)"), null=True, blank=True
    )
    achieved_rpo_minutes = models.PositiveIntegerField(
        _("achieved RPO (minutes)"), null=True, blank=True
    )
    succeeded = models.BooleanField(_("succeeded"))
    summary = models.TextField(_("summary"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    signoff_note = models.CharField(_("sign-off note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-finished_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(finished_at__gte=models.F("started_at")),
                name="drill_finished_after_start",
            )
        ]
        verbose_name = _("drill")
        verbose_name_plural = _("drills")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.finished_at:%Y-%m-%d}"


class DrillDue(models.Model):
    """One due date of a schedule: a clock that warns, then is done or missed (a breach)."""

    schedule = models.ForeignKey(DrillSchedule, on_delete=models.CASCADE, related_name="dues")
    due_on = models.DateField(_("due on"))
    due_at = models.DateTimeField(_("due at"))  # the end of due_on in the customer's zone
    status = models.CharField(
        _("status"), max_length=16, choices=DueStatus.choices, default=DueStatus.PENDING
    )
    drill = models.ForeignKey(
        Drill, on_delete=models.SET_NULL, null=True, blank=True, related_name="dues"
    )
    escalation = models.PositiveSmallIntegerField(_("escalation step"), default=0)
    next_check_at = models.DateTimeField(_("next check at"), null=True, blank=True)
    missed_at = models.DateTimeField(_("missed at"), null=True, blank=True)

    class Meta:
        ordering = ["schedule", "due_on"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "due_on"], name="drilldue_unique")
        ]
        indexes = [
            models.Index(
                fields=["next_check_at"],
                name="drilldue_due",
                condition=models.Q(next_check_at__isnull=False),
            )
        ]
        verbose_name = _("drill due date")
        verbose_name_plural = _("drill due dates")

    def __str__(self) -> str:
        return f"{self.schedule} {self.due_on}"


class DrillEvidence(models.Model):
    """A file that proves what the drill did (logs, screenshots, the restore report)."""

    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=400)
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=150)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        ordering = ["drill", "uploaded_at", "pk"]
        verbose_name = _("drill evidence")
        verbose_name_plural = _("drill evidence")

    def __str__(self) -> str:
        return self.name


class DrillFinding(models.Model):
    """Something the drill showed that must be fixed, with its follow-up ticket."""

    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="findings")
    text = models.CharField(_("finding"), max_length=500)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["drill", "pk"]
        verbose_name = _("drill finding")
        verbose_name_plural = _("drill findings")

    def __str__(self) -> str:
        return self.text
