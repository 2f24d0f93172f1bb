"""Reads of inbound e-mail (staff only: nothing here is shown to contacts)."""

from __future__ import annotations

from django.db.models import QuerySet

from servicepact.mail.choices import Outcome
from servicepact.mail.models import InboundMessage


def triage_messages() -> QuerySet[InboundMessage]:
    """E-mail waiting for a person: unknown senders, and messages that could not be processed
    (kept with the reason), newest first (the partial index ``inbound_triage_idx``)."""
    return (
        InboundMessage.objects.filter(outcome__in=[Outcome.TRIAGE, Outcome.FAILED])
        .select_related("mailbox")
        .defer("raw")
        .order_by("-received_at", "-id")
    )
