from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleKind(models.TextChoices):
    FAQ = "faq", _("FAQ")
    SOP = "sop", _("Standard operating procedure")
    MANUAL = "manual", _("Manual")
    TROUBLESHOOTING = "troubleshooting", _("Troubleshooting guide")
    KNOWN_ERROR = "known_error", _("Known error")
    RELEASE_NOTE = "release_note", _("Release note")


class Visibility(models.TextChoices):
    INTERNAL = "internal", _("Internal (staff only)")
    CUSTOMER = "customer", _("One customer")
    PUBLIC = "public", _("Public to all customers")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    CHINESE = "zh-hans", _("Chinese (Simplified)")


class HandoverDocument(models.TextChoices):
    TOPOLOGY = "topology", _("Network and system topology")
    CREDENTIALS = "credentials", _("Credentials handling procedure")
    RUNBOOKS = "runbooks", _("Runbooks")
    CONTACTS = "contacts", _("Contacts")
    ESCALATION = "escalation", _("Escalation matrix")
    OTHER = "other", _("Other document")


# The documents every handover pack starts with (the contract's knowledge-transfer clause).
REQUIRED_DOCUMENTS = (
    HandoverDocument.TOPOLOGY,
    HandoverDocument.CREDENTIALS,
    HandoverDocument.RUNBOOKS,
    HandoverDocument.CONTACTS,
    HandoverDocument.ESCALATION,
)

TITLE_MAX_CHARS = 200
BODY_MAX_CHARS = 100_000
