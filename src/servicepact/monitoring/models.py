from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicepact.assets.models import Asset
from servicepact.contracts.choices import KpiKind
from servicepact.contracts.models import Contract, KpiCommitment
from servicepact.core.models import TimeStampedModel
from servicepact.customers.models import Customer
from servicepact.monitoring.choices import (
    DEFAULT_SEVERITY_PRIORITIES,
    AlertStatus,
    OutageOrigin,
    SourceKind,
)
from servicepact.tickets.choices import Category
from servicepact.tickets.models import Ticket
from servicepact.tickets.system_notes import render_reason, stored_reason

ONE_TO_FOUR = [MinValueValidator(1), MaxValueValidator(4)]


def normalise_severity(severity: str) -> str:
    return "_".join(str(severity).strip().lower().split())


def validate_severity_map(value: Any) -> None:
    """{"critical": 1, "warning": 3, ...}: severity names to priorities 1..4."""
    if not isinstance(value, dict):
        raise ValidationError(_('must be a JSON object such as {"critical": 1, "warning": 3}'))
    bad = [k for k, v in value.items() if type(v) is not int or not 1 <= v <= 4]
    if bad:
        raise ValidationError(
            _("priorities must be integers 1..4; wrong for: %(keys)s") % {"keys": ", ".join(bad)}
        )


def validate_category_map(value: Any) -> None:
    """{"alertname=NodeDown": "hardware", "warning": "os"}: label=value or severity -> category."""
    if not isinstance(value, dict):
        raise ValidationError(_('must be a JSON object such as {"critical": "hardware"}'))
    bad = [str(k) for k, v in value.items() if v not in Category.values]
    if bad:
        raise ValidationError(
            _("unknown categories for: %(keys)s (allowed: %(allowed)s)")
            % {"keys": ", ".join(bad), "allowed": ", ".join(Category.values)}
        )


