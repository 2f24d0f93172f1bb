"""Table tests: pauses remove business time, never wall-clock time."""

from __future__ import annotations

from datetime import datetime

import pytest

from servicepact.slaclock import PauseSet
from servicepact.slaclock.tests.support import OFFICE_BERLIN, at, compiled, epoch


def pauses(*pairs: str) -> list[tuple[datetime, datetime]]:
    return [(at(p.split("/")[0]), at(p.split("/")[1])) for p in pairs]


BUSINESS_CASES = [
    # (case, a, b, pauses, expected seconds); calendar Mon-Fri 09:00-18:00 Berlin
    (
        "pause inside hours",
        "2025-06-02T09:00+02:00",
        "2025-06-02T12:00+02:00",
        ["2025-06-02T10:00+02:00/2025-06-02T10:30+02:00"],
        9000,
    ),
    (
        "pause in closed time changes nothing",
        "2025-06-02T09:00+02:00",
        "2025-06-03T10:00+02:00",
        ["2025-06-02T19:00+02:00/2025-06-03T08:00+02:00"],
        10 * 3600,
    ),
    (
        "pause partly before a",
        "2025-06-02T09:30+02:00",
        "2025-06-02T12:00+02:00",
        ["2025-06-02T08:00+02:00/2025-06-02T10:00+02:00"],
        2 * 3600,
    ),
    (
        "pause partly after b",
        "2025-06-02T09:00+02:00",
        "2025-06-02T12:00+02:00",
        ["2025-06-02T11:00+02:00/2025-06-02T15:00+02:00"],
        2 * 3600,
    ),
    (
        "overlapping pauses count once",
        "2025-06-02T09:00+02:00",
        "2025-06-02T12:00+02:00",
        [
            "2025-06-02T09:30+02:00/2025-06-02T10:00+02:00",
            "2025-06-02T09:45+02:00/2025-06-02T10:15+02:00",
        ],
        3 * 3600 - 45 * 60,
    ),
    (
        "pause covering everything",
        "2025-06-02T09:00+02:00",
        "2025-06-02T12:00+02:00",
        ["2025-06-01T00:00+02:00/2025-06-05T00:00+02:00"],
        0,
    ),
]


@pytest.mark.parametrize(
    ("case", "a", "b", "pause_list", "expected"), BUSINESS_CASES, ids=[c[0] for c in BUSINESS_CASES]
)
def test_business_seconds_with_pauses(
    case: str, a: str, b: str, pause_list: list[str], expected: int
) -> None:
    """Paused open time does not count; paused closed time makes no difference."""
    assert compiled(OFFICE_BERLIN).business_seconds(at(a), at(b), pauses(*pause_list)) == expected


DEADLINE_CASES = [
    # (case, start, target minutes, pauses, expected deadline)
    (
        "pause delays by its open part",
        "2025-06-02T09:00+02:00",
        120,
        ["2025-06-02T09:30+02:00/2025-06-02T10:00+02:00"],
        "2025-06-02T11:30+02:00",
    ),
    (
        "pause over the night",
        "2025-06-02T09:00+02:00",
        60,
        ["2025-06-02T09:30+02:00/2025-06-03T09:15+02:00"],
        "2025-06-03T09:45+02:00",
    ),
    (
        "overlapping pauses merged",
        "2025-06-02T09:00+02:00",
        60,
        [
            "2025-06-02T09:30+02:00/2025-06-02T10:00+02:00",
            "2025-06-02T09:45+02:00/2025-06-02T10:15+02:00",
        ],
        "2025-06-02T10:45+02:00",
    ),
    (
        "pause started before start",
        "2025-06-02T08:30+02:00",
        30,
        ["2025-06-02T08:00+02:00/2025-06-02T09:30+02:00"],
        "2025-06-02T10:00+02:00",
    ),
    (
        "target reached as the pause starts",
        "2025-06-02T09:00+02:00",
        30,
        ["2025-06-02T09:30+02:00/2025-06-02T10:00+02:00"],
        "2025-06-02T09:30+02:00",
    ),
    (
        "pause over a closing time",
        "2025-06-06T17:00+02:00",
        120,
        ["2025-06-06T17:30+02:00/2025-06-09T09:30+02:00"],
        "2025-06-09T11:00+02:00",
    ),
    (
        "pause only in closed time",
        "2025-06-06T17:00+02:00",
        120,
        ["2025-06-06T19:00+02:00/2025-06-09T08:00+02:00"],
        "2025-06-09T10:00+02:00",
    ),
    (
        "pause after the deadline ignored",
        "2025-06-02T09:00+02:00",
        60,
        ["2025-06-02T11:00+02:00/2025-06-02T12:00+02:00"],
        "2025-06-02T10:00+02:00",
    ),
    (
        "zero target inside a pause",
        "2025-06-02T10:00+02:00",
        0,
        ["2025-06-02T09:00+02:00/2025-06-02T11:00+02:00"],
        "2025-06-02T10:00+02:00",
    ),
    (
        "start inside a pause",
        "2025-06-02T10:00+02:00",
        30,
        ["2025-06-02T09:00+02:00/2025-06-02T11:00+02:00"],
        "2025-06-02T11:30+02:00",
    ),
]


