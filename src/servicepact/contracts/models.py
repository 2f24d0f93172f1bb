from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from servicepact.contracts.choices import (
    DEFAULT_PRIORITY_MATRIX,
    DEFAULT_PRIORITY_NAMES,
    KPI_UNITS,
    UNMEASURED_KPI_KINDS,
    Category,
    ClockStage,
    ContractStatus,
    FeePeriod,
    KpiKind,
    MeasurementCalendar,
    Renewal,
    Severity,
)
from servicepact.core.models import TimeStampedModel
from servicepact.core.time import validate_timezone
from servicepact.customers.models import Customer


def default_priority_matrix() -> list[list[int]]:
    return [list(row) for row in DEFAULT_PRIORITY_MATRIX]


def default_priority_names() -> dict[str, str]:
    return dict(DEFAULT_PRIORITY_NAMES)


class Calendar(TimeStampedModel):
    """Coverage hours. ``revision`` increases with every change (cache key, recompute record)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    timezone = models.CharField(_("time zone"), max_length=64, validators=[validate_timezone])
    description = models.TextField(_("description"), blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=1, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("calendar")
        verbose_name_plural = _("calendars")

    def __str__(self) -> str:
        return f"{self.name} ({self.timezone})"


class CalendarHours(models.Model):
    """Weekly windows in force from a local date on (empty date: from the beginning)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="hours")
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    weekly = models.JSONField(
        _("weekly windows"),
        help_text=_('"24x7" or {"mon": [["09:00", "18:00"]], ...}; missing days are closed.'),
    )

    class Meta:
        ordering = ["calendar", models.F("effective_from").asc(nulls_first=True)]
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "effective_from"], name="calendarhours_unique_from"
            ),
            models.UniqueConstraint(
                fields=["calendar"],
                condition=models.Q(effective_from__isnull=True),
                name="calendarhours_one_base",
            ),
        ]
        verbose_name = _("weekly hours")
        verbose_name_plural = _("weekly hours")

    def __str__(self) -> str:
        return f"{self.calendar.name} from {self.effective_from or 'the beginning'}"


class Holiday(models.Model):
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=200, blank=True)

    class Meta:
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="holiday_unique_date")
        ]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class CalendarOverride(models.Model):
    """Replaces one local date's windows (make-up working day, half day; [] closes the date)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="overrides")
    date = models.DateField(_("date"))
    windows = models.JSONField(_("windows"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="override_unique_date")
        ]
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")

    def __str__(self) -> str:
        return f"{self.date} {self.windows}"


class ServicePlan(TimeStampedModel):
    """A catalogue tier with default SLA targets, calendar and priority policy."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    description = models.TextField(_("description"), blank=True)
    calendar = models.ForeignKey(
        Calendar,
        on_delete=models.PROTECT,
        related_name="plans",
        verbose_name=_("coverage calendar"),
    )
    priority_matrix = models.JSONField(_("priority matrix"), default=default_priority_matrix)
    priority_names = models.JSONField(_("priority names"), default=default_priority_names)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("service plan")
        verbose_name_plural = _("service plans")

    def __str__(self) -> str:
        return self.name


