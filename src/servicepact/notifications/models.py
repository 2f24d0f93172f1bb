"""The outbox: one row per (recipient, channel, event), delivered by the worker.

Domain code enqueues rows inside its own transaction with a deterministic idempotency key
(docs/adr/0003): a crash loses nothing, a re-run duplicates nothing. This app sits below
customers, contracts and tickets, so it refers to them by string FK or plain id only.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicepact.notifications.choices import DUE_STATUSES, Audience, Channel, Status
from servicepact.notifications.signing import new_secret

__all__ = ["Notification", "WebhookEndpoint", "new_secret"]


class WebhookEndpoint(models.Model):
    """A URL that receives JSON events signed the Standard Webhooks way (``signing.py``).

    Without a customer it is the provider's own integration and receives every event; with
    one, it receives that customer's customer-facing events. During a secret rollover
    (``services.rotate_webhook_secret``) the previous secret stays valid until
    ``previous_secret_expires_at`` and deliveries carry a signature for each.
    """

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200, default=new_secret)
    previous_secret = models.CharField(_("previous signing secret"), max_length=200, blank=True)
    previous_secret_expires_at = models.DateTimeField(
        _("previous secret valid until"), null=True, blank=True
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_endpoints",
        verbose_name=_("customer"),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return f"{self.name} ({self.url})"

    def signing_secrets(self, now: datetime) -> list[str]:
        """The secrets a delivery at ``now`` is signed with: the current one, then the
        previous one while its rollover lasts."""
        valid = [self.secret]
        expires = self.previous_secret_expires_at
        if self.previous_secret and expires is not None and now < expires:
            valid.append(self.previous_secret)
        return valid


class Notification(models.Model):
    """One message to one recipient on one channel; the row is its own delivery log."""

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    audience = models.CharField(
        _("audience"), max_length=16, choices=Audience.choices, default=Audience.STAFF
    )
    event = models.CharField(_("event"), max_length=60)
    # E-mail address, webhook URL or username: what the row was addressed to when enqueued.
    recipient = models.CharField(_("recipient"), max_length=500)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    subject = models.CharField(_("subject"), max_length=200)
    # The recipient's language when enqueued (``language_for``); e-mails are rendered in it.
    language = models.CharField(_("language"), max_length=16, blank=True)
    body = models.TextField(_("body"), blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    # Plain ids, not FKs: this app sits below tickets and contracts (import-linter layers).
    ticket_id = models.BigIntegerField(_("ticket id"), null=True, blank=True, db_index=True)
    contract_id = models.BigIntegerField(_("contract id"), null=True, blank=True, db_index=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Customer-facing rows wait for the contract's calendar to open.
    not_before = models.DateTimeField(_("not before"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The delivery loop's due-work index: only rows still to be delivered are in it.
            models.Index(
                fields=["next_attempt_at"],
                name="notification_due_idx",
                condition=models.Q(status__in=DUE_STATUSES),
            ),
            models.Index(
                fields=["user", "created_at"],
                name="notification_inbox_idx",
                condition=models.Q(
                    channel=Channel.IN_APP, status=Status.SENT, read_at__isnull=True
                ),
            ),
            models.Index(fields=["status", "created_at"]),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.channel} to {self.recipient}: {self.subject}"