class AlertSource(TimeStampedModel):
    """A monitoring system that posts alerts (and measurements) with its own bearer token.

    Only the SHA-256 of the token is stored (like accounts.ApiToken).
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=SourceKind.choices)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alert_sources",
        help_text=_("If set, alerts only match this customer's assets."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    token_prefix = models.CharField(_("token prefix"), max_length=16, editable=False)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    severity_map = models.JSONField(
        _("severity -> priority"),
        default=dict,
        blank=True,
        validators=[validate_severity_map],
        help_text=_('Overrides the default mapping, e.g. {"critical": 1, "warning": 3}.'),
    )
    default_priority = models.PositiveSmallIntegerField(
        _("priority for unknown severities"), default=3, validators=ONE_TO_FOUR
    )
    outage_max_priority = models.PositiveSmallIntegerField(
        _("outage up to priority"),
        default=1,
        validators=ONE_TO_FOUR,
        help_text=_(
            "A firing alert of this priority or a more urgent one counts as an outage "
            "(default 1: down/critical alerts only; warnings are not downtime)."
        ),
    )
    detection_delay_seconds = models.PositiveIntegerField(
        _("detection delay (seconds)"),
        default=0,
        validators=[MaxValueValidator(86_400)],
        help_text=_(
            "How long a failure lasts before this source fires (e.g. Prometheus' 'for:'); "
            "outages start that much before the alert."
        ),
    )
    category_map = models.JSONField(
        _("ticket category mapping"),
        default=dict,
        blank=True,
        validators=[validate_category_map],
        help_text=_(
            'Incident category by alert label or severity, e.g. {"alertname=PsuFailed": '
            '"hardware", "critical": "os"}; unmapped alerts get the default category.'
        ),
    )
    default_category = models.CharField(
        _("default ticket category"),
        max_length=16,
        choices=Category.choices,
        default=Category.OTHER,
    )
    auto_resolve = models.BooleanField(
        _("resolve tickets automatically"),
        default=False,
        help_text=_("Resolve the incident when its last alert resolves (acknowledged tickets)."),
    )
    flap_transitions = models.PositiveSmallIntegerField(
        _("flapping: transitions"), default=4, validators=[MinValueValidator(2)]
    )
    flap_window_minutes = models.PositiveIntegerField(
        _("flapping: window (minutes)"), default=30, validators=[MinValueValidator(1)]
    )
    open_ticket_on_miss = models.BooleanField(
        _("open a ticket when a measurement misses its commitment"), default=False
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("alert source")
        verbose_name_plural = _("alert sources")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def flap_window(self) -> timedelta:
        return timedelta(minutes=self.flap_window_minutes)

    def priority_for(self, severity: str, default: int | None = None) -> int:
        key = normalise_severity(severity)
        own = {normalise_severity(k): v for k, v in (self.severity_map or {}).items()}
        if key in own:
            return int(own[key])
        if key in DEFAULT_SEVERITY_PRIORITIES:
            return DEFAULT_SEVERITY_PRIORITIES[key]
        return default if default is not None else self.default_priority


class Alert(models.Model):
    """One alert of one source, deduplicated by fingerprint; its state changes are transitions.

    ``asset`` is NULL while no asset matches: such alerts wait for triage in the desk.
    """

    source = models.ForeignKey(AlertSource, on_delete=models.PROTECT, related_name="alerts")
    fingerprint = models.CharField(_("fingerprint"), max_length=200)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    asset = models.ForeignKey(
        Asset, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    match_note = models.CharField(_("matching"), max_length=300, blank=True)
    # The matching note as a system note (``tickets.system_notes``): ``match_text`` shows it.
    match_facts = models.JSONField(_("matching facts"), default=dict, blank=True)
    name = models.CharField(_("name"), max_length=200)
    severity = models.CharField(_("severity"), max_length=40, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), validators=ONE_TO_FOUR)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    labels = models.JSONField(_("labels"), default=dict, blank=True)
    annotations = models.JSONField(_("annotations"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=1000, blank=True)
    category = models.CharField(_("ticket category"), max_length=16, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=AlertStatus.choices)
    starts_at = models.DateTimeField(_("firing since"))
    ends_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    counts_as_outage = models.BooleanField(_("counts as outage"), default=True)
    flapping = models.BooleanField(_("flapping"), default=False)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    # True when this alert opened ``ticket`` (False when it joined an existing one): only a
    # ticket an alert opened may be resolved automatically (monitoring/rules.py).
    opened_ticket = models.BooleanField(_("opened its ticket"), default=False)
    first_received_at = models.DateTimeField(_("first received at"))
    last_received_at = models.DateTimeField(_("last received at"))
    receipts = models.PositiveIntegerField(_("deliveries"), default=1)

    class Meta:
        ordering = ["-last_received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "fingerprint"], name="alert_unique_fp")
        ]
        indexes = [
            models.Index(fields=["asset", "status"]),
            # The desk's triage list: only unmatched alerts are in it.
            models.Index(
                fields=["-last_received_at"],
                name="alert_unmatched_idx",
                condition=models.Q(asset__isnull=True),
            ),
        ]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self) -> str:
        return f"{self.name} [{self.status}] {self.fingerprint}"

    @property
    def match_text(self) -> str:
        """The matching note in the active language (an old row's stored English text)."""
        return render_reason({"reason": self.match_note, "reason_note": self.match_facts})


class AlertTransition(models.Model):
    """An alert changed state (firing <-> resolved) at ``at``; flapping is counted from these."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="transitions")
    status = models.CharField(_("status"), max_length=10, choices=AlertStatus.choices)
    at = models.DateTimeField(_("at"))
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["alert", "at"])]
        verbose_name = _("alert transition")
        verbose_name_plural = _("alert transitions")

    def __str__(self) -> str:
        return f"{self.at.isoformat()} {self.status}"


class Outage(models.Model):
    """An asset was down during [started_at, ended_at) (ended_at NULL: still down).

    From a firing alert, or recorded by staff for what monitoring missed. Flapping merges an
    alert's outages into the first one: the others point to it with ``merged_into`` and are
    ignored by availability.
    """

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="outages")
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    origin = models.CharField(_("origin"), max_length=10, choices=OutageOrigin.choices)
    alert = models.ForeignKey(
        Alert, on_delete=models.SET_NULL, null=True, blank=True, related_name="outages"
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="outages"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    # A system-written reason as a note (``tickets.system_notes``): ``reason_text`` shows it.
    reason_note = models.JSONField(_("reason facts"), default=dict, blank=True)
    planned = models.BooleanField(
        _("planned"),
        default=False,
        help_text=_("Announced downtime (recorded by staff): not counted against availability."),
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True)
                | models.Q(ended_at__gte=models.F("started_at")),
                name="outage_time_order",
            )
        ]
        indexes = [models.Index(fields=["asset", "started_at"])]
        verbose_name = _("outage")
        verbose_name_plural = _("outages")

    def __str__(self) -> str:
        return f"{self.asset_id} {self.started_at.isoformat()} {self.cause}"

    @property
    def cause(self) -> str:
        """ "alert <fingerprint>" | "ticket SP-000123" | "manual: <reason>" (availability slices)."""
        if self.origin == OutageOrigin.ALERT and self.alert is not None:
            return f"alert {self.alert.fingerprint}"
        if self.ticket is not None:
            return f"ticket {self.ticket.number}"
        return f"manual: {self.reason}"

    @property
    def reason_text(self) -> str:
        """The reason in the active language (people's reasons and old rows as stored)."""
        return stored_reason(self)


class Measurement(models.Model):
    """A measured KPI value, judged against the commitment in force when it was measured."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="measurements")
    asset = models.ForeignKey(
        Asset, on_delete=models.SET_NULL, null=True, blank=True, related_name="measurements"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=KpiKind.choices)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=10)
    measured_at = models.DateTimeField(_("measured at"))
    source = models.ForeignKey(
        AlertSource, on_delete=models.SET_NULL, null=True, blank=True, related_name="measurements"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    commitment = models.ForeignKey(
        KpiCommitment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    target = models.DecimalField(
        _("target"), max_digits=12, decimal_places=4, null=True, blank=True
    )
    met = models.BooleanField(_("met"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="measurements"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["measured_at", "id"]
        indexes = [models.Index(fields=["contract", "measured_at"])]
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {format(self.value.normalize(), 'f')} {self.unit}"


class QueuedAlerts(models.Model):
    """A delivery (or a chunk of a big one) in the inbox, waiting for the worker (inbox.py).

    ``alerts`` holds the parsed alerts (already validated), ``position`` the index of the first
    one in its delivery. The worker stores each chunk in its own transaction and sets
    ``processed_at``; a chunk that fails keeps its error and is retried next pass.
    """

    source = models.ForeignKey(AlertSource, on_delete=models.CASCADE, related_name="queued")
    received_at = models.DateTimeField(_("received at"))
    position = models.PositiveIntegerField(_("first alert of the delivery"), default=0)
    alerts = models.JSONField(_("alerts"), default=list)
    alert_count = models.PositiveIntegerField(_("alerts"), default=0)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    # SQLite has no SKIP LOCKED: a worker claims rows by writing its token here (inbox.py).
    claimed_by = models.CharField(_("claimed by"), max_length=32, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    MAX_ATTEMPTS = 5  # then the worker leaves the row to staff
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [
            models.Index(
                fields=["received_at", "id"],
                name="queued_alerts_due_idx",
                condition=models.Q(processed_at__isnull=True),
            )
        ]
        verbose_name = _("queued alerts")
        verbose_name_plural = _("queued alerts")

    def __str__(self) -> str:
        return f"{len(self.alerts)} alerts from {self.source_id} at {self.received_at.isoformat()}"
