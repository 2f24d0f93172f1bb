"""One folder per backup tool: its parser, real sample payloads and their tests.

A parser is pure: the request body (bytes) and the delivery's options in, ``ParsedRun`` and
``Rejection`` items out, or ``PayloadError`` naming the field (HTTP 400, nothing stored).
"""

from __future__ import annotations

from collections.abc import Callable

from servicepact.backups.sources import bacula, generic, restic
from servicepact.backups.sources.base import (
    Delivery,
    ParsedRun,
    PayloadError,
    Rejection,
)

Parser = Callable[[bytes, Delivery], list[ParsedRun | Rejection]]

PARSERS: dict[str, Parser] = {
    "generic": generic.parse,
    "restic": restic.parse,
    "bacula": bacula.parse,
}

__all__ = ["PARSERS", "Delivery", "ParsedRun", "Parser", "PayloadError", "Rejection"]
