"""Escalations always reach someone on staff: when a crossing's own recipients (assignee,
team, service manager) are nobody, the duty fallback (``accounts.duty``) hears of it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from servicepact.accounts.duty import duty
from servicepact.notifications import language_for
from servicepact.notifications.choices import Audience, Channel
from servicepact.notifications.models import Notification
from servicepact.notifications.services import (
    Message,
    notify_email,
    notify_user,
    pending_staff_row,
)

logger = logging.getLogger(__name__)


def staff_told(key: str) -> bool:
    """Did a person on staff (in-app or e-mail, not a webhook) get the crossing ``key``?
    Rows still queued in an ``outbox_batch()`` count."""
    if pending_staff_row(f"{key}:"):
        return True
    return Notification.objects.filter(
        idempotency_key__startswith=f"{key}:",
        audience=Audience.STAFF,
        channel__in=(Channel.IN_APP, Channel.EMAIL),
    ).exists()


def notify_duty_if_unheard(*, key: str, message: Callable[[str], Message], now: datetime) -> int:
    """After a crossing's staff notifications: if nobody on staff got it, the duty team (its
    address and active members), else the service managers, else the superusers, each in
    their language (``message(language)``). Returns the number of people or addresses told
    (0 if someone already was)."""
    if staff_told(key):
        return 0
    fallback = duty()
    told = 0
    if fallback.team is not None and fallback.team.email:
        language = language_for(fallback.team)
        notify_email(
            key=f"{key}:duty",
            address=fallback.team.email,
            message=message(language),
            now=now,
            language=language,
        )
        told += 1
    by_mail = fallback.team is None or not fallback.team.email  # else the team address has it
    for member in fallback.users:
        told += bool(
            notify_user(
                key=key, user=member, message=message(language_for(member)), now=now, email=by_mail
            )
        )
    if not told:
        logger.error("escalation %s reached nobody on staff: configure SERVICEPACT_DUTY_TEAM", key)
    return told
