"""What an alert webhook body may be: its size (JSON 413 with the limit) and its JSON depth.

Alerts have their own size limit, ``ALERT_MAX_BODY`` (default 10 MiB), above Django's
``DATA_UPLOAD_MAX_MEMORY_SIZE`` for the rest of the site: the body is read here from the
stream, never through ``request.body`` (whose check would answer an HTML 400 that senders
treat as final).
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, JsonResponse

from servicepact.core import limits as core_limits
from servicepact.core.config import option
from servicepact.monitoring.sources.base import PayloadError

MAX_BODY = 10 * 1024 * 1024
MAX_DEPTH = 32  # an Alertmanager payload is 4 levels deep


def too_large(limit: int) -> JsonResponse:
    detail = f"body: larger than the limit of {limit} bytes; send smaller groups"
    return JsonResponse({"detail": detail, "limit_bytes": limit}, status=413)


def read_body(request: HttpRequest) -> bytes | JsonResponse:
    """The body, or a JSON 413 when it is over the limit (declared length or bytes sent)."""
    limit = int(option("ALERT_MAX_BODY", MAX_BODY))
    try:
        return core_limits.read_body(request, limit=limit)
    except core_limits.BodyTooLarge:
        return too_large(limit)


def load_json(body: bytes) -> Any:
    """JSON, no deeper than ``MAX_DEPTH``; ``PayloadError`` (400) naming the body otherwise."""
    try:
        data = json.loads(body or b"")
    except RecursionError:
        raise PayloadError(f"body: JSON nested deeper than {MAX_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError(f"body: not valid JSON ({exc})") from None
    if isinstance(data, dict | list) and _deeper(data, MAX_DEPTH - 1):
        raise PayloadError(f"body: JSON nested deeper than {MAX_DEPTH} levels")
    return data


def _deeper(container: dict[str, Any] | list[Any], room: int) -> bool:
    """Whether ``container`` holds containers more than ``room`` levels below it. Recursion
    at most ``MAX_DEPTH`` deep (it stops there), so a deep document cannot exhaust the
    stack; the scalars, most of a payload, cost a type test each."""
    for value in container.values() if type(container) is dict else container:
        if (type(value) is dict or type(value) is list) and (room == 0 or _deeper(value, room - 1)):
            return True
    return False
