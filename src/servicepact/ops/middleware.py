"""Request ids: every request gets one, every log line made while serving it carries it.

An incoming ``X-Request-ID`` (from nginx, a load balancer or a client) is kept when it looks
like an id — 1 to 128 characters of letters, digits and ``-_.:@/+=`` — so one id follows a
request through the proxy's log and ours; anything else is replaced by a fresh UUID. The id is
answered in the ``X-Request-ID`` response header and is ``request.request_id`` in views.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from servicepact.core.logs import request_id_var

HEADER = "X-Request-ID"
SANE_ID = re.compile(r"[A-Za-z0-9\-_.:@/+=]{1,128}")


def request_id_for(request: HttpRequest) -> str:
    incoming: str = request.META.get("HTTP_X_REQUEST_ID", "")
    if SANE_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_for(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        # Not reset on the way out: Django logs 4xx/5xx responses after the middleware chain
        # returns, and those lines need the id too. ``clear_request_id`` (request_finished)
        # empties it once the response is closed.
        request_id_var.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


def clear_request_id(**kwargs: object) -> None:
    """``request_finished`` receiver: later log lines of this thread belong to no request."""
    request_id_var.set(None)
