from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Adds aware UTC creation and modification instants."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class ImmutableModelError(RuntimeError):
    """Raised when code tries to change or delete a row that is history."""


class WorkerHeartbeat(models.Model):
    """One row per worker process, rewritten at the end of each pass.

    ``/readyz`` and ``/metrics`` read the newest ``beat_at``; ``last_ok_at`` moves only when
    every step of the pass succeeded. Rows of processes that stopped beating are pruned.
    """

    worker = models.CharField(_("worker"), max_length=200, unique=True)
    beat_at = models.DateTimeField(_("last pass at"), db_index=True)
    last_ok_at = models.DateTimeField(_("last successful pass at"), null=True, blank=True)
    failed_steps = models.PositiveIntegerField(_("failed steps in the last pass"), default=0)
    pass_seconds = models.FloatField(_("duration of the last pass (s)"), default=0.0)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.worker} @ {self.beat_at.isoformat()}"
