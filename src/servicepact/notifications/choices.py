from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")
    IN_APP = "in_app", _("In-app")


class Status(models.TextChoices):
    PENDING = "pending", _("Pending")  # waiting for its first attempt (or for not_before)
    FAILED = "failed", _("Failed, will retry")  # an attempt failed; retried at next_attempt_at
    SENT = "sent", _("Sent")
    DEAD = "dead", _("Dead letter")  # gave up after the last attempt; an admin can retry


# The statuses the delivery loop picks up (the partial index holds only these rows).
DUE_STATUSES = (Status.PENDING, Status.FAILED)


class Audience(models.TextChoices):
    STAFF = "staff", _("Provider staff")
    CUSTOMER = "customer", _("Customer")
