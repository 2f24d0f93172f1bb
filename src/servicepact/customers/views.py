"""The header's language switcher (base.html): ``POST /language/``.

Like Django's ``set_language`` it sets the language cookie (anonymous pages follow it), and for
a signed-in person it also stores the choice as their preference (staff profile or contact),
so it holds on every device and their e-mails and statements follow it (core.i18n).
"""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicepact.core.errors import DomainValidationError
from servicepact.core.i18n import remember_language, supported
from servicepact.customers.services import set_preferred_language


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    code = supported(request.POST.get("language"))
    if code is None:
        return HttpResponseBadRequest(_("Choose one of the languages offered."))
    nxt = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        nxt = "/"
    if request.user.is_authenticated:
        # An account with no profile (a bare superuser) keeps no preference; the cookie and
        # the session still switch.
        with contextlib.suppress(DomainValidationError):
            set_preferred_language(user=request.user, language=code)
        remember_language(request, request.user, code)
    response = HttpResponseRedirect(nxt)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
