from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicepact.accounts.models import Team
from servicepact.assets.coverage import explain
from servicepact.assets.models import Asset, WarrantyEntitlement
from servicepact.contracts.choices import CoverageStatus
from servicepact.contracts.models import Calendar, Contract, ContractVersion
from servicepact.core.models import ImmutableModelError, TimeStampedModel
from servicepact.customers.models import Contact, Customer, Site
from servicepact.tickets.choices import (
    OPEN_STATUSES,
    Category,
    Channel,
    ClockState,
    EventKind,
    Status,
    SupportLevel,
    TicketKind,
)
from servicepact.tickets.sla_state import SlaState
from servicepact.tickets.system_notes import render as render_note
from servicepact.tickets.system_notes import render_reason

ONE_TO_FOUR = [MinValueValidator(1), MaxValueValidator(4)]


class Ticket(TimeStampedModel):
    number = models.CharField(_("number"), max_length=20, unique=True, null=True, blank=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=TicketKind.choices, default=TicketKind.INCIDENT
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tickets")
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    asset = models.ForeignKey(
        Asset, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    site = models.ForeignKey(
        Site, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.PORTAL
    )
    category = models.CharField(
        _("category"), max_length=16, choices=Category.choices, default=Category.HARDWARE
    )
    impact = models.PositiveSmallIntegerField(_("impact"), validators=ONE_TO_FOUR, default=3)
    urgency = models.PositiveSmallIntegerField(_("urgency"), validators=ONE_TO_FOUR, default=3)
    priority = models.PositiveSmallIntegerField(_("priority"), validators=ONE_TO_FOUR, default=4)
    priority_name = models.CharField(_("priority name"), max_length=60, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    waiting_reason = models.CharField(_("waiting reason"), max_length=300, blank=True)
    # Functional escalation: 1st, 2nd or 3rd level support works on it now.
    support_level = models.PositiveSmallIntegerField(
        _("technical level of the ticket"),
        choices=SupportLevel.choices,
        default=SupportLevel.FIRST,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    # Coverage, resolved once at opening (terms in force then) and kept with its explanation.
    coverage = models.CharField(_("coverage"), max_length=20, choices=CoverageStatus.choices)
    # The explanation as facts (``assets.coverage.Coverage.facts``), written in the reader's
    # language when shown (``coverage_text``); ``coverage_explanation`` keeps the English text
    # (the only record for tickets opened before facts were stored).
    coverage_explanation = models.TextField(_("coverage explanation"))
    coverage_facts = models.JSONField(_("coverage facts"), default=dict, blank=True)
    coverage_expires_on = models.DateField(_("contract expired on"), null=True, blank=True)
    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    contract_version = models.ForeignKey(
        ContractVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    # Coverage ``warranty``: the entitlement whose tier (plan) measures the ticket; no contract.
    warranty = models.ForeignKey(
        WarrantyEntitlement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    timezone = models.CharField(_("customer time zone"), max_length=64, default="UTC")
    opened_at = models.DateTimeField(_("opened at"), db_index=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Set when the customer writes, cleared when staff answer: the desk queue's "customer
    # replied" mark (a column, so the queue reads it with the row).
    customer_replied_at = models.DateTimeField(_("customer replied at"), null=True, blank=True)
    # The earliest deadline of a running clock: the desk queue sorts by it.
    next_deadline_at = models.DateTimeField(
        _("next deadline"), null=True, blank=True, db_index=True
    )
    # What the queue counts in SQL (stored with the clocks by tickets.refresh): the SLA state
    # when the clocks were last stored, and when running clocks turn at risk and breached.
    sla_state = models.CharField(
        _("SLA state"), max_length=20, choices=SlaState.choices, default=SlaState.NO_SLA
    )
    at_risk_from = models.DateTimeField(_("at risk from"), null=True, blank=True)
    breach_from = models.DateTimeField(_("breached from"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        indexes = [
            models.Index(fields=["customer", "status"]),
            models.Index(fields=["status", "priority"]),
            models.Index(fields=["contract", "opened_at"]),
            # The portal's "resolved and closed" list: one customer's tickets, newest first,
            # and a contact's API list: newest first, keyset on (opened, id).
            models.Index(fields=["customer", "opened_at", "id"], name="ticket_customer_opened_idx"),
            # The desk queue: open tickets in queue order, read with LIMIT (keyset pages).
            models.Index(
                fields=["next_deadline_at", "priority", "opened_at", "id"],
                name="ticket_open_queue_idx",
                condition=models.Q(status__in=[str(s) for s in OPEN_STATUSES]),
            ),
            # Auto-close finds resolved tickets by age without scanning the others.
            models.Index(
                fields=["resolved_at"],
                name="ticket_autoclose_idx",
                condition=models.Q(status="resolved"),
            ),
            # The queue's counts (tickets.open_counts): the open tickets whose stored state a
            # running clock has overtaken (stored not breached, breach_from passed; stored
            # neither breached nor at risk, at_risk_from passed), read as a range of these
            # two indexes up to now: only the stale rows, never every open ticket.
            models.Index(
                fields=["breach_from"],
                include=["sla_state"],
                name="ticket_stale_breach_idx",
                condition=models.Q(status__in=[str(s) for s in OPEN_STATUSES])
                & ~models.Q(sla_state=SlaState.BREACHED)
                & models.Q(breach_from__isnull=False),
            ),
            models.Index(
                fields=["at_risk_from"],
                include=["sla_state", "breach_from"],
                name="ticket_stale_risk_idx",
                condition=models.Q(status__in=[str(s) for s in OPEN_STATUSES])
                & ~models.Q(sla_state__in=[SlaState.BREACHED.value, SlaState.AT_RISK.value])
                & models.Q(at_risk_from__isnull=False),
            ),
        ]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")

    def __str__(self) -> str:
        return f"{self.number}: {self.subject}"

    @property
    def coverage_text(self) -> str:
        """The coverage explanation in the active language (the stored English text for
        tickets opened before its facts were stored)."""
        return explain(self.coverage_facts or {}, self.coverage_explanation)

    @property
    def coverage_code(self) -> str:
        """The explanation's machine-stable code (``assets.coverage``), "" for old tickets."""
        return str((self.coverage_facts or {}).get("code", ""))

    def get_absolute_url(self) -> str:
        return f"/desk/tickets/{self.pk}/"

    @property
    def is_open(self) -> bool:
        return self.status not in (Status.RESOLVED, Status.CLOSED)

    # What a customer's contact reads. A ticket opened by monitoring carries the alert's name,
    # labels and fingerprint: the provider's internal wording, shown to staff only.
    @property
    def customer_subject(self) -> str:
        if self.channel != Channel.MONITORING:
            return self.subject
        if self.asset is not None:
            return str(_("Monitoring alert on %(host)s") % {"host": self.asset.hostname})
        return str(_("Monitoring alert"))

    @property
    def customer_description(self) -> str:
        return "" if self.channel == Channel.MONITORING else self.description


class OpenSlaCount(models.Model):
    """A change of the number of open tickets in one stored SLA state (``Ticket.sla_state``).

    Written only by database triggers on the tickets table (migration 0017, ADR 0024), so no
    write path can forget it: an insert, update or delete that changes whether a ticket is
    open or its stored state adds the difference here. PostgreSQL appends one row per state
    and statement (no row is ever updated by a write, so writers never wait for each other);
    SQLite, with one writer at a time, keeps one row per state. The current number is the sum
    per state; the worker folds the rows into one per state (``tickets.open_counts.compact``).
    """

    sla_state = models.CharField(max_length=20)
    n = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.sla_state}: {self.n:+d}"


class TicketEvent(models.Model):
    """An immutable fact on a ticket's timeline: who, when, what, before and after.

    ``at`` is when it happened (an on-site arrival can be recorded later); ``recorded_at`` is
    when ServicePact learnt it. Clocks are derived from ``at``.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=24, choices=EventKind.choices)
    at = models.DateTimeField(_("at"))
    recorded_at = models.DateTimeField(_("recorded at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(_("data"), default=dict, blank=True)
    public = models.BooleanField(_("visible to the customer"), default=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["ticket", "at"]),
            # Statements' and the dashboard's pause/resume/reopen scans: kind IN (...), at >= x.
            models.Index(fields=["kind", "at"], name="ticketevent_kind_at"),
        ]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")

    def __str__(self) -> str:
        return f"{self.at.isoformat()} {self.kind}"

    @property
    def reason_text(self) -> str:
        """The event's reason in the active language (``tickets.system_notes``)."""
        return render_reason(self.data or {})

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableModelError("ticket events are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableModelError("ticket events are immutable")


class Comment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The customer's contact who wrote it without a portal account (an e-mail reply); with an
    # account the author is the contact's user.
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("comment"))
    # A note the system wrote (``tickets.system_notes``): its kind and parameters, so it is
    # shown in the reader's language (``text``); empty for people's comments and old notes.
    system_kind = models.CharField(_("system note kind"), max_length=40, blank=True)
    system_params = models.JSONField(_("system note parameters"), default=dict, blank=True)
    is_internal = models.BooleanField(_("internal"), default=False)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        # Reads of the last months' replies (the renewal risk) stay bounded by them.
        indexes = [models.Index(fields=["created_at"], name="comment_created_idx")]

    @property
    def text(self) -> str:
        """The comment as shown: a system note in the active language, else the body."""
        if not self.system_kind:
            return self.body
        return render_note(self.system_kind, self.system_params or {}, self.body)

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.body[:40]}"


class SlaClock(models.Model):
    """One (ticket, metric) measurement, a snapshot derived from the ticket's events.

    ``next_check_at`` is the next instant the worker must look at this clock (next escalation
    threshold or the breach); it is NULL when nothing can happen without a new event.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="clocks")
    metric = models.CharField(_("metric"), max_length=20)
    priority = models.PositiveSmallIntegerField(_("priority"))
    target_seconds = models.PositiveIntegerField(_("target (business seconds)"))
    target_source = models.CharField(_("target from"), max_length=120, blank=True)
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="clocks")
    calendar_revision = models.PositiveIntegerField()
    timezone = models.CharField(_("measured in zone"), max_length=64)
    state = models.CharField(
        _("state"), max_length=16, choices=ClockState.choices, default=ClockState.RUNNING
    )
    started_at = models.DateTimeField(_("started at"))
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    deadline_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    elapsed_seconds = models.BigIntegerField(_("elapsed business seconds"), default=0)
    remaining_seconds = models.BigIntegerField(_("remaining business seconds"), default=0)
    breached_by_seconds = models.BigIntegerField(_("breached by (business seconds)"), default=0)
    evaluated_at = models.DateTimeField(_("evaluated at"))
    next_check_at = models.DateTimeField(_("next check"), null=True, blank=True)
    last_threshold = models.PositiveSmallIntegerField(_("last threshold crossed (%)"), default=0)
    breach_recorded = models.BooleanField(default=False)

    class Meta:
        ordering = ["ticket", "metric"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "metric"], name="slaclock_unique_metric")
        ]
        indexes = [
            # The worker's due-work index: only clocks with something to do are in it.
            models.Index(
                fields=["next_check_at"],
                name="slaclock_due_idx",
                condition=models.Q(next_check_at__isnull=False),
            ),
            models.Index(fields=["state", "deadline_at"]),
            # The dashboard's today (billing.clockdata.candidate_clocks): clocks still
            # running (stopped_at IS NULL) or stopped since midnight, one bitmap OR of two
            # ranges of this index instead of a scan of every clock.
            models.Index(fields=["stopped_at"], name="slaclock_stopped_idx"),
            # The dashboard's today from stored snapshots (reports.today): clocks breached
            # since midnight that are still running, and unstopped clocks measured on an
            # older calendar revision (one range per calendar, usually empty).
            models.Index(
                fields=["breached_at"],
                name="slaclock_breached_idx",
                condition=models.Q(breached_at__isnull=False),
            ),
            models.Index(
                fields=["calendar", "calendar_revision"],
                name="slaclock_unstopped_rev_idx",
                condition=models.Q(stopped_at__isnull=True),
            ),
        ]
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.metric} {self.state}"

    @property
    def fraction(self) -> float:
        if self.target_seconds == 0:
            return 1.0
        return self.elapsed_seconds / self.target_seconds


def attachment_path(instance: Attachment, filename: str) -> str:
    """``attachments/<ticket>/<random>/<name>``: unguessable, and two files never collide."""
    return f"attachments/{instance.ticket_id}/{uuid.uuid4().hex}/{filename}"


class Attachment(models.Model):
    """A file on a ticket (its description) or on one comment; stored via Django's storage API.

    ``is_internal`` follows the comment (an internal note's files never reach contacts).
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=400)
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=150)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    is_internal = models.BooleanField(_("internal"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name
