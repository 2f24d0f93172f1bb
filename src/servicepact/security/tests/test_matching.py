"""Matching software versions to affected ranges, on plain rows (no database)."""

from __future__ import annotations

from types import SimpleNamespace

from servicepact.security.matching import (
    Affected,
    AffectedRange,
    SoftwareRow,
    asset_rows,
    compare,
    match_rows,
    osv_ranges,
)

DJANGO = Affected(
    ranges=(
        AffectedRange(introduced="3.2", fixed="3.2.20"),
        AffectedRange(introduced="4.0", fixed="4.1.10"),
        AffectedRange(introduced="4.2", fixed="4.2.3"),
    )
)


def test_rows_inside_a_range_match_and_fixed_versions_do_not():
    rows = [
        SoftwareRow(1, "Django", "4.2.2"),  # affected
        SoftwareRow(2, "django", "4.2.3"),  # the fix
        SoftwareRow(3, "django", "3.2.19"),  # affected
        SoftwareRow(4, "django", "3.1.14"),  # before the introduction
        SoftwareRow(5, "flask", "4.2.2"),  # another package
        SoftwareRow(6, "django", "5.0"),  # after every range
        SoftwareRow(1, "django", "4.2.2"),  # the same asset twice: once
    ]
    assert match_rows("django", DJANGO, rows) == [1, 3]


def test_last_affected_is_inclusive_and_explicit_versions_match():
    affected = Affected(
        ranges=(AffectedRange(introduced="0", last_affected="1.1.1n"),),
        versions=frozenset({"2.0.0-rc1"}),
    )
    rows = [
        SoftwareRow(1, "openssl", "1.1.1n"),
        SoftwareRow(2, "openssl", "1.1.1t"),
        SoftwareRow(3, "openssl", "2.0.0-rc1"),
        SoftwareRow(4, "openssl", ""),
    ]
    assert match_rows("OpenSSL", affected, rows) == [1, 3]


def test_debian_versions_compare_in_natural_order():
    assert compare("1.1.1n-0+deb11u4", "1.1.1n-0+deb11u5") == -1
    assert compare("2.4.57-1+deb12u1", "2.4.58") == -1
    assert compare("1.10", "1.9") == 1
    assert compare("4.2.3", "4.2.3") == 0


def test_osv_events_become_closed_ranges():
    events = [
        {"introduced": "0"},
        {"fixed": "1.2"},
        {"introduced": "2.0"},
        {"last_affected": "2.3"},
        {"introduced": "3.0"},
    ]
    assert osv_ranges(events) == [
        {"introduced": "0", "fixed": "1.2"},
        {"introduced": "2.0", "last_affected": "2.3"},
        {"introduced": "3.0"},
    ]
    open_ended = Affected(ranges=(AffectedRange(introduced="3.0"),))
    assert match_rows("x", open_ended, [SoftwareRow(9, "x", "7.1")]) == [9]


def test_todays_asset_fields_give_rows():
    assets = [
        SimpleNamespace(
            pk=1, model="iDRAC9", labels={"firmware": "6.10.30.00", "openssl": "3.0.7"}
        ),
        SimpleNamespace(pk=2, model="", labels={"firmware": "1.0"}),
        SimpleNamespace(pk=3, model="R740", labels=None),
    ]
    assert list(asset_rows(assets)) == [
        SoftwareRow(1, "iDRAC9", "6.10.30.00"),
        SoftwareRow(1, "openssl", "3.0.7"),
    ]
