from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicepact.accounts.choices import BillingRole
from servicepact.billing.choices import (
    AuditAction,
    Bucket,
    ChargeKind,
    ChargeStatus,
    ConversionStatus,
    Coverage,
    CreditRule,
    CreditStatus,
    EntryKind,
    FeeChangeStatus,
    RenewalStatus,
    WorkLogAction,
    WorkType,
)
from servicepact.contracts.models import Contract, ContractVersion, ServicePlan
from servicepact.core.models import ImmutableModelError
from servicepact.tickets.models import Ticket
from servicepact.tickets.system_notes import stored_reason

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class CreditSchedule(models.Model):
    """The service credits a contract version promises; amended with the version it belongs to."""

    contract_version = models.OneToOneField(
        ContractVersion, on_delete=models.CASCADE, related_name="credit_schedule"
    )
    cap_percent = models.DecimalField(
        # xgettext:no-python-format
        _("cap (% of the monthly fee)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT,
        help_text=_("Empty: no cap."),
    )
    claim_window_days = models.PositiveIntegerField(
        _("claim window (days after the month)"), default=30
    )
    notes = models.CharField(_("notes"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("credit schedule")
        verbose_name_plural = _("credit schedules")

    def __str__(self) -> str:
        return f"credits of {self.contract_version}"


class AvailabilityCreditTier(models.Model):
    """Availability below ``below_percent`` earns ``credit_percent`` of the monthly fee.

    Tiers do not add up: the most severe tier the month falls into applies.
    """

    schedule = models.ForeignKey(CreditSchedule, on_delete=models.CASCADE, related_name="tiers")
    below_percent = models.DecimalField(
        _("availability below (%)"), max_digits=7, decimal_places=4, validators=PERCENT
    )
    credit_percent = models.DecimalField(
        # xgettext:no-python-format
        _("credit (% of the monthly fee)"),
        max_digits=5,
        decimal_places=2,
        validators=PERCENT,
    )

    class Meta:
        ordering = ["schedule", "-below_percent"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "below_percent"], name="tier_unique_below")
        ]
        verbose_name = _("availability credit tier")
        verbose_name_plural = _("availability credit tiers")

    def __str__(self) -> str:
        return f"below {self.below_percent.normalize()} % -> {self.credit_percent.normalize()} %"


class BreachCredit(models.Model):
    """Each breached clock of (metric, priority) earns ``credit_percent`` of the monthly fee."""

    schedule = models.ForeignKey(
        CreditSchedule, on_delete=models.CASCADE, related_name="breach_credits"
    )
    metric = models.CharField(_("metric"), max_length=20)
    priority = models.PositiveSmallIntegerField(
        _("priority"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    credit_percent = models.DecimalField(
        # xgettext:no-python-format
        _("credit per breach (% of the monthly fee)"),
        max_digits=5,
        decimal_places=2,
        validators=PERCENT,
    )

    class Meta:
        ordering = ["schedule", "priority", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "metric", "priority"], name="breachcredit_unique"
            )
        ]
        verbose_name = _("breach credit")
        verbose_name_plural = _("breach credits")

    def __str__(self) -> str:
        return f"P{self.priority} {self.metric}: {self.credit_percent.normalize()} %"


class ForceMajeure(models.Model):
    """A ticket or a period a manager declared force majeure: its breaches earn no credit.

    A period also removes the unplanned downtime inside it from the availability credit.
    """

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="force_majeure")
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, null=True, blank=True, related_name="force_majeure"
    )
    starts_at = models.DateTimeField(_("from"), null=True, blank=True)
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    flagged_at = models.DateTimeField(_("flagged at"))

    class Meta:
        ordering = ["contract", "flagged_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ticket__isnull=False)
                | models.Q(
                    starts_at__isnull=False,
                    ends_at__isnull=False,
                    ends_at__gt=models.F("starts_at"),
                ),
                name="forcemajeure_ticket_or_period",
            )
        ]
        verbose_name = _("force majeure")
        verbose_name_plural = _("force majeure")

    def __str__(self) -> str:
        what = f"ticket {self.ticket_id}" if self.ticket_id else f"{self.starts_at}–{self.ends_at}"
        return f"{self.contract_id}: {what}"


