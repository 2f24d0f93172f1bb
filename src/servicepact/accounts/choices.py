from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffRole(models.TextChoices):
    AGENT_L1 = "agent_l1", _("Service desk agent (1st level)")
    AGENT_L2 = "agent_l2", _("Service desk agent (2nd level)")
    ENGINEER = "engineer", _("On-site engineer")
    SERVICE_MANAGER = "service_manager", _("Service manager")
    BILLING = "billing", _("Billing")


class BillingRole(models.TextChoices):
    """The grade an hour of work is priced at (the rate card's roles); a permission role
    (``StaffRole``) says what a person may do, this one what an hour of theirs costs."""

    ENGINEER = "engineer", _("Engineer")
    SENIOR_ENGINEER = "senior_engineer", _("Senior engineer")
    SPECIALIST = "specialist", _("Specialist")
