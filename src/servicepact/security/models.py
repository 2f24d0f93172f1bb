"""Advisories, the vulnerabilities they open on a contract, security audits and findings.

A ``Vulnerability`` and a ``Finding`` are both *remediation items* (``Remediation``): one
severity, one contract, a deadline from the contract's commitment for that severity, a state
(open, mitigated, patched, accepted risk, false positive) and a clock the SLA engine derives
from the item's immutable ``RemediationEvent`` rows (docs/security-management.md).
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicepact.assets.models import Asset
from servicepact.changes.models import Change
from servicepact.contracts.choices import KpiKind
from servicepact.contracts.models import Contract, ContractVersion
from servicepact.customers.models import Customer
from servicepact.security.choices import (
    AuditKind,
    AuditStatus,
    ClockStatus,
    CvssSeverity,
    EventKind,
    RemediationState,
    Source,
)


class Advisory(models.Model):
    """A published vulnerability (CVE) with its CVSS v3.1 base vector and affected software."""

    cve_id = models.CharField(_("CVE id"), max_length=30, blank=True)
    osv_id = models.CharField(_("OSV id"), max_length=100, blank=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    cvss_vector = models.CharField(_("CVSS v3.1 vector"), max_length=200, blank=True)
    base_score = models.DecimalField(_("base score"), max_digits=3, decimal_places=1)
    severity = models.CharField(_("severity"), max_length=10, choices=CvssSeverity.choices)
    software_name = models.CharField(_("software"), max_length=200, blank=True)
    affected = models.JSONField(_("affected versions"), default=dict, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )
    source_detail = models.CharField(_("source detail"), max_length=200, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cve_id"], condition=~models.Q(cve_id=""), name="advisory_unique_cve"
            ),
            models.UniqueConstraint(
                fields=["osv_id"], condition=~models.Q(osv_id=""), name="advisory_unique_osv"
            ),
        ]
        verbose_name = _("advisory")
        verbose_name_plural = _("advisories")

    def __str__(self) -> str:
        return f"{self.cve_id or self.osv_id}: {self.title}"

    @property
    def reference(self) -> str:
        return self.cve_id or self.osv_id


class Remediation(models.Model):
    """What a vulnerability and a finding share: the obligation and its clock."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="+")
    # The terms in force when the item was reported (like a ticket's): deadline and credits.
    contract_version = models.ForeignKey(
        ContractVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    severity = models.CharField(_("severity"), max_length=10, choices=CvssSeverity.choices)
    reported_at = models.DateTimeField(_("reported at"))
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=RemediationState.choices,
        default=RemediationState.OPEN,
        db_index=True,
    )
    mitigation = models.TextField(_("mitigation"), blank=True)
    patched_change = models.ForeignKey(
        Change,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("patched by change"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(_("risk accepted at"), null=True, blank=True)
    acceptance_note = models.TextField(_("why the risk is accepted"), blank=True)
    false_positive_reason = models.TextField(_("why it is a false positive"), blank=True)
    # The clock (derived from the events by security.clocks.refresh; never edited by hand).
    target_seconds = models.PositiveIntegerField(_("deadline (seconds)"), null=True, blank=True)
    measured_over = models.CharField(_("measured over"), max_length=10, blank=True)
    clock_status = models.CharField(
        _("clock"), max_length=10, choices=ClockStatus.choices, default=ClockStatus.RUNNING
    )
    deadline_at = models.DateTimeField(_("deadline"), null=True, blank=True, db_index=True)
    elapsed_seconds = models.PositiveIntegerField(default=0)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    breached_by_seconds = models.PositiveIntegerField(default=0)
    next_check_at = models.DateTimeField(null=True, blank=True)
    warned = models.PositiveSmallIntegerField(default=0)  # warnings already sent
    measurement = models.ForeignKey(
        "monitoring.Measurement", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    COMMITMENT_KIND: ClassVar[str] = KpiKind.PATCH_DEADLINE

    class Meta:
        abstract = True

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Vulnerability(Remediation):
    """An advisory on one contract's assets: its remediation is owed by the deadline."""

    advisory = models.ForeignKey(Advisory, on_delete=models.PROTECT, related_name="vulnerabilities")
    assets = models.ManyToManyField(Asset, related_name="vulnerabilities", blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )

    class Meta:
        ordering = ["-reported_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["advisory", "contract"], name="vulnerability_unique")
        ]
        indexes = [
            models.Index(
                fields=["next_check_at"],
                condition=models.Q(next_check_at__isnull=False),
                name="vuln_due_idx",
            ),
            models.Index(fields=["customer", "reported_at"], name="vuln_customer_idx"),
            models.Index(fields=["contract", "breached_at"], name="vuln_breach_idx"),
        ]
        verbose_name = _("vulnerability")
        verbose_name_plural = _("vulnerabilities")

    def __str__(self) -> str:
        return f"{self.number} {self.advisory.reference}"

    @property
    def number(self) -> str:
        return f"VULN-{self.pk:06d}" if self.pk else "VULN-new"

    @property
    def title(self) -> str:
        return self.advisory.title


def report_path(instance: SecurityAudit, filename: str) -> str:
    """``security-reports/<audit>/<random>/<name>``: unguessable, never colliding."""
    return f"security-reports/{instance.pk or 'new'}/{uuid.uuid4().hex}/{filename}"


class SecurityAudit(models.Model):
    """One security audit or third-party test of a contract: due, then done with findings."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=AuditKind.choices)
    title = models.CharField(_("title"), max_length=200)
    auditor = models.CharField(_("auditor"), max_length=200, blank=True)
    due_on = models.DateField(_("due on"))
    performed_on = models.DateField(_("performed on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=AuditStatus.choices, default=AuditStatus.SCHEDULED
    )
    scheduled = models.BooleanField(_("from the contract's schedule"), default=False)
    notice_sent = models.BooleanField(default=False)
    overdue_warned = models.BooleanField(default=False)
    report = models.FileField(_("report"), upload_to=report_path, max_length=400, blank=True)
    report_name = models.CharField(_("report file name"), max_length=255, blank=True)
    report_type = models.CharField(max_length=150, blank=True)
    report_size = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["-due_on", "-id"]
        indexes = [
            models.Index(
                fields=["due_on"],
                condition=models.Q(status="scheduled"),
                name="audit_due_idx",
            ),
            models.Index(fields=["customer", "due_on"], name="audit_customer_idx"),
        ]
        verbose_name = _("security audit")
        verbose_name_plural = _("security audits")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        return f"AUD-{self.pk:06d}" if self.pk else "AUD-new"


class Finding(Remediation):
    """One finding of an audit or test, to be rectified by the contract's deadline."""

    COMMITMENT_KIND: ClassVar[str] = KpiKind.RECTIFICATION_DEADLINE

    audit = models.ForeignKey(SecurityAudit, on_delete=models.CASCADE, related_name="findings")
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    assets = models.ManyToManyField(Asset, related_name="security_findings", blank=True)

    class Meta:
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_check_at"],
                condition=models.Q(next_check_at__isnull=False),
                name="finding_due_idx",
            ),
            models.Index(fields=["contract", "breached_at"], name="finding_breach_idx"),
        ]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        return f"FND-{self.pk:06d}" if self.pk else "FND-new"


class RemediationEvent(models.Model):
    """An immutable step of a vulnerability or a finding; the clock is replayed from these."""

    vulnerability = models.ForeignKey(
        Vulnerability, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    finding = models.ForeignKey(
        Finding, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(vulnerability__isnull=False, finding__isnull=True)
                | models.Q(vulnerability__isnull=True, finding__isnull=False),
                name="remediationevent_one_item",
            )
        ]
        verbose_name = _("remediation event")
        verbose_name_plural = _("remediation events")

    def __str__(self) -> str:
        return f"{self.kind} at {self.at.isoformat()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("remediation events are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("remediation events are immutable")


class SecurityBreachCredit(models.Model):
    """A vulnerability (patch) or finding (rectification) deadline missed earns
    ``credit_percent`` of the monthly fee per breach, by severity; part of the version's
    credit schedule (capped with the other lines by ``billing``)."""

    class Applies(models.TextChoices):
        VULNERABILITY = "vulnerability", _("Vulnerability patch deadline")
        FINDING = "finding", _("Finding rectification deadline")

    contract_version = models.ForeignKey(
        ContractVersion, on_delete=models.CASCADE, related_name="security_credits"
    )
    applies_to = models.CharField(_("applies to"), max_length=16, choices=Applies.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=CvssSeverity.choices)
    credit_percent = models.DecimalField(
        # xgettext:no-python-format
        _("credit per breach (% of the monthly fee)"),
        max_digits=5,
        decimal_places=2,
    )

    class Meta:
        ordering = ["contract_version", "applies_to", "severity"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract_version", "applies_to", "severity"],
                name="securitycredit_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(credit_percent__gte=0, credit_percent__lte=100),
                name="securitycredit_percent",
            ),
        ]
        verbose_name = _("security breach credit")
        verbose_name_plural = _("security breach credits")

    def __str__(self) -> str:
        return f"{self.applies_to} {self.severity}: {self.credit_percent.normalize()} %"
