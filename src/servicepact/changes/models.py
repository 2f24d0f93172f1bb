from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicepact.assets.choices import ComponentKind
from servicepact.assets.models import Asset, ConfigurationItem
from servicepact.changes.choices import (
    CabRule,
    ChangeKind,
    ChangeStatus,
    EventKind,
    Level,
    ProblemStatus,
    ReleaseStatus,
    Vote,
    risk_of,
)
from servicepact.contracts.models import Contract
from servicepact.core.models import TimeStampedModel
from servicepact.customers.models import Customer
from servicepact.tickets.models import Ticket

PLAN_MAX_CHARS = 10000


class ChangeTemplate(TimeStampedModel):
    """A standard change: pre-approved by the change advisory board once, reused many times.

    A standard change needs no board vote; the customer still approves its window (only the
    customer can make downtime planned, docs/changes.md).
    """

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=PLAN_MAX_CHARS)
    impact = models.PositiveSmallIntegerField(_("impact"), choices=Level.choices)
    likelihood = models.PositiveSmallIntegerField(_("likelihood"), choices=Level.choices)
    implementation_plan = models.TextField(
        _("implementation plan"), blank=True, max_length=PLAN_MAX_CHARS
    )
    test_plan = models.TextField(_("test plan"), blank=True, max_length=PLAN_MAX_CHARS)
    rollback_plan = models.TextField(_("rollback plan"), blank=True, max_length=PLAN_MAX_CHARS)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("standard change template")
        verbose_name_plural = _("standard change templates")

    def __str__(self) -> str:
        return self.title


class Change(TimeStampedModel):
    """A planned change on a customer's assets; once approved, its window is planned downtime.

    The window is [planned_start, planned_end). Status moves requested -> approved | rejected,
    approved -> done (services.py); every other move is a TransitionError (HTTP 409).
    """

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="changes")
    contract = models.ForeignKey(
        Contract,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("contract"),
    )
    kind = models.CharField(
        _("type"), max_length=12, choices=ChangeKind.choices, default=ChangeKind.NORMAL
    )
    template = models.ForeignKey(
        ChangeTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("template"),
    )
    impact = models.PositiveSmallIntegerField(_("impact"), choices=Level.choices, default=Level.LOW)
    likelihood = models.PositiveSmallIntegerField(
        _("likelihood"), choices=Level.choices, default=Level.LOW
    )
    impact_description = models.TextField(
        _("impact description"), blank=True, max_length=PLAN_MAX_CHARS
    )
    implementation_plan = models.TextField(
        _("implementation plan"), blank=True, max_length=PLAN_MAX_CHARS
    )
    test_plan = models.TextField(_("test plan"), blank=True, max_length=PLAN_MAX_CHARS)
    rollback_plan = models.TextField(_("rollback plan"), blank=True, max_length=PLAN_MAX_CHARS)
    affected_services = models.TextField(
        _("affected services"), blank=True, max_length=PLAN_MAX_CHARS
    )
    related_tickets = models.ManyToManyField(
        Ticket, blank=True, related_name="changes", verbose_name=_("related tickets")
    )
    cab_rule = models.CharField(
        _("board rule"), max_length=8, choices=CabRule.choices, default=CabRule.ALL
    )
    cab_quorum = models.PositiveSmallIntegerField(_("board quorum"), null=True, blank=True)
    cab_decided_at = models.DateTimeField(_("board decided at"), null=True, blank=True)
    cab_approved = models.BooleanField(_("board approved"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    assets = models.ManyToManyField(Asset, related_name="changes", verbose_name=_("assets"))
    planned_start = models.DateTimeField(_("planned start"))
    planned_end = models.DateTimeField(_("planned end"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ChangeStatus.choices,
        default=ChangeStatus.REQUESTED,
        db_index=True,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True)
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    implemented_at = models.DateTimeField(_("implemented at"), null=True, blank=True)

    class Meta:
        ordering = ["-planned_start", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_end__gt=models.F("planned_start")),
                name="change_window_order",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "planned_start", "planned_end"]),
            # A contact's API list: its customer's changes in list order (keyset on start, id).
            models.Index(
                fields=["customer", "planned_start", "id"], name="change_customer_start_idx"
            ),
        ]
        verbose_name = _("change")
        verbose_name_plural = _("changes")

    def __str__(self) -> str:
        return f"{self.number}: {self.title}"

    @property
    def number(self) -> str:
        return f"CH-{self.pk:06d}" if self.pk else "CH-new"

    @property
    def risk_score(self) -> int:
        return int(self.impact) * int(self.likelihood)

    @property
    def risk(self) -> str:
        return risk_of(int(self.impact), int(self.likelihood))

    @property
    def needs_board(self) -> bool:
        """A standard change is pre-approved by its template; the others need the board."""
        return self.kind != ChangeKind.STANDARD

    @property
    def approved_after_fact(self) -> bool:
        """An emergency change carried out before the customer (or board) approved it."""
        if self.kind != ChangeKind.EMERGENCY or self.started_at is None:
            return False
        late = [t for t in (self.approved_at, self.cab_decided_at) if t is not None]
        return any(t >= self.started_at for t in late)  # not approved before it started


