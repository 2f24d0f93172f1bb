"""Emergency response: event classification, emergency contacts, runbooks, major incidents and
their post-incident reports (docs/incidents.md)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicepact.backups.models import BackupRun
from servicepact.billing.models import CreditAudit, PeriodCredit
from servicepact.changes.models import Change
from servicepact.contracts.models import Contract, ServicePlan
from servicepact.customers.models import Contact
from servicepact.incidents.choices import ReportStatus, level_label
from servicepact.tickets.models import Ticket

ONE_TO_FOUR = [MinValueValidator(1), MaxValueValidator(4)]


class EventLevel(models.Model):
    """A contract's classification of events: level I (most severe) to IV, by impact and scope.

    ``priority`` is the ticket priority a declared incident of this level gets; ``major``
    says whether declaring it is a major incident (the emergency contacts are told at once)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="event_levels")
    level = models.PositiveSmallIntegerField(_("level"), validators=ONE_TO_FOUR)
    name = models.CharField(_("name"), max_length=100)
    criteria = models.TextField(_("impact and scope"), blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), validators=ONE_TO_FOUR)
    major = models.BooleanField(_("major incident"), default=True)

    class Meta:
        ordering = ["contract", "level"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "level"], name="eventlevel_unique")
        ]
        verbose_name = _("event level")
        verbose_name_plural = _("event levels")

    def __str__(self) -> str:
        return f"{level_label(self.level)} {self.name}"


class EmergencyContact(models.Model):
    """Who is told when a major incident is declared on a contract, up to which level.

    ``up_to_level`` 2 means levels I and II. A customer's contact (``contact``) or anyone
    by e-mail and phone (the provider's duty manager, the customer's CIO)."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="emergency_contacts"
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    role = models.CharField(_("role"), max_length=100, blank=True)
    up_to_level = models.PositiveSmallIntegerField(
        _("told of levels up to"), validators=ONE_TO_FOUR, default=4
    )

    class Meta:
        ordering = ["contract", "up_to_level", "name"]
        verbose_name = _("emergency contact")
        verbose_name_plural = _("emergency contacts")

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class Runbook(models.Model):
    """An emergency plan for one contract, or for every contract of a service plan."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, null=True, blank=True, related_name="runbooks"
    )
    plan = models.ForeignKey(
        ServicePlan, on_delete=models.CASCADE, null=True, blank=True, related_name="runbooks"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("steps"))
    updated_at = models.DateTimeField(_("updated at"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contract__isnull=True, plan__isnull=False)
                | models.Q(contract__isnull=False, plan__isnull=True),
                name="runbook_contract_xor_plan",
            )
        ]
        verbose_name = _("runbook")
        verbose_name_plural = _("runbooks")

    def __str__(self) -> str:
        return self.title


class MajorIncident(models.Model):
    """A ticket declared a major incident: its level, who declared it, who was told."""

    ticket = models.OneToOneField(Ticket, on_delete=models.PROTECT, related_name="major_incident")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(_("level"), validators=ONE_TO_FOUR)
    summary = models.TextField(_("summary"))
    declared_at = models.DateTimeField(_("declared at"), db_index=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    runbooks = models.ManyToManyField(Runbook, blank=True, related_name="incidents")
    notified = models.PositiveIntegerField(_("messages sent"), default=0)

    class Meta:
        ordering = ["-declared_at", "-id"]
        verbose_name = _("major incident")
        verbose_name_plural = _("major incidents")

    def __str__(self) -> str:
        return f"{level_label(self.level)} {self.ticket.number}"


class IncidentReport(models.Model):
    """The post-incident report: draft (staff only) until published to the customer.

    ``timeline`` is a list of ``{"at": ISO instant, "text": str, "event": id | null}``
    generated from the ticket's public events, then edited by staff."""

    incident = models.OneToOneField(MajorIncident, on_delete=models.CASCADE, related_name="report")
    status = models.CharField(
        _("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    timeline = models.JSONField(_("timeline"), default=list, blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    data_lost = models.BooleanField(_("data lost"), null=True, blank=True)
    data_loss = models.TextField(_("what data was lost"), blank=True)
    # The backup restored from: the run ServicePact knows (a good run of one of the
    # customer's assets), and a note (the snapshot's label, or a backup outside ServicePact).
    restored_run = models.ForeignKey(
        BackupRun,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("restored from backup run"),
    )
    restored_from = models.CharField(_("restored from (note)"), max_length=300, blank=True)
    achieved_rto_seconds = models.PositiveIntegerField(_("achieved RTO (s)"), null=True, blank=True)
    achieved_rpo_seconds = models.PositiveIntegerField(_("achieved RPO (s)"), null=True, blank=True)
    apology = models.TextField(_("apology"), blank=True)
    compensation_amount = models.DecimalField(
        _("compensation"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    compensation_currency = models.CharField(_("currency"), max_length=3, blank=True)
    compensation_text = models.TextField(_("compensation offered"), blank=True)
    credit = models.ForeignKey(
        PeriodCredit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    credit_audit = models.ForeignKey(
        CreditAudit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("post-incident report")
        verbose_name_plural = _("post-incident reports")

    def __str__(self) -> str:
        return f"{self.incident}: {self.status}"


class CorrectiveAction(models.Model):
    """One thing to do so that it does not happen again, followed as a ticket or a change."""

    report = models.ForeignKey(IncidentReport, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(_("corrective action"), max_length=300)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    change = models.ForeignKey(
        Change, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["report", "created_at", "id"]
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")

    def __str__(self) -> str:
        return self.description
