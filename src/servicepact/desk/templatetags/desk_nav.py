"""The desk header's counts: unmatched alerts waiting for triage, the agent's unread notifications."""

from __future__ import annotations

from typing import Any

from django import template

from servicepact.core.sql import counts
from servicepact.monitoring.selectors import unmatched_alerts
from servicepact.notifications.selectors import unread_for

register = template.Library()


@register.simple_tag(takes_context=True)
def desk_nav_counts(context: Any) -> dict[str, int]:
    """``{% desk_nav_counts as counts %}`` -> {"alerts": n, "unread": n} (one query)."""
    user = context.get("user")
    if user is None or not getattr(user, "is_staff", False):
        return {"alerts": 0, "unread": 0}
    alerts, unread = counts(unmatched_alerts(), unread_for(user))
    return {"alerts": alerts, "unread": unread}
