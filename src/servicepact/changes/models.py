from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicepact.assets.models import Asset
from servicepact.changes.choices import ChangeStatus
from servicepact.core.models import TimeStampedModel
from servicepact.customers.models import Customer


class Change(TimeStampedModel):
    """A planned change on a customer's assets; once approved, its window is planned downtime.

    The window is [planned_start, planned_end). Status moves requested -> approved | rejected,
    approved -> done (services.py); every other move is a TransitionError (HTTP 409).
    """

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="changes")
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