class Contract(TimeStampedModel):
    number = models.CharField(_("number"), max_length=40, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="contracts")
    plan = models.ForeignKey(ServicePlan, on_delete=models.PROTECT, related_name="contracts")
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ContractStatus.choices,
        default=ContractStatus.DRAFT,
        db_index=True,
    )
    renewal = models.CharField(
        _("renewal"), max_length=16, choices=Renewal.choices, default=Renewal.MANUAL
    )
    notice_days = models.PositiveIntegerField(_("notice period (days)"), default=90)
    grace_days = models.PositiveIntegerField(_("grace period (days)"), default=30)
    fee_amount = models.DecimalField(
        _("fee"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    fee_currency = models.CharField(_("currency"), max_length=3, default="USD")
    fee_period = models.CharField(
        _("fee period"), max_length=16, choices=FeePeriod.choices, default=FeePeriod.MONTHLY
    )
    included_hours = models.DecimalField(
        _("included hours per period"), max_digits=8, decimal_places=2, default=Decimal("0")
    )
    service_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_contracts",
        verbose_name=_("service manager"),
    )
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True)
    termination_reason = models.TextField(_("termination reason"), blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="contract_term_order"
            ),
        ]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return f"/desk/contracts/{self.pk}/"

    def status_on(self, day: date) -> str:
        """The status the dates and actions give on a local date (the stored one may lag a job)."""
        if self.activated_at is None:
            return ContractStatus.DRAFT
        if self.terminated_on is not None and day >= self.terminated_on:
            return ContractStatus.TERMINATED
        if day < self.start_date:
            return ContractStatus.DRAFT
        if day <= self.end_date:
            return ContractStatus.ACTIVE
        if (day - self.end_date).days <= self.grace_days:
            return ContractStatus.GRACE
        return ContractStatus.EXPIRED