class PeriodCredit(models.Model):
    """The credits of one contract for one month: computed, then approved or adjusted, applied."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="period_credits")
    period = models.CharField(_("period"), max_length=7, help_text="YYYY-MM")
    status = models.CharField(
        _("status"), max_length=12, choices=CreditStatus.choices, default=CreditStatus.COMPUTED
    )
    currency = models.CharField(_("currency"), max_length=3)
    monthly_fee = models.DecimalField(_("monthly fee"), max_digits=12, decimal_places=2)
    computed_percent = models.DecimalField(
        # xgettext:no-python-format
        _("computed (% of the monthly fee)"),
        max_digits=7,
        decimal_places=2,
    )
    computed_amount = models.DecimalField(_("computed amount"), max_digits=12, decimal_places=2)
    approved_amount = models.DecimalField(
        _("approved amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    claim_deadline = models.DateField(_("claims accepted until"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("approved/adjusted at"), null=True, blank=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        ordering = ["-period", "contract"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "period"], name="periodcredit_unique")
        ]
        indexes = [models.Index(fields=["period", "status"])]
        verbose_name = _("period credit")
        verbose_name_plural = _("period credits")

    def __str__(self) -> str:
        return f"{self.contract_id} {self.period}: {self.amount_due} {self.currency}"

    @property
    def amount_due(self) -> Decimal:
        """The approved (or adjusted) amount once decided, else the computed one."""
        return self.computed_amount if self.approved_amount is None else self.approved_amount


class CreditLine(models.Model):
    """One credit and the rule that produced it (an excluded breach is kept at 0 with why)."""

    credit = models.ForeignKey(PeriodCredit, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    rule = models.CharField(_("rule"), max_length=16, choices=CreditRule.choices)
    description = models.CharField(_("rule applied"), max_length=300)
    # xgettext:no-python-format
    percent = models.DecimalField(_("% of the monthly fee"), max_digits=7, decimal_places=2)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ticket_number = models.CharField(max_length=20, blank=True)
    metric = models.CharField(max_length=20, blank=True)
    priority = models.PositiveSmallIntegerField(null=True, blank=True)
    excluded = models.BooleanField(_("excluded"), default=False)
    exclusion_reason = models.CharField(_("excluded because"), max_length=300, blank=True)

    class Meta:
        ordering = ["credit", "position"]
        verbose_name = _("credit line")
        verbose_name_plural = _("credit lines")

    def __str__(self) -> str:
        return f"{self.rule}: {self.amount}"


class CreditAudit(models.Model):
    """An immutable record of every change to a period's credits: who, when, what, why."""

    credit = models.ForeignKey(PeriodCredit, on_delete=models.PROTECT, related_name="audit")
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=12, choices=AuditAction.choices)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"))
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["credit", "at", "id"]
        verbose_name = _("credit audit record")
        verbose_name_plural = _("credit audit records")

    def __str__(self) -> str:
        return f"{self.at.isoformat()} {self.action} by {self.actor_name or '-'}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableModelError("credit audit records are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableModelError("credit audit records are immutable")


