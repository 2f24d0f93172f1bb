"""Who is trying to sign in, for the login lockout (django-axes, settings ``AXES_*``).

Failures are counted per (username, client IP). Behind a reverse proxy
(``SERVICEPACT_BEHIND_PROXY=1``, which sets ``SECURE_PROXY_SSL_HEADER``) every request comes from the proxy's address, so the client
is the last ``X-Forwarded-For`` entry: the one the trusted proxy appended (entries before it
are whatever the client sent, and can be forged). Without the flag the header is ignored.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def behind_proxy() -> bool:
    return getattr(settings, "SECURE_PROXY_SSL_HEADER", None) is not None


def client_ip(request: HttpRequest) -> str | None:
    if behind_proxy():
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR")
