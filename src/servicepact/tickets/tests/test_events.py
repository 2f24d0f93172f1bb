"""The event log's schema lives in ``tickets/events.py``: one keyword-only constructor per
kind, and nothing else in the package builds or writes a ``TicketEvent``."""

from __future__ import annotations

import ast
import inspect
from datetime import UTC, datetime
from pathlib import Path

import pytest

import servicepact
from servicepact.tickets import events
from servicepact.tickets.choices import EventKind

PACKAGE = Path(servicepact.__file__).parent


def test_every_kind_has_a_constructor_that_builds_that_kind():
    """Each EventKind maps to its constructors; each is keyword-only and builds its kind."""
    assert set(events.CONSTRUCTORS) == set(EventKind.values)
    for kind, constructors in events.CONSTRUCTORS.items():
        for constructor in constructors:
            parameters = inspect.signature(constructor).parameters.values()
            assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters), constructor
            assert f"EventKind.{EventKind(kind).name}" in inspect.getsource(constructor)
    assert events.paused(status=("in_progress", "waiting"), reason="logs").kind == EventKind.PAUSED


def test_payloads_are_json_shaped():
    """Pairs become lists and instants ISO strings, as the JSON column stores them, so an
    event read back equals the one just written."""
    moved = events.deadline_moved(
        metric="resolution",
        before=datetime(2025, 6, 2, 21, tzinfo=UTC),
        after=None,
        reason="priority P2 -> P3: typo",
    )
    assert moved.data == {
        "metric": "resolution",
        "before": "2025-06-02T21:00:00+00:00",
        "after": None,
        "reason": "priority P2 -> P3: typo",
    }
    assigned = events.assigned(assignee=(None, "ann"), team=("L1", None))
    assert (assigned.data, assigned.public) == (
        {"assignee": [None, "ann"], "team": ["L1", None]},
        False,
    )
    assert events.commented(comment_id=7, internal=True).public is False


def test_positional_arguments_are_refused():
    with pytest.raises(TypeError):
        events.reopened(("resolved", "in_progress"), "still down")


def test_no_module_builds_a_ticket_event_outside_events_py():
    """``TicketEvent(...)``/``TicketEvent.objects.create``/``.bulk_create`` and ``record_event(kind=...,
    data=...)`` appear nowhere but ``tickets/events.py`` (tests excepted)."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if "tests" in rel.parts or "migrations" in rel.parts or str(rel) == "tickets/events.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            text = ast.unparse(node.func)
            keywords = {k.arg for k in node.keywords}
            written = (
                "TicketEvent",
                "TicketEvent.objects.create",
                "TicketEvent.objects.bulk_create",
            )
            if text in written or (text.endswith("record_event") and {"kind", "data"} & keywords):
                offenders.append(f"{rel}:{node.lineno}")
    assert offenders == []