class WorkLog(models.Model):
    """Time spent on a ticket, counted against the contract's included hours when billable."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="work_logs")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="work_logs"
    )
    minutes = models.PositiveIntegerField(_("minutes"), validators=[MinValueValidator(1)])
    date = models.DateField(_("date"))
    work_type = models.CharField(
        _("work type"), max_length=10, choices=WorkType.choices, default=WorkType.REMOTE
    )
    role = models.CharField(
        _("role"),
        max_length=20,
        choices=BillingRole.choices,
        blank=True,
        db_default="",
        help_text=_("Priced at the rate card's rate of this role; empty: the work type's rate."),
    )
    billable = models.BooleanField(_("billable"), default=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    category = models.SlugField(_("category of work"), max_length=40, blank=True)
    out_of_hours_minutes = models.PositiveIntegerField(
        _("minutes outside coverage hours"),
        default=0,
        help_text=_("Computed from the contract's calendar when the start is known."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        indexes = [
            models.Index(fields=["ticket", "date"]),
        ]
        verbose_name = _("work log")
        verbose_name_plural = _("work logs")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.date} {self.minutes} min"


class PartUse(models.Model):
    """A spare part used on a ticket. Under warranty it costs the customer nothing; otherwise
    it is charged at the period close at its cost plus the rate card's parts markup
    (``billing.charge_rules.part_lines``). No stock is kept here (field service will)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="part_uses")
    date = models.DateField(_("date"))
    part_number = models.CharField(_("part number"), max_length=60)
    description = models.CharField(_("description"), max_length=200)
    quantity = models.PositiveIntegerField(
        _("quantity"), validators=[MinValueValidator(1), MaxValueValidator(10_000)]
    )
    unit_price = models.DecimalField(
        _("unit cost"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("What one part costs the provider, in the contract's currency."),
    )
    under_warranty = models.BooleanField(_("under warranty"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["ticket", "date"])]
        verbose_name = _("part used")
        verbose_name_plural = _("parts used")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.part_number} x{self.quantity}"


