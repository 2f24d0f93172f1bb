"""The language a person's messages are written in: ``language_for(recipient)``.

Every message to a person is built under ``translation.override(language_for(person))``, and
the outbox row remembers that language so the e-mail around the text is rendered in it too.
This is the one hook for messages: it reads the person's preference
(``core.i18n.preferred_language``: ``StaffProfile.preferred_language`` for staff,
``Contact.preferred_language`` for a contact or its login), else ``settings.LANGUAGE_CODE``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from servicepact.core.i18n import preferred_language, supported

__all__ = ["language_for", "language_relations", "supported"]

# Where a user's language is stored: a worker that tells many people reads them with the users
# (``select_related(*language_relations("assignee"))``) instead of two queries per recipient.
PERSON_LANGUAGE_RELATIONS = ("staff_profile", "contact")


def language_relations(*users: str) -> list[str]:
    """The ``select_related`` paths that carry the language of the users at ``users`` (paths
    to ``User`` foreign keys; "" for a queryset of users itself)."""
    return [
        f"{path}__{relation}" if path else relation
        for path in users
        for relation in PERSON_LANGUAGE_RELATIONS
    ]


def language_for(recipient: Any) -> str:
    """The recipient's language code: its own choice (a contact's, a user's staff profile or
    contact, a contact's login), else ``settings.LANGUAGE_CODE``. A code the site does not
    offer falls back too. ``recipient`` may be a user, a contact, a team, anything, or None."""
    return preferred_language(recipient) or settings.LANGUAGE_CODE
