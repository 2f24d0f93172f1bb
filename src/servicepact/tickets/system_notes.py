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

from servicepact.contracts.choices import Metric
from servicepact.core.time import format_duration

ALERT_FIRING = "alert_firing"
ALERT_FIRING_AGAIN = "alert_firing_again"
ALERT_FLAPPING = "alert_flapping"
ALERT_RESOLVED = "alert_resolved"
ALERT_REOPENED = "alert_reopened"
# Why a deadline moved (``deadline_moved`` events' ``reason_note``).
PRIORITY_MOVED = "priority_moved"
TERMS_MOVED = "terms_moved"
PLAN_TARGET_SET = "plan_target_set"
CALENDAR_CHANGED = "calendar_changed"
TARGET_CHANGED = "target_changed"
NO_TARGET = "no_target"

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
    ALERT_REOPENED: gettext_lazy("Monitoring: alert %(alert)s fired again at %(at)s."),
    PRIORITY_MOVED: gettext_lazy("priority P%(before)s -> P%(after)s: %(reason)s"),
    TERMS_MOVED: gettext_lazy("contract %(contract)s v%(version)s: %(reason)s"),
    PLAN_TARGET_SET: gettext_lazy(
        "plan %(plan)s: P%(priority)s %(metric)s target set to %(minutes)s min"
    ),
    CALENDAR_CHANGED: gettext_lazy(
        "calendar %(calendar)s changed (revision %(before)s -> %(after)s)"
    ),
    TARGET_CHANGED: gettext_lazy("target changed from %(before)s to %(after)s min (%(source)s)"),
    NO_TARGET: gettext_lazy("no target for this metric at the new priority"),
}


def _values(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters as the text shows them: an empty severity, a duration in seconds."""
    values = dict(params)
    if "severity" in values and not values["severity"]:
        values["severity"] = gettext("no severity")
    english = (translation.get_language() or "en").split("-")[0] == "en"
    if values.get("metric") in Metric.values and not english:
        # English keeps the code ("P2 resolution target"), as the stored text always read.
        values["metric"] = str(Metric(values["metric"]).label)
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

    def as_data(self) -> dict[str, Any]:
        """What an event stores beside its English ``reason``: ``{"kind", "params"}``."""
        return {"kind": self.kind, "params": self.params}


Reason = str | SystemNote


def reason_data(reason: Reason) -> dict[str, Any]:
    """An event's ``reason`` (English text, what the engine and exports read) and, for a
    system-written reason, its ``reason_note`` (``render_reason`` shows it translated)."""
    if isinstance(reason, SystemNote):
        return {"reason": reason.english(), "reason_note": reason.as_data()}
    return {"reason": reason}


def render_reason(data: dict[str, Any]) -> str:
    """An event's reason in the active language (the stored text for people's reasons)."""
    note = data.get("reason_note") or {}
    fallback = str(data.get("reason", ""))
    if not isinstance(note, dict) or not note.get("kind"):
        return fallback
    return render(str(note["kind"]), dict(note.get("params") or {}), fallback)


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
