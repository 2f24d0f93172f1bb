"""Dates and times in the active language's order (core.time.local_format): Chinese reads
year first, "2025年10月1日 09:00", with the zone still named; English is unchanged."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.template import Context, Template
from django.utils import translation

from servicepact.core.time import format_instant, local_format

T = datetime(2025, 10, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, a Wednesday


def test_format_instant_in_chinese_and_english():
    with translation.override("zh-hans"):
        assert format_instant(T, "Asia/Shanghai") == "2025年10月1日 09:00 Asia/Shanghai (UTC+08:00)"
    with translation.override("en"):
        assert format_instant(T, "Asia/Shanghai") == "2025-10-01 09:00 Asia/Shanghai (UTC+08:00)"


def test_the_page_filters_follow_the_language():
    """in_zone (weekday, date, time), in_zone_short and ldate under zh-hans and en."""
    template = Template(
        '{% load sp_tags %}{{ t|in_zone:"Asia/Shanghai" }}|{{ t|in_zone_short:"Asia/Shanghai" }}'
        '|{{ d|ldate:"j M Y" }}|{{ d|ldate:"F Y" }}'
    )
    context = Context({"t": T, "d": date(2025, 10, 1)})
    with translation.override("zh-hans"):
        assert template.render(context) == (
            "2025年10月1日 星期三 09:00 Asia/Shanghai (UTC+08:00)"
            "|10月1日 09:00 Asia/Shanghai (UTC+08:00)|2025年10月1日|2025年10月"
        )
    with translation.override("en"):
        assert template.render(context) == (
            "Wed 1 Oct 2025, 09:00 Asia/Shanghai (UTC+08:00)"
            "|1 Oct, 09:00 Asia/Shanghai (UTC+08:00)|1 Oct 2025|October 2025"
        )


def test_formats_not_listed_stay_as_they_are():
    with translation.override("zh-hans"):
        assert local_format("Y-m-d") == "Y-m-d"
        assert local_format("j M Y") == "Y年n月j日"


def test_durations_on_pages_use_the_languages_units():
    """Pages (localized=True, the countdown) say 1天 2小时 05分 in Chinese; stored and exported
    durations (the default) keep the compact English form in any language."""
    from servicepact.core.templatetags.sp_tags import countdown_duration
    from servicepact.core.time import format_duration

    seconds = 86400 + 2 * 3600 + 5 * 60
    with translation.override("zh-hans"):
        assert format_duration(seconds, localized=True) == "1天 2小时 05分"
        assert format_duration(seconds) == "1d 2h 05m"
        assert countdown_duration(3 * 3600 + 5) == "3小时 00分 05秒"
    with translation.override("en"):
        assert format_duration(seconds, localized=True) == "1d 2h 05m"
        assert countdown_duration(3 * 3600 + 5) == "3h 00m 05s"


def test_money_on_pages_is_grouped_by_locale_with_its_code():
    """format_money: the minor unit (JPY none), grouping from the active locale, the ISO code;
    never a bare currency sign (¥ is both yuan and yen)."""
    from decimal import Decimal

    from servicepact.core.money import format_money

    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert format_money(Decimal("1234.5"), "USD") == "1,234.50 USD"
            assert format_money(Decimal("1234.5"), "JPY") == "1,235 JPY"
            assert format_money(Decimal("98765.4"), "CNY") == "98,765.40 CNY"
    with translation.override("de"):  # a locale that groups differently shows Babel is asked
        assert format_money(Decimal("1234.5"), "EUR") == "1.234,50 EUR"
