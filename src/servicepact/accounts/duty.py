"""Who on staff hears of an escalation that reached nobody (no assignee, team or service
manager): the duty team named by ``SERVICEPACT["DUTY_TEAM"]`` (env ``SERVICEPACT_DUTY_TEAM``),
else every active service manager, else every active superuser (docs/worker.md,
"Escalations always reach someone on staff")."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from servicepact.accounts.choices import StaffRole
from servicepact.accounts.models import Team
from servicepact.core.config import option

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Duty:
    """The fallback recipients: a team (its address and members) or staff users."""

    team: Team | None = None
    users: list[Any] = field(default_factory=list)
    superusers: bool = False  # no duty team and no service manager: the superusers

    @property
    def label(self) -> str:
        """For the desk: who hears of the escalations of a contract without a manager."""
        if self.team is not None:
            return _("the duty team %(team)s") % {"team": self.team.name}
        if not self.users:
            return _("nobody: configure a duty team (SERVICEPACT_DUTY_TEAM)")
        if self.superusers:
            return _("the administrators (no duty team, no service manager)")
        return _("all service managers (no duty team is configured)")


def duty() -> Duty:
    name = str(option("DUTY_TEAM", "") or "").strip()
    if name:
        team = Team.objects.filter(name=name).first()
        if team is not None:
            return Duty(team=team, users=list(team.members.filter(is_active=True).order_by("pk")))
        logger.error("SERVICEPACT_DUTY_TEAM names no team: %r", name)
    users = get_user_model().objects.filter(is_active=True, is_staff=True)
    managers = list(users.filter(staff_profile__role=StaffRole.SERVICE_MANAGER).order_by("pk"))
    if managers:
        return Duty(users=managers)
    admins = get_user_model().objects.filter(is_active=True, is_superuser=True).order_by("pk")
    return Duty(users=list(admins), superusers=True)
