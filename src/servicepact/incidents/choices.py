from __future__ import annotations

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def level_label(level: int) -> str:
    """Level 1 is shown "I" (most severe), 4 is "IV"."""
    return ROMAN.get(level, str(level))


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


# The classification a contract gets when it has none of its own (docs/incidents.md).
# Levels I and II are major incidents; III and IV are ordinary tickets.
DEFAULT_LEVELS: tuple[tuple[int, Promise, int], ...] = (
    (1, _("Critical: many systems or all users down, or data lost"), 1),
    (2, _("Serious: one critical system down or degraded for many users"), 1),
    (3, _("Moderate: one system degraded, a workaround exists"), 2),
    (4, _("Minor: little impact, few users"), 3),
)
