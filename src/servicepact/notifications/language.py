"""The language a person's messages are written in: ``language_for(recipient)``.

Every message to a person is built under ``translation.override(language_for(person))``, and
the outbox row remembers that language so the e-mail around the text is rendered in it too.
This is the one place that knows where a person's language is stored: today no model has a
language field, so everyone gets ``settings.LANGUAGE_CODE``. When a ``language`` field is added
(to the user, the contact, or both), this function reads it without any caller changing.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings


def supported(code: str) -> str | None:
    """``code`` if it is one of ``settings.LANGUAGES`` (case-insensitive), else None."""
    known = {lang.lower(): lang for lang, _name in settings.LANGUAGES}
    return known.get((code or "").lower())


def language_for(recipient: Any) -> str:
    """The recipient's language code: its own ``language``, else that of its user account
    (a contact's login), else ``settings.LANGUAGE_CODE``. A code the site does not offer
    falls back too. ``recipient`` may be a user, a contact, anything else, or None."""
    for holder in (recipient, getattr(recipient, "user", None)):
        code = getattr(holder, "language", None)
        if isinstance(code, str) and supported(code):
            return str(supported(code))
    return settings.LANGUAGE_CODE
