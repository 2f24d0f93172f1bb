from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImapSecurity(models.TextChoices):
    SSL = "ssl", _("TLS (IMAPS, port 993)")
    STARTTLS = "starttls", _("STARTTLS (port 143)")
    # Plain IMAP: only for a server on the same host (tests, a local relay).
    NONE = "none", _("None (loopback only)")


class Outcome(models.TextChoices):
    """What became of one inbound message."""

    TICKET = "ticket", _("Opened a ticket")
    COMMENT = "comment", _("Added a reply")
    IGNORED = "ignored", _("Ignored (auto-reply, bounce or loop)")
    TRIAGE = "triage", _("Unknown sender: waiting for triage")
    FAILED = "failed", _("Could not be processed")
    RESOLVED = "resolved", _("Triaged")
