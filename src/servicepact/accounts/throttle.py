"""Who is trying to sign in, for the login lockout (django-axes, settings ``AXES_*``).

Failures are counted per (username, client IP). Behind a reverse proxy
(``SERVICEPACT_BEHIND_PROXY=1``, which sets ``SECURE_PROXY_SSL_HEADER``) every request comes from the proxy's address, so the client
is the last ``X-Forwarded-For`` entry: the one the trusted proxy appended (entries before it
are whatever the client sent, and can be forged). Without the flag the header is ignored.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest


def behind_proxy() -> bool:
    return getattr(settings, "SECURE_PROXY_SSL_HEADER", None) is not None


def client_ip(request: HttpRequest) -> str | None:
    if behind_proxy():
        forwarded: str = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    remote: str | None = request.META.get("REMOTE_ADDR")
    return remote


# django-axes ships no type information (no py.typed, no stub package): its base class is Any.
class LockoutBackend(AxesStandaloneBackend):  # type: ignore[misc]
    """Axes' lockout check, first in ``AUTHENTICATION_BACKENDS``.

    Axes refuses to authenticate without a request. Every sign-in over HTTP passes one (the
    login form, the admin's); a call without one comes from code on the server itself (the
    test client's ``login()``, a shell), which has nothing to throttle, so it is let through
    to the password check instead of failing.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        # Axes answers None (a locked-out caller is refused by an exception instead).
        super().authenticate(request, username=username, password=password, **kwargs)
        return None
