"""``Idempotency-Key`` on POST creates: a retried create returns the first answer.

A handler marked with ``core.api_schema.idempotent`` and called with the header:

1. the whole request (authentication, parsing, the handler, rendering) runs in one transaction;
2. before the handler, a live row for (caller, key) is looked up: same fingerprint (method,
   path, body) -> the stored answer is sent again with ``Idempotent-Replayed: true``; another
   fingerprint -> 422 on ``["header", "Idempotency-Key"]``;
3. a 2xx answer is stored under (caller, key) in the same transaction; any other answer is
   rolled back and not stored (a retry runs again);
4. two concurrent requests with the same key: the unique constraint on (user, key) lets one
   insert win; the loser's transaction (with whatever it created) rolls back and it answers
   like step 2 from the winner's row.

Keys live ``IDEMPOTENCY_TTL_SECONDS`` (default one day); each stored answer deletes the
expired rows (indexed on ``expires_at``). Callers that are not users (alert-source tokens)
are not tracked: their header is ignored.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext, gettext_noop
from ninja import NinjaAPI
from ninja.errors import ValidationError

from servicepact.api import services
from servicepact.api.models import IdempotencyKey
from servicepact.core.api_schema import (
    IDEMPOTENCY_HEADER,
    IDEMPOTENCY_KEY_PATTERN,
    IDEMPOTENT_ATTR,
)
from servicepact.core.config import option
from servicepact.core.time import now

HEADER = IDEMPOTENCY_HEADER
REPLAYED = "Idempotent-Replayed"
_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)

_PENDING = "_servicepact_idempotency"
REUSED = gettext_noop("this key was already used with a different request; use a new key")


class Replay(Exception):
    def __init__(self, row: IdempotencyKey) -> None:
        super().__init__(row.key)
        self.row = row


def ttl() -> timedelta:
    return timedelta(seconds=int(option("IDEMPOTENCY_TTL_SECONDS", 24 * 3600)))


def fingerprint(request: HttpRequest) -> str:
    """SHA-256 of method, path and body (JSON compared by value, not by spacing; a multipart
    upload by its fields and its files' names and bytes, streamed, never held in memory)."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    if request.content_type == "multipart/form-data":
        digest.update(json.dumps(sorted(request.POST.lists())).encode())
        for name, uploads in sorted(request.FILES.lists()):
            for upload in uploads:
                digest.update(f"\n{name}:{upload.name}\n".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
        return digest.hexdigest()
    body: bytes = request.body
    with contextlib.suppress(ValueError):
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    digest.update(body)
    return digest.hexdigest()


def key_error(msg: str, kind: str) -> ValidationError:
    """A 422 on the header; ``msg`` is translated into the caller's language here."""
    return ValidationError([{"loc": ["header", HEADER], "msg": gettext(msg), "type": kind}])


def _caller(request: HttpRequest) -> Any:
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _live_row(user: Any, key: str) -> IdempotencyKey | None:
    row = IdempotencyKey.objects.filter(user=user, key=key).first()
    if row is not None and row.expires_at <= now():
        services.forget_key(row=row)
        return None
    return row


def _answer(row: IdempotencyKey, request_fingerprint: str) -> None:
    """Replay the stored answer, or refuse a different request under the same key."""
    if row.fingerprint != request_fingerprint:
        raise key_error(REUSED, "key_reused")
    raise Replay(row)


def replay_response(row: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(bytes(row.body), status=row.status, content_type=row.content_type)
    response[REPLAYED] = "true"
    return response


def forget_expired() -> int:
    return services.forget_expired_keys(now=now())


def _store(request: HttpRequest, response: HttpResponse) -> None:
    user, key, request_fingerprint = getattr(request, _PENDING)
    forget_expired()
    moment = now()
    services.store_answer(
        user=user,
        key=key,
        fingerprint=request_fingerprint,
        status=response.status_code,
        content_type=response.get("Content-Type", "application/json"),
        body=response.content,
        created_at=moment,
        expires_at=moment + ttl(),
    )


def _marked(view: Any) -> bool:
    return bool(getattr(view, IDEMPOTENT_ATTR, False))


def guard_view(view: Callable[..., Any]) -> Callable[..., Any]:
    """Runs after authentication and parsing: replay, refuse, or note what to store."""
    if not _marked(view):
        return view

    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        user = _caller(request)
        if key is not None and user is not None:
            if not _KEY.match(key):
                raise key_error(gettext_noop("1 to 255 visible ASCII characters"), "key_invalid")
            request_fingerprint = fingerprint(request)
            row = _live_row(user, key)
            if row is not None:
                _answer(row, request_fingerprint)
            setattr(request, _PENDING, (user, key, request_fingerprint))
        return view(request, *args, **kwargs)

    return guarded


def guard_run(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The whole request in one transaction; a 2xx answer is stored with it."""
    operation = getattr(run, "__self__", None)
    if operation is None or not _marked(operation.view_func):
        return run

    @functools.wraps(run)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if HEADER not in request.headers:
            return run(request, *args, **kwargs)
        try:
            with transaction.atomic():
                response = run(request, *args, **kwargs)
                if hasattr(request, _PENDING) and 200 <= response.status_code < 300:
                    _store(request, response)
                else:
                    transaction.set_rollback(True)
                return response
        except IntegrityError:
            if not hasattr(request, _PENDING):
                raise
            # A concurrent request with the same key committed first: answer from its row.
            user, key, request_fingerprint = getattr(request, _PENDING)
            row = IdempotencyKey.objects.filter(user=user, key=key).first()
            if row is None:
                raise
            if row.fingerprint != request_fingerprint:
                return _reused_response()
            return replay_response(row)

    return guarded


def _reused_response() -> HttpResponse:
    return JsonResponse({"detail": key_error(REUSED, "key_reused").errors}, status=422)


def install(api: NinjaAPI) -> None:
    """Wraps every operation marked ``idempotent`` (the others pass through untouched)."""

    @api.exception_handler(Replay)
    def replayed(request: HttpRequest, exc: Replay) -> HttpResponse:
        return replay_response(exc.row)

    api.add_decorator(guard_view, mode="operation")
    api.add_decorator(guard_run, mode="view")