@pytest.mark.parametrize(
    ("case", "start", "minutes", "pause_list", "expected"),
    DEADLINE_CASES,
    ids=[c[0] for c in DEADLINE_CASES],
)
def test_deadline_with_pauses(
    case: str, start: str, minutes: int, pause_list: list[str], expected: str
) -> None:
    """Deadlines move by the business time the pauses swallow, and by nothing else."""
    cal = compiled(OFFICE_BERLIN)
    assert cal.deadline(at(start), minutes * 60, pauses(*pause_list)) == at(expected)


def test_bulk_pauses_match_the_table() -> None:
    """The bulk API gives the same deadlines as the table for all rows in one call."""
    cal = compiled(OFFICE_BERLIN)
    rows = [
        [(epoch(p.split("/")[0]), epoch(p.split("/")[1])) for p in case[3]]
        for case in DEADLINE_CASES
    ]
    starts = [epoch(case[1]) for case in DEADLINE_CASES]
    targets = [case[2] * 60 for case in DEADLINE_CASES]
    result = cal.deadline_many(starts, targets, PauseSet.from_rows(rows))
    assert result.tolist() == [epoch(case[4]) for case in DEADLINE_CASES]


def test_pauseset_sorts_merges_and_drops_empty() -> None:
    """A PauseSet keeps each row's pauses sorted and disjoint; empty pauses vanish."""
    pause_set = PauseSet.from_rows(
        [[(50, 60), (10, 20), (15, 30), (30, 35), (40, 40)], [], [(5, 6)]]
    )
    assert pause_set.row(0) == [(10, 35), (50, 60)]
    assert pause_set.row(1) == []
    assert pause_set.row(2) == [(5, 6)]
    assert pause_set.offsets.tolist() == [0, 2, 2, 3]


def test_pauseset_rejects_reversed_pause() -> None:
    """A pause that ends before it starts is an error, not an empty pause."""
    with pytest.raises(ValueError, match="ends before it starts"):
        PauseSet.from_rows([[(20, 10)]])


def test_reversed_datetime_pause_names_the_field() -> None:
    """The scalar API names the bad pause in its error."""
    cal = compiled(OFFICE_BERLIN)
    with pytest.raises(ValueError, match=r"pauses\[0\]"):
        cal.deadline(
            at("2025-06-02T09:00+02:00"),
            60,
            [(at("2025-06-02T10:00+02:00"), at("2025-06-02T09:00+02:00"))],
        )


FROM_ROW_INDEX_CASES = [
    # (case, n_rows, rows, start, end): the same set as the constructor gives
    ("ordered and apart: kept as given", 4, [0, 0, 2], [1, 5, 3], [3, 8, 4]),
    ("no pauses", 3, [], [], []),
    ("touching: merged", 2, [1, 1], [1, 3], [3, 5]),
    ("overlapping: merged", 2, [0, 0], [1, 2], [4, 3]),
    ("out of order in a row: sorted", 2, [0, 0], [5, 1], [6, 2]),
    ("rows out of order: sorted", 3, [2, 0, 2], [1, 7, 4], [2, 9, 6]),
    ("empty pause: dropped", 2, [0, 1, 1], [4, 2, 5], [4, 3, 6]),
]


@pytest.mark.parametrize(("case", "n_rows", "rows", "start", "end"), FROM_ROW_INDEX_CASES)
def test_pauseset_from_row_index_equals_the_constructor(
    case: str, n_rows: int, rows: list[int], start: list[int], end: list[int]
) -> None:
    order = sorted(range(len(rows)), key=lambda i: rows[i])
    offsets = [0] * (n_rows + 1)
    for r in rows:
        offsets[r + 1] += 1
    for i in range(n_rows):
        offsets[i + 1] += offsets[i]
    expected = PauseSet(offsets, [start[i] for i in order], [end[i] for i in order])
    found = PauseSet.from_row_index(n_rows, rows, start, end)
    assert found.offsets.tolist() == expected.offsets.tolist(), case
    assert found.start.tolist() == expected.start.tolist(), case
    assert found.end.tolist() == expected.end.tolist(), case
    assert found.rows.tolist() == expected.rows.tolist(), case
    assert [found.row(i) for i in range(n_rows)] == [expected.row(i) for i in range(n_rows)]


def test_pauseset_from_row_index_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="ends before it starts"):
        PauseSet.from_row_index(1, [0], [5], [4])
    with pytest.raises(ValueError, match=r"\[0, n_rows\)"):
        PauseSet.from_row_index(1, [1], [1], [2])
    with pytest.raises(ValueError, match="one length"):
        PauseSet.from_row_index(1, [0, 0], [1], [2])