class ContractVersion(models.Model):
    """A dated amendment. Each version is complete: targets, priority policy and KPIs."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    effective_from = models.DateTimeField(_("effective from"))
    reason = models.TextField(_("reason"), blank=True)
    # A system-written reason as a note (``tickets.system_notes``): pages show it in the
    # reader's language (``render_reason``); people's reasons and old rows show ``reason``.
    reason_note = models.JSONField(_("reason facts"), default=dict, blank=True)
    priority_matrix = models.JSONField(_("priority matrix override"), null=True, blank=True)
    priority_names = models.JSONField(_("priority names override"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["contract", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "number"], name="contractversion_unique_number"
            ),
            models.UniqueConstraint(
                fields=["contract", "effective_from"], name="contractversion_unique_from"
            ),
        ]
        verbose_name = _("contract version")
        verbose_name_plural = _("contract versions")

    def __str__(self) -> str:
        return f"{self.contract.number} v{self.number}"


def empty_list() -> list[str]:
    return []


class SlaMetric(TimeStampedModel):
    """What one SLA metric measures: from which ticket stage to which, paused by which
    statuses, for which tickets (docs/sla-clock.md, "Metric definitions").

    Clocks, targets and credit rules name their metric by ``code`` (stable; never renamed).
    The name is stored in English and Chinese (``label`` picks the reader's language).
    """

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    start_event = models.CharField(
        _("starts at"), max_length=24, choices=ClockStage.choices, default=ClockStage.OPENED
    )
    # Any of these stops the clock (restore: restored or resolved).
    stop_events = models.JSONField(_("stops at"), default=empty_list)
    # After these the stop can no longer happen: the clock ends there, "not required" when
    # before its deadline (on-site arrival: resolved or closed).
    end_events = models.JSONField(_("ends unrequired at"), default=empty_list, blank=True)
    pause_statuses = models.JSONField(_("paused while"), default=empty_list, blank=True)
    restart_on_reopen = models.BooleanField(_("runs again when reopened"), default=False)
    categories = models.JSONField(
        _("ticket categories"),
        default=empty_list,
        blank=True,
        help_text=_("Empty: every category."),
    )
    kinds = models.JSONField(
        _("ticket kinds"), default=empty_list, blank=True, help_text=_("Empty: every kind.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=100)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("SLA metric")
        verbose_name_plural = _("SLA metrics")

    def __str__(self) -> str:
        return self.code

    @property
    def label(self) -> str:
        """The name in the active language (English when no Chinese name is set)."""
        if self.name_zh and (get_language() or "").lower().startswith("zh"):
            return self.name_zh
        return self.name


class SlaTarget(models.Model):
    """(priority, metric, category or any) -> business duration on a calendar; for a plan or
    a contract version. An empty category is "any"; the most specific target wins."""

    plan = models.ForeignKey(
        ServicePlan, on_delete=models.CASCADE, null=True, blank=True, related_name="targets"
    )
    contract_version = models.ForeignKey(
        ContractVersion, on_delete=models.CASCADE, null=True, blank=True, related_name="targets"
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    metric = models.CharField(_("metric"), max_length=20)
    category = models.CharField(
        _("ticket category"),
        max_length=16,
        choices=Category.choices,
        blank=True,
        default="",
        help_text=_("Empty: any category (a target for the ticket's category wins)."),
    )
    target_minutes = models.PositiveIntegerField(_("target (business minutes)"))
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="targets")
    measure_in_site_timezone = models.BooleanField(
        _("measure in the customer site's time zone"),
        default=False,
        help_text=_(
            "Apply the calendar's hours in the site's local time instead of the calendar's zone."
        ),
    )

    class Meta:
        ordering = ["priority", "metric", "category"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(plan__isnull=False, contract_version__isnull=True)
                    | models.Q(plan__isnull=True, contract_version__isnull=False)
                ),
                name="slatarget_plan_xor_version",
            ),
            models.UniqueConstraint(
                fields=["plan", "priority", "metric", "category"], name="slatarget_unique_plan"
            ),
            models.UniqueConstraint(
                fields=["contract_version", "priority", "metric", "category"],
                name="slatarget_unique_version",
            ),
        ]
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")

    def __str__(self) -> str:
        suffix = f" ({self.category})" if self.category else ""
        return f"P{self.priority} {self.metric}{suffix}: {self.target_minutes} min"


class KpiCommitment(models.Model):
    """A measured promise that is not a ticket clock; unit fixed by kind (see KPI_UNITS)."""

    contract_version = models.ForeignKey(
        ContractVersion, on_delete=models.CASCADE, related_name="kpis"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=KpiKind.choices)
    target = models.DecimalField(_("target"), max_digits=12, decimal_places=4)
    severity = models.CharField(
        _("severity"),
        max_length=10,
        choices=Severity.choices,
        blank=True,
        help_text=_("Patch deadlines only: the vulnerability severity the deadline applies to."),
    )
    measurement_calendar = models.CharField(
        _("measured over"),
        max_length=10,
        choices=MeasurementCalendar.choices,
        default=MeasurementCalendar.ALWAYS,
    )
    notes = models.CharField(_("notes"), max_length=200, blank=True)
    credit_percent = models.DecimalField(
        # xgettext:no-python-format
        _("credit when missed (% of the monthly fee)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_(
            "RPO: once in a month whose worst achieved RPO exceeds it; backup drill: per "
            "missed drill (servicepact.backups). Empty: no credit."
        ),
    )

    class Meta:
        ordering = ["kind", "severity"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract_version", "kind", "severity"], name="kpi_unique_kind"
            )
        ]
        verbose_name = _("KPI commitment")
        verbose_name_plural = _("KPI commitments")

    def __str__(self) -> str:
        suffix = f" ({self.severity})" if self.severity else ""
        return f"{self.get_kind_display()}{suffix}: {self.target.normalize()} {self.unit}"

    @property
    def unit(self) -> str:
        return KPI_UNITS[self.kind]

    @property
    def is_measured(self) -> bool:
        """False for commitments nothing measures yet (shown as "not measured yet")."""
        return self.kind not in UNMEASURED_KPI_KINDS


from servicepact.contracts.escalation import EscalationPolicy, EscalationStep  # noqa: E402, F401


class Blackout(models.Model):
    """A contract term: a period in which no change may run (e.g. the year-end freeze).

    [starts_at, ends_at), aware instants. A change whose window overlaps one is a conflict
    (``changes.conflicts``); it may still be approved, with the conflict shown.
    """

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="blackouts")
    name = models.CharField(_("name"), max_length=120)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    reason = models.TextField(_("reason"), blank=True, max_length=2000)

    class Meta:
        ordering = ["contract", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="blackout_order"
            ),
        ]
        indexes = [models.Index(fields=["contract", "starts_at", "ends_at"])]
        verbose_name = _("blackout period")
        verbose_name_plural = _("blackout periods")

    def __str__(self) -> str:
        return self.name
