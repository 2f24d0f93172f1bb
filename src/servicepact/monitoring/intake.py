"""The alert intake's fast path: a plain delivery is queued without the rest of the stack.

Monitoring tools post a delivery every few seconds per group, and in a storm thousands: the
inbox endpoint (``POST /api/v1/alerts/{kind}``, monitoring/api.py) is the hottest write of
the product. Its own work is small — hash the token, parse the JSON, append one inbox row —
so most of a delivery's time went to the request path around it: sessions, locale,
messages, CSP, the URL resolver walking ~300 API routes, django-ninja's operation
machinery and an ORM query for the token (docs/performance.md, issue 12's alert endpoint).

``AlertIntakeMiddleware`` sits right after ``SecurityMiddleware`` (request ids, metrics and
the security middleware still see every delivery) and answers only the common case, with
the same pieces the endpoint uses (``PARSERS``, ``read_body``, ``load_json``, the inbox's
rows) and the same response (``accepted_response``): a POST to a known kind, a bearer token
of an active source of that kind, a body under the limit whose alerts all parse, more
alerts than ``ALERT_INLINE_MAX``.

One round trip per delivery from a known sender: the first delivery of a token looks its
source up (one SELECT); the process keeps (token hash, kind) -> source id of the tokens it
found active, and every delivery's INSERT carries the check itself (``queue_for_token``:
``INSERT … SELECT … WHERE EXISTS`` the source, active, of that kind, with that token hash).
A source deactivated or a token rotated since is refused by that INSERT, nothing is written,
the hint is dropped and the endpoint answers the request (its 401). Only tokens found active
are kept (an unknown token cannot fill the map), at most ``KNOWN_SOURCES`` (ADR 0032).

Anything else — a missing or unknown token, a token of another kind, a body too large,
malformed JSON, a rejected alert, a delivery stored inline — goes on down the stack to the
endpoint unchanged, which answers it as it always did (the body read here is kept on the
request for it). The tests post the same deliveries with and without this middleware and
compare status, body and what was stored.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import ResolverMatch, resolve

from servicepact.accounts.services import hash_token
from servicepact.core.config import option
from servicepact.core.time import now as current_time
from servicepact.monitoring.inbox import accepted_response, queue_for_token
from servicepact.monitoring.limits import load_json, read_body
from servicepact.monitoring.services import active_source_id
from servicepact.monitoring.sources import PARSERS, ParsedAlert, PayloadError

PREFIX = "/api/v1/alerts/"
KNOWN_SOURCES = 1024  # hints kept per process (only tokens found active are kept)


class AlertIntakeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._matches: dict[str, ResolverMatch] = {}
        # (token hash, kind) -> id of a source seen active: a hint, never the authority.
        self._sources: dict[tuple[str, str], int] = {}

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
        # The token first: nothing is read or parsed for a sender without one. A token seen
        # active before is not looked up again: the INSERT below checks it as it writes.
        digest = hash_token(token) if token else ""
        source_id = self._sources.get((digest, kind))
        if source_id is None:
            source_id = active_source_id(digest, kind) if digest else None
            if source_id is None:
                return None
            if len(self._sources) >= KNOWN_SOURCES:
                self._sources.clear()
            self._sources[digest, kind] = source_id
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
        queued = queue_for_token(source_id=source_id, token_hash=digest, kind=kind,
                                 alerts=alerts, received_at=current_time())  # fmt: skip
        if not queued:  # deactivated or rotated since it was seen: the endpoint answers
            self._sources.pop((digest, kind), None)
            return None
        return accepted_response(queued)

    def _match(self, kind: str) -> ResolverMatch:
        match = self._matches.get(kind)
        if match is None:
            match = self._matches[kind] = resolve(PREFIX + kind)
        return match
