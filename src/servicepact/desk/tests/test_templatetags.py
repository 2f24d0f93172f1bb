"""The shared template filters: durations, instants in a zone, countdown text."""

from __future__ import annotations

from datetime import timedelta

from django.template import Context, Template

from servicepact.core.templatetags.sp_tags import (
    bar_percent,
    countdown_duration,
    countdown_text,
    in_zone,
    in_zone_short,
)

from .conftest import ny


def test_countdown_duration_matches_the_script_format():
    assert countdown_duration(0) == "0s"
    assert countdown_duration(59) == "59s"
    assert countdown_duration(65) == "1m 05s"
    assert countdown_duration(3 * 3600 + 5) == "3h 00m 05s"
    assert countdown_duration(86400 + 3600 + 60) == "1d 1h 01m"
    assert countdown_duration(-65) == "1m 05s"


def test_countdown_text_says_left_or_overdue():
    deadline = ny(2025, 3, 3, 10)
    assert countdown_text(deadline, deadline - timedelta(minutes=5)) == "5m 00s left"
    assert countdown_text(deadline, deadline + timedelta(seconds=30)) == "30s overdue"


def test_instants_are_shown_in_the_zone_asked_for_with_its_name_and_offset():
    instant = ny(2025, 7, 1, 14, 30)
    assert (
        in_zone(instant, "America/New_York") == "Tue 1 Jul 2025, 14:30 America/New_York (UTC-04:00)"
    )
    assert in_zone(instant, "Europe/Berlin") == "Tue 1 Jul 2025, 20:30 Europe/Berlin (UTC+02:00)"
    assert in_zone_short(instant, "Asia/Shanghai") == "2 Jul, 02:30 Asia/Shanghai (UTC+08:00)"
    assert in_zone(None, "UTC") == ""


def test_bar_percent_is_clamped():
    assert (bar_percent(0.5), bar_percent(1.7), bar_percent(-1), bar_percent(None)) == (
        50,
        100,
        0,
        0,
    )


def test_countdown_tag_renders_a_time_element_for_the_script(db):
    html = Template("{% load sp_tags %}{% countdown when %}").render(
        Context({"when": ny(2030, 1, 1)})
    )
    assert html.startswith('<time class="countdown countdown-future"')
    assert 'data-deadline="2030-01-01T00:00:00-05:00"' in html
    assert 'data-past="%s overdue"' in html
