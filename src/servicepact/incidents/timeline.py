"""A major incident's timeline, generated from its ticket's events (docs/incidents.md).

Each public event the customer may read (``tickets.history.customer_history``) becomes one
entry, worded by the same template the portal's ticket page uses
(``servicepact/_event_text.html``, customer view) in the active language, plus the public
comments (first line) and the declaration itself. Staff then edit the entries; a regenerate
replaces the edits."""

from __future__ import annotations

import re
from typing import Any

from django.template.loader import render_to_string
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from servicepact.contracts.metrics import labels as metric_labels
from servicepact.incidents.choices import level_label
from servicepact.incidents.models import MajorIncident
from servicepact.tickets.choices import EventKind
from servicepact.tickets.history import customer_history

_SPACES = re.compile(r"\s+")
_BETWEEN_SPANS = re.compile(r"</span>\s*<span")
COMMENT_CHARS = 300


def event_text(event: Any, zone: str, labels: dict[str, str] | None = None) -> str:
    """One event as the customer reads it (``labels``: metric names, read once per timeline)."""
    html: str = render_to_string(
        "servicepact/_event_text.html",
        {
            "e": event,
            "tz": zone,
            "customer_view": True,
            "metric_labels": metric_labels() if labels is None else labels,
        },
    )
    # The title and its detail are two spans: "Priority P2 → P1 · Major incident, level I".
    html = _BETWEEN_SPANS.sub("</span> · <span", html)
    return _SPACES.sub(" ", strip_tags(html)).strip()


def generate_timeline(incident: MajorIncident) -> list[dict[str, Any]]:
    """The entries in time order: ``{"at": ISO instant, "text": str, "event": id | None}``."""
    ticket = incident.ticket
    zone = ticket.timezone
    public = ticket.events.filter(public=True).order_by("at", "id")
    entries: list[dict[str, Any]] = []
    names = metric_labels()
    for event in customer_history(public):
        if event.kind == EventKind.COMMENTED:
            continue  # the comment itself follows, with its words
        entries.append(
            {"at": event.at.isoformat(), "text": event_text(event, zone, names), "event": event.pk}
        )
    for comment in ticket.comments.filter(is_internal=False).order_by("created_at", "id"):
        first = comment.text.strip().splitlines()[0] if comment.text.strip() else ""
        if first:
            entries.append(
                {
                    "at": comment.created_at.isoformat(),
                    "text": _("Update: %(text)s") % {"text": first[:COMMENT_CHARS]},
                    "event": None,
                }
            )
    entries.append(
        {
            "at": incident.declared_at.isoformat(),
            "text": _("Declared a major incident, level %(level)s: %(summary)s")
            % {"level": level_label(incident.level), "summary": incident.summary},
            "event": None,
        }
    )
    entries.sort(key=lambda e: e["at"])
    return entries
