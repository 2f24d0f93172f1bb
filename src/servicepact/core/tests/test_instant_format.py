"""core.time.InstantFormat writes what format_instant writes, for every instant it is given."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from servicepact.core.templatetags.sp_tags import (
    DATETIME_FORMAT,
    ISO_DATETIME_FORMAT,
    MEDIUM_DATETIME_FORMAT,
    SHORT_DATETIME_FORMAT,
)
from servicepact.core.time import LOCAL_FORMATS, InstantFormat, format_instant

ZONES = [
    "UTC",
    "Asia/Shanghai",
    "America/New_York",  # DST both ways
    "Asia/Kathmandu",  # UTC+05:45
    "Australia/Lord_Howe",  # a half-hour DST shift
    "America/St_Johns",  # UTC-03:30 / -02:30
]
FORMATS = sorted(
    {DATETIME_FORMAT, MEDIUM_DATETIME_FORMAT, SHORT_DATETIME_FORMAT, ISO_DATETIME_FORMAT}
    | set(LOCAL_FORMATS["zh-hans"])
    | {"D, d m Y H:i", "l j F Y, H:i", r"j \o\f M", "N j, P"}  # other characters, an escape
)


def _instants() -> list[datetime]:
    rng = random.Random(12)
    base = datetime(1999, 12, 31, 23, 30, tzinfo=UTC)
    picked = [base + timedelta(seconds=rng.randrange(0, 40 * 365 * 86400)) for _ in range(150)]
    # Around DST changes in New York and Lord Howe, and year ends.
    for edge in (
        datetime(2025, 3, 9, 6, 59, tzinfo=UTC),
        datetime(2025, 11, 2, 5, 59, tzinfo=UTC),
        datetime(2025, 4, 5, 14, 59, tzinfo=UTC),
        datetime(2025, 12, 31, 15, 59, tzinfo=UTC),
    ):
        picked += [edge + timedelta(minutes=m) for m in range(0, 121, 7)]
    return picked


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("tz", ZONES)
def test_equal_to_format_instant(language, tz):
    with translation.override(language):
        for fmt in FORMATS:
            stamp = InstantFormat(tz, fmt)
            for instant in _instants():
                assert stamp(instant) == format_instant(instant, tz, fmt), (fmt, instant)


def test_the_language_when_made_is_kept():
    """Months and weekdays are looked up once: the formatter is per page, in one language."""
    t = datetime(2025, 10, 1, 1, tzinfo=UTC)
    with translation.override("zh-hans"):
        zh = InstantFormat("Asia/Shanghai", "D j M Y, H:i")
    with translation.override("en"):
        assert zh(t) == "2025年10月1日 星期三 09:00 Asia/Shanghai (UTC+08:00)"
        assert InstantFormat("Asia/Shanghai", "D j M Y, H:i")(t) == (
            "Wed 1 Oct 2025, 09:00 Asia/Shanghai (UTC+08:00)"
        )


def test_a_naive_instant_is_refused():
    with pytest.raises(ValueError):
        InstantFormat("UTC")(datetime(2025, 1, 1))
