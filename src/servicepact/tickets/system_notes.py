"""Notes the system writes on tickets (monitoring's alert notes), stored as a kind and
parameters and written in the reader's language when shown (``Comment.text``).

The comment's ``body`` keeps the English text too: it is what exports and searches read, and
what a note written before kinds were stored (``system_kind`` empty) shows in every language.
Add a kind here with its English text (``gettext_lazy``, named placeholders) and its Chinese
translation in the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from servicepact.core.time import format_duration

ALERT_FIRING = "alert_firing"
ALERT_FIRING_AGAIN = "alert_firing_again"
ALERT_FLAPPING = "alert_flapping"
ALERT_RESOLVED = "alert_resolved"

TEXTS: dict[str, Promise] = {
    ALERT_FIRING: gettext_lazy(
        "Monitoring: alert %(alert)s (%(severity)s) is firing on %(host)s since %(since)s."
    ),
    ALERT_FIRING_AGAIN: gettext_lazy(
        "Monitoring: alert %(alert)s is firing again since %(since)s."
    ),
    ALERT_FLAPPING: gettext_lazy(
        "Monitoring: alert %(alert)s is flapping (%(changes)s state changes within "
        "%(minutes)s min); further changes are merged into this incident and one outage."
    ),
    ALERT_RESOLVED: gettext_lazy(
        "Monitoring: alert %(alert)s on %(host)s resolved at %(at)s (firing for %(duration)s)."
    ),
}


def _values(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters as the text shows them: an empty severity, a duration in seconds."""
    values = dict(params)
    if "severity" in values and not values["severity"]:
        values["severity"] = gettext("no severity")
    if "duration_seconds" in values:
        values["duration"] = format_duration(int(values["duration_seconds"]), localized=True)
    return values


def render(kind: str, params: dict[str, Any], fallback: str = "") -> str:
    """The note ``kind`` with ``params`` in the active language; ``fallback`` for an unknown
    kind or parameters that do not fit (an old row)."""
    text = TEXTS.get(kind)
    if text is None:
        return fallback
    try:
        return str(text) % _values(params)
    except (KeyError, TypeError, ValueError):
        return fallback


@dataclass(frozen=True)
class SystemNote:
    kind: str
    params: dict[str, Any] = field(default_factory=dict)

    def english(self) -> str:
        with translation.override("en"):
            return render(self.kind, self.params)


# ---------------------------------------------------------------- monitoring's notes


def alert_firing(*, alert: str, severity: str, host: str, since: datetime) -> SystemNote:
    return SystemNote(
        ALERT_FIRING,
        {"alert": alert, "severity": severity, "host": host, "since": since.isoformat()},
    )


def alert_firing_again(*, alert: str, since: datetime) -> SystemNote:
    return SystemNote(ALERT_FIRING_AGAIN, {"alert": alert, "since": since.isoformat()})


def alert_flapping(*, alert: str, changes: int, minutes: int) -> SystemNote:
    return SystemNote(ALERT_FLAPPING, {"alert": alert, "changes": changes, "minutes": minutes})


def alert_resolved(*, alert: str, host: str, at: datetime, started: datetime) -> SystemNote:
    return SystemNote(
        ALERT_RESOLVED,
        {
            "alert": alert,
            "host": host,
            "at": at.isoformat(),
            "duration_seconds": int((at - started).total_seconds()),
        },
    )
