"""System notes: a kind and parameters, written in the reader's language when shown."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import translation

from servicepact.tickets import services as ts
from servicepact.tickets import system_notes
from servicepact.tickets.models import Comment, TicketEvent
from servicepact.tickets.testing import world

pytestmark = pytest.mark.django_db


def test_a_resolved_note_in_both_languages(clock):
    w = world()
    ticket = ts.open_ticket(customer=w.customer, asset=w.asset, subject="x")
    note = system_notes.alert_resolved(
        alert="DiskFull",
        host="db01",
        at=datetime(2025, 6, 2, 13, 30, tzinfo=UTC),
        started=datetime(2025, 6, 2, 12, 0, tzinfo=UTC),
    )
    (comment_id,) = ts.add_system_notes(notes=[(ticket, note)])
    comment = Comment.objects.get(pk=comment_id)
    assert comment.body == (
        "Monitoring: alert DiskFull on db01 resolved at 2025-06-02T13:30:00+00:00 "
        "(firing for 1h 30m)."
    )
    assert comment.system_params["duration_seconds"] == 5400
    with translation.override("zh-hans"):
        assert comment.text == (
            "监控：db01 上的告警 DiskFull 已于 2025-06-02T13:30:00+00:00 解除（持续触发 1小时 30分）。"
        )


def test_empty_severity_is_written_in_the_readers_language():
    note = system_notes.alert_firing(
        alert="Ping", severity="", host="h1", since=datetime(2025, 6, 2, tzinfo=UTC)
    )
    assert "(no severity)" in note.english()
    with translation.override("zh-hans"):
        assert "（无严重程度）" in system_notes.render(note.kind, note.params)


def test_people_and_old_notes_show_their_body():
    assert Comment(body="Disk replaced.").text == "Disk replaced."
    old = Comment(body="Legacy text", system_kind="gone_kind", system_params={})
    with translation.override("zh-hans"):
        assert old.text == "Legacy text"
    broken = Comment(body="Kept", system_kind=system_notes.ALERT_FIRING, system_params={})
    assert broken.text == "Kept"


def test_a_priority_change_moves_deadlines_with_a_translated_reason(clock):
    w = world()
    ticket = ts.open_ticket(customer=w.customer, asset=w.asset, subject="x", impact=3, urgency=3)
    ts.change_priority(ticket=ticket, actor=w.agent, priority=1, reason="customer escalated")
    moved = ticket.events.filter(kind="deadline_moved").first()
    assert moved is not None
    assert moved.data["reason"].startswith("priority P")
    assert moved.data["reason"].endswith(": customer escalated")
    with translation.override("zh-hans"):
        assert moved.reason_text.startswith("优先级 P")
        assert moved.reason_text.endswith("：customer escalated")


def test_people_reasons_are_shown_as_written():
    event = TicketEvent(kind="reopened", data={"reason": "Still broken"})
    with translation.override("zh-hans"):
        assert event.reason_text == "Still broken"
