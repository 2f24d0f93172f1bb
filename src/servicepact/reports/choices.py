from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StatementStatus(models.TextChoices):
    GENERATED = "generated", _("Generated")
    SENT = "sent", _("Sent to the customer")
    NO_RECIPIENTS = "no_recipients", _("Generated; no contact receives statements")


class Format(models.TextChoices):
    HTML = "html", "HTML"
    PDF = "pdf", "PDF"
    CSV = "csv", "CSV"
    JSON = "json", "JSON"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being written")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")
