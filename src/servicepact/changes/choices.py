from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    DONE = "done", _("Done")


# A change whose window makes downtime planned: it was approved (and maybe carried out since).
APPROVED_STATUSES = (ChangeStatus.APPROVED, ChangeStatus.DONE)