class WorkMonthSum(models.Model):
    """A contract's month of work logs, summed per billable flag, work type and category:
    kept up to date by every work-log write (``billing.worksums``, in the same transaction),
    so the period close reads a few rows per contract instead of the month's logs."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="work_month_sums")
    period = models.CharField(_("period"), max_length=7)  # YYYY-MM
    billable = models.BooleanField(_("billable"))
    work_type = models.CharField(_("work type"), max_length=10, choices=WorkType.choices)
    role = models.CharField(_("role"), max_length=20, blank=True, default="")
    category = models.CharField(_("category of work"), max_length=40, blank=True)
    minutes = models.BigIntegerField(_("minutes"))
    out_of_hours_minutes = models.BigIntegerField(_("minutes outside coverage hours"))
    logs = models.PositiveIntegerField(_("work logs"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "period", "billable", "work_type", "role", "category"],
                name="workmonthsum_role_key",
            )
        ]
        indexes = [models.Index(fields=["period", "contract"])]
        verbose_name = _("month of work")
        verbose_name_plural = _("months of work")

    def __str__(self) -> str:
        return f"{self.contract_id} {self.period} {self.work_type} {self.minutes} min"


class ImmutableRow(models.Model):
    """A row written once: saving it again or deleting it raises (ledgers, audit trails)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableModelError(f"{self._meta.verbose_name} rows are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableModelError(f"{self._meta.verbose_name} rows are immutable")


class RateCard(models.Model):
    """A contract version's prices and hours rules; later versions carry it over
    (``billing.rates.rate_card_for_period``), like the credit schedule."""

    contract_version = models.OneToOneField(
        ContractVersion, on_delete=models.CASCADE, related_name="rate_card"
    )
    out_of_hours_multiplier = models.DecimalField(
        _("out-of-hours multiplier"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.50"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("10"))],
        help_text=_("Applied to the minutes of a work log outside the contract's calendar."),
    )
    rollover_periods = models.PositiveSmallIntegerField(
        _("unused hours expire after (months)"),
        default=0,
        validators=[MaxValueValidator(36)],
        help_text=_("0: unused included hours expire at the end of their month."),
    )
    conversion_ratio = models.DecimalField(
        _("project hours per unused maintenance hour"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Empty: unused maintenance hours cannot be converted."),
    )
    parts_markup_percent = models.DecimalField(
        _("parts markup (%)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1000))],
        help_text=_("Parts out of warranty are charged at their cost plus this percentage."),
    )

    class Meta:
        verbose_name = _("rate card")
        verbose_name_plural = _("rate cards")

    def __str__(self) -> str:
        return f"rate card of {self.contract_version}"


class Rate(models.Model):
    """The price of an hour of one work type (remote, on site, travel), for one role or, with
    no role, for any role the card has no rate of (``charge_rules.rate_for``)."""

    rate_card = models.ForeignKey(RateCard, on_delete=models.CASCADE, related_name="rates")
    work_type = models.CharField(_("work type"), max_length=10, choices=WorkType.choices)
    role = models.CharField(
        _("role"), max_length=20, choices=BillingRole.choices, blank=True, default=""
    )
    hourly_rate = models.DecimalField(
        _("rate per hour"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        ordering = ["rate_card", "work_type", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["rate_card", "work_type", "role"], name="rate_unique_type_role"
            )
        ]
        verbose_name = _("rate")
        verbose_name_plural = _("rates")

    def __str__(self) -> str:
        return f"{self.work_type}: {self.hourly_rate}"


class ScopeItem(models.Model):
    """A category of work and what the base fee does with it (included, billable, excluded)."""

    rate_card = models.ForeignKey(RateCard, on_delete=models.CASCADE, related_name="scope")
    category = models.SlugField(_("category"), max_length=40)
    label = models.CharField(_("label"), max_length=100)
    coverage = models.CharField(_("coverage"), max_length=10, choices=Coverage.choices)

    class Meta:
        ordering = ["rate_card", "coverage", "category"]
        constraints = [
            models.UniqueConstraint(fields=["rate_card", "category"], name="scope_unique_category")
        ]
        verbose_name = _("scope item")
        verbose_name_plural = _("scope items")

    def __str__(self) -> str:
        return f"{self.category}: {self.coverage}"


class WorkLogAudit(ImmutableRow):
    """Who logged, edited or deleted a work log, when, and its values before and after."""

    work_log_id = models.PositiveBigIntegerField(_("work log"), db_index=True)
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=8, choices=WorkLogAction.choices)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["work_log_id", "at", "id"]
        verbose_name = _("work log audit record")
        verbose_name_plural = _("work log audit records")

    def __str__(self) -> str:
        return f"{self.work_log_id} {self.action} {self.at.isoformat()}"


class HoursConversion(models.Model):
    """A request to turn unused maintenance hours into project hours; a manager decides."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="conversions")
    period = models.CharField(_("period"), max_length=7, help_text="YYYY-MM")
    hours = models.DecimalField(_("maintenance hours"), max_digits=8, decimal_places=2)
    ratio = models.DecimalField(_("ratio"), max_digits=5, decimal_places=2)
    project_hours = models.DecimalField(_("project hours"), max_digits=8, decimal_places=2)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ConversionStatus.choices,
        default=ConversionStatus.REQUESTED,
    )
    reason = models.CharField(_("reason"), max_length=300)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("hours conversion")
        verbose_name_plural = _("hours conversions")

    def __str__(self) -> str:
        return f"{self.contract_id} {self.period}: {self.hours} h -> {self.project_hours} h"


class HoursEntry(ImmutableRow):
    """One change of an hours balance. The balance is the sum of the entries, never stored."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="hours_entries")
    period = models.CharField(_("period"), max_length=7, help_text="YYYY-MM")
    bucket = models.CharField(
        _("balance"), max_length=12, choices=Bucket.choices, default=Bucket.MAINTENANCE
    )
    kind = models.CharField(_("kind"), max_length=12, choices=EntryKind.choices)
    hours = models.DecimalField(_("hours"), max_digits=10, decimal_places=2)
    expires_period = models.CharField(_("expires after"), max_length=7, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    conversion = models.ForeignKey(
        HoursConversion, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )

    class Meta:
        ordering = ["contract", "period", "id"]
        indexes = [models.Index(fields=["contract", "period"])]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "period", "bucket", "kind"],
                condition=models.Q(kind__in=["included", "consumed", "overage"]),
                name="hoursentry_once_per_period",
            )
        ]
        verbose_name = _("hours ledger entry")
        verbose_name_plural = _("hours ledger entries")

    def __str__(self) -> str:
        return f"{self.contract_id} {self.period} {self.kind} {self.hours}"


class PeriodCharge(models.Model):
    """The charges of one contract for one month: produced at period close, approved to final."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="charges")
    period = models.CharField(_("period"), max_length=7, help_text="YYYY-MM")
    status = models.CharField(
        _("status"), max_length=8, choices=ChargeStatus.choices, default=ChargeStatus.DRAFT
    )
    currency = models.CharField(_("currency"), max_length=3)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    hours = models.JSONField(_("hours"), default=dict)
    computed_at = models.DateTimeField(_("computed at"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        ordering = ["-period", "contract"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "period"], name="periodcharge_unique")
        ]
        indexes = [models.Index(fields=["period", "status"])]
        verbose_name = _("period charge")
        verbose_name_plural = _("period charges")

    def __str__(self) -> str:
        return f"{self.contract_id} {self.period}: {self.total} {self.currency}"


class ChargeLine(models.Model):
    """One line of a period charge; a credit is a negative amount."""

    charge = models.ForeignKey(PeriodCharge, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(_("kind"), max_length=12, choices=ChargeKind.choices)
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=4)
    unit_price = models.DecimalField(
        _("unit price"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["charge", "position"]
        verbose_name = _("charge line")
        verbose_name_plural = _("charge lines")

    def __str__(self) -> str:
        return f"{self.kind}: {self.amount}"


class FeeChange(models.Model):
    """A proposed change of the fee or the included hours from any day (a month it falls
    inside is split pro rata by days, ``billing.fees``):
    approved internally, then accepted by the customer; accepted, it becomes a contract
    version and the fee in force from ``effective_from`` (``billing.fees``)."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="fee_changes")
    fee_amount = models.DecimalField(_("new fee"), max_digits=12, decimal_places=2)
    included_hours = models.DecimalField(
        _("new included hours per period"), max_digits=8, decimal_places=2
    )
    effective_from = models.DateField(_("effective from"))
    reason = models.CharField(_("reason"), max_length=300)
    # A system-written reason (a renewal's fee) as a note: ``reason_text`` shows it.
    reason_note = models.JSONField(_("reason facts"), default=dict, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=FeeChangeStatus.choices,
        default=FeeChangeStatus.PROPOSED,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed at"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer_note = models.CharField(_("customer's note"), max_length=300, blank=True)
    version = models.ForeignKey(
        ContractVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-proposed_at", "-id"]
        indexes = [models.Index(fields=["contract", "status", "effective_from"])]
        verbose_name = _("fee change")
        verbose_name_plural = _("fee changes")

    def __str__(self) -> str:
        return f"{self.contract_id} from {self.effective_from}: {self.fee_amount}"

    @property
    def reason_text(self) -> str:
        """The reason in the active language (people's reasons and old rows as stored)."""
        return stored_reason(self)


class RenewalProposal(models.Model):
    """A new term for a manually renewing contract: prepared by staff with a summary of the
    closing term, approved and sent by a manager, accepted or declined by the customer;
    accepted, ``contracts.services.renew_contract`` records the term (``billing.renewals``)."""

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="renewal_proposals"
    )
    start_date = models.DateField(_("new term starts"))
    end_date = models.DateField(_("new term ends"))
    fee_amount = models.DecimalField(_("fee"), max_digits=12, decimal_places=2)
    plan = models.ForeignKey(
        ServicePlan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("new service plan"),
        help_text=_("Empty: the tier stays as it is."),
    )
    included_hours = models.DecimalField(
        _("included hours per fee period"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Empty: the included hours stay as they are."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    summary = models.JSONField(_("summary of the closing term"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=RenewalStatus.choices, default=RenewalStatus.PREPARED
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    prepared_at = models.DateTimeField(_("prepared at"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer_note = models.CharField(_("customer's note"), max_length=300, blank=True)
    version = models.ForeignKey(
        ContractVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-prepared_at", "-id"]
        indexes = [models.Index(fields=["contract", "status"])]
        verbose_name = _("renewal proposal")
        verbose_name_plural = _("renewal proposals")

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.start_date} to {self.end_date}"
