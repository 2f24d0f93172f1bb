"""Alert sources: one folder per external format, each with its parser, samples and tests.

``parse_payload(kind, data)`` dispatches to ``sources/<kind>/parser.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from servicepact.monitoring.sources.alertmanager.parser import parse as parse_alertmanager
from servicepact.monitoring.sources.base import ParsedAlert, PayloadError, Rejection
from servicepact.monitoring.sources.generic.parser import parse as parse_generic
from servicepact.monitoring.sources.zabbix.parser import parse as parse_zabbix

PARSERS: dict[str, Callable[[Any], list[ParsedAlert | Rejection]]] = {
    "alertmanager": parse_alertmanager,
    "zabbix": parse_zabbix,
    "generic": parse_generic,
}


def parse_payload(kind: str, data: Any) -> list[ParsedAlert | Rejection]:
    try:
        parser = PARSERS[kind]
    except KeyError:
        raise PayloadError(f"kind: unknown alert source kind {kind!r}") from None
    return parser(data)


__all__ = ["PARSERS", "ParsedAlert", "PayloadError", "Rejection", "parse_payload"]
