"""Request body limits for the API: a JSON 413 naming the limit, never Django's HTML 400.

Django refuses a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` when ``request.body`` is read
(``RequestDataTooBig``, an HTML 400 that senders treat as final). For ``/api/v1/`` this
module answers 413 ``{"detail": "Request body too large: limit N bytes"}`` instead:

- ``ApiBodyLimitMiddleware`` refuses a declared ``Content-Length`` over the limit before
  anything reads the body;
- ``too_large(limit)`` is the response, for handlers that read the body themselves;
- ``read_body(request, limit=N)`` reads a body under an endpoint's own (larger) limit,
  bypassing the global setting, and raises ``BodyTooLarge`` past it;
- ``body_limit_for(path)`` is the limit that applies to a path: the longest matching prefix
  in ``SERVICEPACT["API_BODY_LIMITS"]`` (bytes, or the name of the option that holds them:
  ``{"/api/v1/alerts/": "ALERT_MAX_BODY"}``; ``*`` stands for one path segment), else
  ``DATA_UPLOAD_MAX_MEMORY_SIZE``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext

from servicepact.core.config import option

API_PREFIX = "/api/v1/"
DEFAULT_LIMIT = 2_621_440  # Django's own default, 2.5 MiB
# Endpoints that read their body themselves under a larger limit and answer their own JSON 413
# (monitoring.limits: alert webhooks; mail.api: raw e-mail); the middleware leaves them to it.
DEFAULT_OVERRIDES: dict[str, int | str] = {
    "/api/v1/alerts/": "ALERT_MAX_BODY",
    "/api/v1/mail/inbound": "MAIL_MAX_BODY",
}


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"request body over {limit} bytes")
        self.limit = limit


def global_limit() -> int:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return DEFAULT_LIMIT if limit is None else int(limit)


def body_limit_for(path: str) -> int:
    """The limit for ``path``: an override's bytes, or the value of the ServicePact option it
    names (read per request, e.g. ``"ALERT_MAX_BODY"``), else the global limit."""
    overrides: dict[str, int | str] = option("API_BODY_LIMITS", DEFAULT_OVERRIDES) or {}
    matches = [prefix for prefix in overrides if _starts_with(path, prefix)]
    if not matches:
        return global_limit()
    limit = overrides[max(matches, key=len)]
    return int(option(limit, global_limit())) if isinstance(limit, str) else int(limit)


def _starts_with(path: str, prefix: str) -> bool:
    """A plain prefix, or one with ``*`` standing for one path segment
    (``/api/v1/tickets/*/attachments``)."""
    if "*" not in prefix:
        return path.startswith(prefix)
    pattern = "[^/]+".join(re.escape(part) for part in prefix.split("*"))
    return re.match(pattern, path) is not None


def too_large(limit: int) -> JsonResponse:
    detail = gettext("Request body too large: limit %(limit)s bytes") % {"limit": limit}
    return JsonResponse({"detail": detail}, status=413)


def declared_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def read_body(request: HttpRequest, *, limit: int) -> bytes:
    """The raw body under ``limit`` bytes, whatever ``DATA_UPLOAD_MAX_MEMORY_SIZE`` says."""
    if declared_length(request) > limit:
        raise BodyTooLarge(limit)
    if hasattr(request, "_body"):  # already read (Django caches it there)
        body: bytes = request.body
    else:
        body = request.read(limit + 1)
        request._body = body  # so request.body works afterwards
    if len(body) > limit:
        raise BodyTooLarge(limit)
    return body


class ApiBodyLimitMiddleware:
    """413 JSON for an API request whose declared body is over its limit; also turns a
    ``RequestDataTooBig``/``BodyTooLarge`` raised while reading an API body into that 413."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reads_itself = any(request.path.startswith(p) for p in DEFAULT_OVERRIDES)
        if request.path.startswith(API_PREFIX) and not reads_itself:
            limit = body_limit_for(request.path)
            if declared_length(request) > limit:
                return too_large(limit)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not request.path.startswith(API_PREFIX):
            return None
        if isinstance(exc, BodyTooLarge):
            return too_large(exc.limit)
        if isinstance(exc, RequestDataTooBig):
            return too_large(global_limit())
        return None
