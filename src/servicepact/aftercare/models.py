"""After the repair: the follow-up call, the satisfaction survey and the guarantee claim.

This app sits below billing and reports (pyproject's layers): billing reads approved claims
into the period charges and renewal risk reads CSAT; reports reads CSAT into the statement
and the dashboard. docs/field-service.md.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from servicepact.aftercare.choices import (
    Channel,
    ClaimKind,
    ClaimStatus,
    FollowUpStatus,
    Outcome,
    SurveyVia,
)
from servicepact.contracts.models import Contract, ServicePlan
from servicepact.core.models import TimeStampedModel
from servicepact.customers.models import Contact, Customer
from servicepact.tickets.models import Ticket

DEFAULT_FOLLOWUP_DAYS = 2
DEFAULT_GUARANTEE_DAYS = 7


class AftercarePolicy(TimeStampedModel):
    """The after-repair terms of a plan or of one contract (the contract's wins, then its
    plan's, then the defaults: follow-ups on, by telephone, 2 business days; 7 days)."""

    plan = models.OneToOneField(
        ServicePlan, on_delete=models.CASCADE, null=True, blank=True, related_name="aftercare"
    )
    contract = models.OneToOneField(
        Contract, on_delete=models.CASCADE, null=True, blank=True, related_name="aftercare"
    )
    followups_enabled = models.BooleanField(_("follow-up after resolution"), default=True)
    followup_channel = models.CharField(
        _("follow-up channel"), max_length=8, choices=Channel.choices, default=Channel.CALL
    )
    followup_business_days = models.PositiveSmallIntegerField(
        _("follow-up due after (business days)"),
        default=DEFAULT_FOLLOWUP_DAYS,
        validators=[MaxValueValidator(30)],
    )
    guarantee_days = models.PositiveSmallIntegerField(
        _("satisfaction guarantee window (days)"),
        default=DEFAULT_GUARANTEE_DAYS,
        validators=[MaxValueValidator(365)],
    )

    class Meta:
        verbose_name = _("aftercare policy")
        verbose_name_plural = _("aftercare policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(plan__isnull=True, contract__isnull=False)
                | Q(plan__isnull=False, contract__isnull=True),
                name="aftercare_policy_plan_xor_contract",
            )
        ]

    def __str__(self) -> str:
        return f"aftercare policy {self.contract_id or self.plan_id}"


class FollowUp(TimeStampedModel):
    """The follow-up (回访) of a resolved ticket: at most one per ticket."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="followup")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="followups")
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followups",
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=8, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=4000)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            models.Index(
                fields=["due_on", "id"],
                condition=Q(status="open"),
                name="followup_open_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"follow-up {self.ticket_id}"


class Survey(models.Model):
    """A customer's satisfaction (CSAT 1-5) with one ticket: exactly one per ticket."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="survey")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="surveys")
    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, null=True, blank=True, related_name="surveys"
    )
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True, max_length=4000)
    via = models.CharField(_("answered via"), max_length=8, choices=SurveyVia.choices)
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"))

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="survey_score_1_to_5"
            )
        ]
        indexes = [
            models.Index(fields=["contract", "answered_at"], name="survey_contract_at_idx"),
            # The partial hours of the dashboard's recent CSAT window (aftercare.csat_hours).
            models.Index(fields=["answered_at"], name="survey_answered_at_idx"),
        ]

    def __str__(self) -> str:
        return f"survey {self.ticket_id}: {self.score}"


class CsatHour(models.Model):
    """Deltas of the recent-CSAT counts of one UTC hour, appended by database triggers
    (aftercare.csat_hours): tickets under a contract resolved in the hour, those of them with
    a survey, and the surveys answered in the hour by score. An hour's rows add up to what its
    tickets and surveys say; the worker folds a past hour's rows into one."""

    hour = models.DateTimeField()
    resolved = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    score_1 = models.IntegerField(default=0)
    score_2 = models.IntegerField(default=0)
    score_3 = models.IntegerField(default=0)
    score_4 = models.IntegerField(default=0)
    score_5 = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["hour"], name="csat_hour_idx")]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}:00 {self.resolved}/{self.answered}"


class GuaranteeClaim(TimeStampedModel):
    """A refund or credit claimed under the satisfaction guarantee for a resolved ticket.

    An approved claim becomes one negative line of the first period charge closed after the
    approval (``billing.charges``), which stamps ``charged_period``: never twice."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="guarantee_claims")
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="guarantee_claims"
    )
    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="guarantee_claims"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ClaimKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=4)
    currency = models.CharField(_("currency"), max_length=3)
    reason = models.TextField(_("reason"), max_length=4000)
    status = models.CharField(
        _("status"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.PENDING
    )
    raised_at = models.DateTimeField(_("raised at"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_reason = models.TextField(_("decision reason"), blank=True, max_length=4000)
    charged_period = models.CharField(_("charged in period"), max_length=7, blank=True)

    class Meta:
        verbose_name = _("guarantee claim")
        verbose_name_plural = _("guarantee claims")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(status__in=["pending", "approved"]),
                name="guarantee_claim_one_live_per_ticket",
            ),
            models.CheckConstraint(condition=Q(amount__gt=Decimal(0)), name="claim_amount_gt_0"),
        ]
        indexes = [
            models.Index(
                fields=["contract", "decided_at"],
                condition=Q(status="approved", charged_period=""),
                name="claim_uncharged_idx",
            )
        ]

    def __str__(self) -> str:
        return f"claim {self.pk} ({self.status})"