class ChangeApproval(models.Model):
    """One named member of the change advisory board and their vote on one change."""

    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(
        _("decision"), max_length=8, choices=Vote.choices, default=Vote.PENDING
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)

    class Meta:
        ordering = ["change", "id"]
        constraints = [
            models.UniqueConstraint(fields=["change", "approver"], name="change_approver_once")
        ]
        verbose_name = _("board approval")
        verbose_name_plural = _("board approvals")

    def __str__(self) -> str:
        return f"{self.change_id}:{self.approver_id}:{self.decision}"


class ChangeEvent(models.Model):
    """What happened to a change, append-only (the timeline on the change page)."""

    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["change", "at"])]
        verbose_name = _("change event")
        verbose_name_plural = _("change events")

    def __str__(self) -> str:
        return f"{self.change_id}:{self.kind}@{self.at.isoformat()}"


class ConfigurationUpdate(models.Model):
    """A component version the change installs on one of its assets (applied when verified)."""

    change = models.ForeignKey(
        Change, on_delete=models.CASCADE, related_name="configuration_updates"
    )
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="+")
    component_kind = models.CharField(
        _("component kind"), max_length=16, choices=ComponentKind.choices
    )
    name = models.CharField(_("component"), max_length=120)
    version = models.CharField(_("version"), max_length=80)
    applied = models.ForeignKey(
        ConfigurationItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["change", "asset", "component_kind", "name"]
        verbose_name = _("configuration update")
        verbose_name_plural = _("configuration updates")

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


class CalendarFeed(models.Model):
    """A customer's iCalendar feed of changes: a bearer token in the URL, stored hashed."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    prefix = models.CharField(_("prefix"), max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.prefix}…"


class Release(TimeStampedModel):
    """A software release shipped under a contract (software maintenance).

    ``notes`` holds the release notes per language: ``{"en": "...", "zh-hans": "..."}``
    (docs/changes.md); a reader gets their language, else English, else the first one.
    """

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="releases")
    version = models.CharField(_("version"), max_length=80)
    planned_on = models.DateField(_("planned date"))
    status = models.CharField(
        _("status"), max_length=12, choices=ReleaseStatus.choices, default=ReleaseStatus.PLANNED
    )
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    notes = models.JSONField(_("release notes"), default=dict, blank=True)
    assets = models.ManyToManyField(
        Asset, blank=True, related_name="releases", verbose_name=_("assets")
    )
    change = models.ForeignKey(
        Change,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="releases",
        verbose_name=_("change"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-planned_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "version"], name="release_version_once")
        ]
        indexes = [models.Index(fields=["contract", "planned_on"])]
        verbose_name = _("release")
        verbose_name_plural = _("releases")

    def __str__(self) -> str:
        return f"{self.contract_id} {self.version}"

    def notes_in(self, language: str) -> str:
        """The notes in ``language`` (or its base), else English, else any; "" without notes."""
        notes = self.notes or {}
        for key in (language, language.split("-")[0], "en"):
            if notes.get(key):
                return str(notes[key])
        return str(next(iter(notes.values()), ""))


class Problem(TimeStampedModel):
    """An ITIL problem: the unknown cause of one or more incidents (tickets), its root cause
    and workaround once known (a known error), and the changes that fix it (docs/changes.md
    "Problems")."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="problems")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=PLAN_MAX_CHARS)
    status = models.CharField(
        _("status"), max_length=12, choices=ProblemStatus.choices, default=ProblemStatus.OPEN
    )
    root_cause = models.TextField(_("root cause"), blank=True, max_length=PLAN_MAX_CHARS)
    workaround = models.TextField(_("workaround"), blank=True, max_length=PLAN_MAX_CHARS)
    tickets = models.ManyToManyField(
        Ticket, blank=True, related_name="problems", verbose_name=_("incidents")
    )
    changes = models.ManyToManyField(
        Change, blank=True, related_name="problems", verbose_name=_("fixing changes")
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "status"])]
        verbose_name = _("problem")
        verbose_name_plural = _("problems")

    def __str__(self) -> str:
        return f"{self.number}: {self.title}"

    @property
    def number(self) -> str:
        return f"PRB-{self.pk:06d}" if self.pk else "PRB-new"
