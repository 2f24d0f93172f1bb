"""The alert intake's fast path: a plain delivery is queued without the rest of the stack.

Monitoring tools post a delivery every few seconds per group, and in a storm thousands: the
inbox endpoint (``POST /api/v1/alerts/{kind}``, monitoring/api.py) is the hottest write of
the product. Its own work is small — hash the token, parse the JSON, append one inbox row —
so most of a delivery's time went to the request path around it: sessions, locale,
messages, CSP, the URL resolver walking ~300 API routes, django-ninja's operation
machinery and an ORM query for the token (docs/performance.md, issue 12's alert endpoint).

``AlertIntakeMiddleware`` sits right after ``SecurityMiddleware`` (request ids, metrics and
the security middleware still see every delivery) and answers only the common case, with
the same pieces the endpoint uses (``PARSERS``, ``read_body``, ``load_json``,
``queue_alerts``) and the same response (``accepted_response``): a POST to a known kind,
a bearer token of an active source of that kind, a body under the limit whose alerts all
parse, more alerts than ``ALERT_INLINE_MAX``. Anything else — a missing or unknown token, a
token of another kind, a body too large, malformed JSON, a rejected alert, a delivery stored
inline — goes on down the stack to the endpoint unchanged, which answers it as it always did
(the body read here is kept on the request for it). The tests post the same deliveries with
and without this middleware and compare status, body and what was stored.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import ResolverMatch, resolve

from servicepact.core.config import option
from servicepact.core.time import now as current_time
from servicepact.monitoring.inbox import accepted_response, queue_alerts
from servicepact.monitoring.limits import load_json, read_body
from servicepact.monitoring.models import AlertSource
from servicepact.monitoring.services import active_source_id
from servicepact.monitoring.sources import PARSERS, ParsedAlert, PayloadError

PREFIX = "/api/v1/alerts/"


class AlertIntakeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._matches: dict[str, ResolverMatch] = {}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path_info.startswith(PREFIX):
            kind = request.path_info[len(PREFIX) :]
            if kind in PARSERS:
                response = self._queue(request, kind)
                if response is not None:
                    return response
        return self.get_response(request)

    def _queue(self, request: HttpRequest, kind: str) -> HttpResponse | None:
        """The 202 of a plain delivery, or None to leave the request to the endpoint."""
        scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer" or " " in token:
            return None
        # The token first: nothing is read or parsed for a sender without one.
        source_id = active_source_id(token, kind)
        if source_id is None:
            return None
        body = read_body(request)  # kept on the request: the endpoint reads it from there
        if isinstance(body, HttpResponse):  # over the limit: the endpoint answers its 413
            return None
        try:
            items = PARSERS[kind](load_json(body))
        except PayloadError:
            return None
        alerts: list[ParsedAlert] = [a for a in items if isinstance(a, ParsedAlert)]
        if len(alerts) != len(items) or len(alerts) <= option("ALERT_INLINE_MAX", 0):
            return None
        # The endpoint's route, for the request metrics and anything reading it later.
        request.resolver_match = self._match(kind)
        queued = queue_alerts(source=AlertSource(pk=source_id), alerts=alerts,
                              received_at=current_time())  # fmt: skip
        return accepted_response(queued)

    def _match(self, kind: str) -> ResolverMatch:
        match = self._matches.get(kind)
        if match is None:
            match = self._matches[kind] = resolve(PREFIX + kind)
        return match
