"""Shown times name their zone by IANA name and UTC offset, never by an abbreviation.

"CST" is China, US Central and Cuba; "IST" is India, Ireland and Israel. Every template goes
through the ``sp_tags`` filters (``core.time.format_instant``); none formats a zone itself.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.template import Context, Template

import servicepact
from servicepact.core.time import format_instant, utc_offset, zone_label

SRC = Path(servicepact.__file__).parent
# A Django date format string given to |date/|time, or a {% now %} tag.
DATE_FORMAT = re.compile(
    r"""\|(?:date|ldate|time):\s*(["'])(?P<fmt>.*?)\1|\{%\s*now\s+(["'])(?P<now>.*?)\3"""
)


def _zone_chars(fmt: str) -> set[str]:
    """The zone format characters (T, e, O, P is not a zone, Z is seconds) outside escapes."""
    found, escaped = set(), False
    for ch in fmt:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in "Te":
            found.add(ch)
    return found


@pytest.mark.parametrize(
    ("tz", "expected"),
    [
        ("Asia/Shanghai", "2025-10-01 09:00 Asia/Shanghai (UTC+08:00)"),
        ("America/Chicago", "2025-09-30 20:00 America/Chicago (UTC-05:00)"),
        ("Asia/Kathmandu", "2025-10-01 06:45 Asia/Kathmandu (UTC+05:45)"),
        ("UTC", "2025-10-01 01:00 UTC"),
    ],
)
def test_format_instant_names_zone_and_offset(tz, expected):
    """01:00 UTC on 1 Oct 2025 in four zones: IANA name and offset, no abbreviation."""
    assert format_instant(datetime(2025, 10, 1, 1, tzinfo=UTC), tz) == expected


def test_the_offset_follows_daylight_saving():
    """New York is UTC-05:00 in January and UTC-04:00 in July."""
    assert zone_label(datetime(2025, 1, 15, 12, tzinfo=UTC), "America/New_York") == (
        "America/New_York (UTC-05:00)"
    )
    assert zone_label(datetime(2025, 7, 15, 12, tzinfo=UTC), "America/New_York") == (
        "America/New_York (UTC-04:00)"
    )
    assert utc_offset(datetime(2025, 7, 15, 12, tzinfo=UTC)) == "UTC+00:00"


def test_a_naive_instant_is_refused():
    with pytest.raises(ValueError, match="naive datetime"):
        format_instant(datetime(2025, 10, 1, 1), "UTC")


def test_the_template_filters_use_the_same_label():
    """in_zone, in_zone_medium, in_zone_short and in_zone_iso: local time + zone label."""
    t = Template(
        "{% load sp_tags %}{{ at|in_zone:tz }}|{{ at|in_zone_medium:tz }}|"
        "{{ at|in_zone_short:tz }}|{{ at|in_zone_iso:tz }}|{{ tz|zone_name:at }}"
    )
    out = t.render(
        Context({"at": datetime(2025, 11, 25, 6, 30, tzinfo=UTC), "tz": "Asia/Shanghai"})
    )
    assert out.split("|") == [
        "Tue 25 Nov 2025, 14:30 Asia/Shanghai (UTC+08:00)",
        "Tue 25 Nov, 14:30 Asia/Shanghai (UTC+08:00)",
        "25 Nov, 14:30 Asia/Shanghai (UTC+08:00)",
        "2025-11-25 14:30 Asia/Shanghai (UTC+08:00)",
        "Asia/Shanghai (UTC+08:00)",
    ]
    assert "CST" not in out


def test_no_template_formats_a_zone_itself():
    """No template uses the T or e date-format characters, or asks for tzname; no Python
    source formats a zone with strftime's %Z (e-mail texts are built in Python)."""
    offenders = []
    templates = [p for p in SRC.rglob("templates/**/*") if p.suffix in {".html", ".txt"}]
    assert len(templates) > 20  # the scan really sees the templates
    for path in templates:
        text = path.read_text(encoding="utf-8")
        for m in DATE_FORMAT.finditer(text):
            if _zone_chars(m.group("fmt") or m.group("now") or ""):
                offenders.append(f"{path.relative_to(SRC)}: {m.group(0)}")
        if "tzname" in text or "get_current_timezone" in text:
            offenders.append(f"{path.relative_to(SRC)}: tzname")
    for path in SRC.rglob("*.py"):
        if "tests" in path.parts:
            continue
        if re.search(r"strftime\([^)]*%Z", path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(SRC)}: %Z")
    assert offenders == []


def test_the_scan_would_catch_a_zone_format():
    """The detector itself: "Y-m-d H:i T" and "e" are caught, an escaped "\\T" is not."""
    assert _zone_chars("Y-m-d H:i T") == {"T"}
    assert _zone_chars("H:i e") == {"e"}
    assert _zone_chars("Y-m-d\\TH:i") == set()
    assert DATE_FORMAT.search('{{ x|date:"Y-m-d H:i T" }}').group("fmt") == "Y-m-d H:i T"
