"""Clock rules from a metric definition (``contracts.metrics.MetricDef``): a clock starts at
its start stage (the first one), stops at any stop stage, pauses only if the definition says
so, and the built-in rows reproduce the former fixed rules."""

from __future__ import annotations

import pytest

from servicepact.contracts.metrics import MetricDef, load_metrics
from servicepact.tickets.choices import EventKind
from servicepact.tickets.clocks import EventFact, clock_event_kinds, clock_events, event_effect
from servicepact.tickets.testing import ny

A, B, C, D, E = (ny(2025, 6, 9, h) for h in (10, 11, 12, 13, 14))

FIX = MetricDef(
    code="confirmed_fix",
    name="Repair after fault confirmation",
    name_zh="问题确认后修复",
    start=EventKind.FAULT_CONFIRMED,
    stops=frozenset({EventKind.RESTORED, EventKind.RESOLVED}),
    pause_statuses=frozenset({"waiting"}),
    categories=frozenset({"hardware", "os"}),
)


def kinds(metric, *pairs):
    return [
        (e.at, str(e.kind)) for e in clock_events(metric, [EventFact(at, k) for at, k in pairs])
    ]


def test_a_clock_starts_at_its_stage_and_ignores_what_came_before():
    assert kinds(
        FIX,
        (A, EventKind.OPENED),
        (B, EventKind.PAUSED),  # before the confirmation: nothing to pause
        (C, EventKind.RESUMED),
        (C, EventKind.FAULT_CONFIRMED),
        (D, EventKind.PAUSED),
        (E, EventKind.RESOLVED),
    ) == [(C, "start"), (D, "pause"), (E, "stop")]


def test_without_its_start_stage_there_is_no_clock():
    assert kinds(FIX, (A, EventKind.OPENED), (B, EventKind.RESOLVED)) == []


def test_a_metric_that_does_not_pause_ignores_waiting():
    dispatch = MetricDef(
        code="dispatch",
        name="Engineer dispatched",
        name_zh="",
        start=EventKind.OPENED,
        stops=frozenset({EventKind.DISPATCHED}),
    )
    assert kinds(
        dispatch, (A, EventKind.OPENED), (B, EventKind.PAUSED), (C, EventKind.DISPATCHED)
    ) == [(A, "start"), (C, "stop")]


def test_applies_to_its_categories_and_kinds_only():
    assert FIX.applies("hardware") and FIX.applies("os") and not FIX.applies("network")
    requests_only = MetricDef(
        code="fulfil",
        name="Fulfilment",
        name_zh="",
        start=EventKind.OPENED,
        stops=frozenset({EventKind.RESOLVED}),
        kinds=frozenset({"request"}),
    )
    assert requests_only.applies("other", "request")
    assert not requests_only.applies("other", "incident")


@pytest.mark.django_db
def test_the_built_in_rows_keep_the_former_rules():
    seeded = load_metrics()
    # The four built-in rows, then parts_delivery (issue 18, contracts 0009: spare parts).
    assert list(seeded) == ["first_response", "on_site", "restore", "resolution", "parts_delivery"]
    metrics = {code: d for code, d in seeded.items() if code != "parts_delivery"}
    assert clock_event_kinds(metrics.values()) == (
        "acknowledged",
        "closed",
        "onsite_arrived",
        "opened",
        "resolved",
        "restored",
        "reopened",
        "paused",
        "resumed",
    )
    assert [m for m, d in metrics.items() if d.pausable] == ["restore", "resolution"]
    assert [m for m, d in metrics.items() if d.restart_on_reopen] == ["resolution"]
    assert event_effect(metrics["on_site"], EventKind.CLOSED) == "stop"
    assert event_effect(metrics["resolution"], EventKind.CLOSED) is None
    assert event_effect(metrics["restore"], EventKind.REOPENED) is None


@pytest.mark.django_db
def test_names_in_the_readers_language():
    from django.utils import translation

    metrics = load_metrics()
    with translation.override("zh-hans"):
        assert metrics["first_response"].label == "首次响应"
    with translation.override("en"):
        assert metrics["first_response"].label == "First response"
