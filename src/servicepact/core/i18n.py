"""A person's language: the choices, where the preference is stored, and the UI following it.

* ``language_choices()``: ``settings.LANGUAGES`` (read when a form or check asks, not at import),
  the choices of ``StaffProfile.preferred_language`` and ``Contact.preferred_language``.
* ``preferred_language(person)``: the one reading of those fields (a user, its staff profile,
  its contact, or a contact); ``notifications.language_for`` builds messages with it.
* The UI follows the preference after login: the login stores it in the session
  (``remember_language``, on ``user_logged_in``, so no request pays a query for it) and
  ``PersonLanguageMiddleware`` activates it on every request of that session. Anonymous pages
  and people without a preference keep Django's ``LocaleMiddleware`` choice (the language
  cookie, else ``Accept-Language``). docs/i18n.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

SESSION_KEY = "sp_language"  # [user id, language code or ""]


def language_choices() -> list[tuple[str, Any]]:
    return list(settings.LANGUAGES)


def preferred_language_field(help_text: Any) -> models.CharField[str, str]:
    """The ``preferred_language`` column of a person (staff profile, contact): a code of
    ``settings.LANGUAGES`` or "" (no preference: the browser's language, the site's for
    messages)."""
    return models.CharField(
        _("language"), max_length=16, blank=True, choices=language_choices, help_text=help_text
    )


def supported(code: str | None) -> str | None:
    """``code`` as ``settings.LANGUAGES`` spells it (case-insensitive; "zh-Hans" ->
    "zh-hans"), or None when the site does not offer it."""
    known = {lang.lower(): lang for lang, _name in settings.LANGUAGES}
    return known.get((code or "").lower())


def preferred_language(person: Any) -> str | None:
    """The language ``person`` chose, or None. ``person``: a user (its own ``language``
    attribute when set, its staff profile's, its contact's), a contact, a team (none), None.
    Codes the site does not offer count as no choice."""
    holders = [person]
    for relation in ("staff_profile", "contact", "user"):
        # A missing one-to-one row raises RelatedObjectDoesNotExist, an AttributeError.
        related = getattr(person, relation, None)
        if related is not None:
            holders.append(related)
    for holder in holders:
        for field in ("language", "preferred_language"):
            code = supported(getattr(holder, field, None))
            if code:
                return code
    return None


def remember_language(request: HttpRequest, user: Any, code: str | None = None) -> None:
    """Store ``user``'s preference (or ``code``, just chosen) in the session: at login, and
    when the switcher changes it."""
    request.session[SESSION_KEY] = [user.pk, code or preferred_language(user) or ""]


def on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """``user_logged_in`` receiver (connected in ``CoreConfig.ready``)."""
    if request is not None and hasattr(request, "session"):
        remember_language(request, user)


class PersonLanguageMiddleware:
    """After ``AuthenticationMiddleware``: a signed-in person's stored preference wins over
    the cookie and ``Accept-Language`` that ``LocaleMiddleware`` looked at."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is not None and user.is_authenticated and session is not None:
            stored = session.get(SESSION_KEY)
            if not stored or stored[0] != user.pk:
                # A session from before this middleware, or a login that bypassed the signal.
                remember_language(request, user)
                stored = session[SESSION_KEY]
            code = supported(stored[1])
            if code:
                translation.activate(code)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
