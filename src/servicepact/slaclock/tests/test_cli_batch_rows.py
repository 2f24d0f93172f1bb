"""``sla batch``: decimal targets are whole seconds (nearest), and ``--skip-bad-rows``."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from servicepact.slaclock.cli import main
from servicepact.slaclock.cli_common import minutes_to_seconds


@pytest.fixture
def always(tmp_path: Path) -> str:
    path = tmp_path / "always.json"
    path.write_text(json.dumps({"timezone": "UTC", "weekly": "24x7"}))
    return str(path)


def batch(tmp_path: Path, calendar: str, rows: str, *extra: str) -> int:
    source = tmp_path / "in.csv"
    source.write_text("id,start,target_minutes,end\n" + rows)
    return main(
        ["batch", "--calendar", calendar, "--input", str(source),
         "--output", str(tmp_path / "out.csv"), *extra]
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("17.116666666666667", 1027),  # 1027 s as a spreadsheet writes it in minutes
        ("17.1167", 1027),  # as the audit export writes it (4 decimals)
        ("17.11666666", 1027),  # a little below: still 1027 s, never 1026
        ("60.5", 3630),
        ("0.0125", 1),  # 0.75 s -> 1 s
        ("0.005", 0),  # 0.3 s -> 0 s
        ("0.00833333333333333333", 0),  # just below half a second
        ("0.008333333333333333334", 1),  # just above
        ("0", 0),
    ],
)
def test_minutes_round_to_the_nearest_second(text: str, seconds: int) -> None:
    assert minutes_to_seconds(text) == seconds


def test_spreadsheet_minutes_give_the_exact_deadline(tmp_path: Path, always: str) -> None:
    """1027 s written as 17.116666666666667 minutes: deadline 00:17:07 (a ceiling gave :08),
    and a stop at 00:17:08 is one second over the target, so breached."""
    rows = (
        "A,2025-06-02T00:00:00Z,17.116666666666667,2025-06-02T00:17:07Z\n"
        "B,2025-06-02T00:00:00Z,17.116666666666667,2025-06-02T00:17:08Z\n"
    )
    assert batch(tmp_path, always, rows) == 0
    assert (tmp_path / "out.csv").read_text().splitlines() == [
        "id,deadline,elapsed_minutes,breached",
        "A,2025-06-02T00:17:07+00:00,17.1167,false",
        "B,2025-06-02T00:17:07+00:00,17.1333,true",
    ]


BAD = (
    "A,2025-06-02T00:00:00Z,60,2025-06-02T02:00:00Z\n"
    "B,2025-06-02T00:00:00Z,60,2025-06-01T00:00:00Z\n"  # end before start
    "C,2025-06-02T00:00:00Z,sixty,\n"
    "D,2025-06-02T00:00:00Z,30,2025-06-02T00:10:00Z\n"
)


def test_end_before_start_stops_the_run_naming_line_and_field(
    tmp_path: Path, always: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --skip-bad-rows the first bad row is a data error (exit 1), nothing written."""
    assert batch(tmp_path, always, BAD) == 1
    err = capsys.readouterr().err
    assert "in.csv:3: end: '2025-06-01T00:00:00Z' is before start" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["always.json", "in.csv"]


def test_skip_bad_rows_writes_them_to_the_errors_file(
    tmp_path: Path, always: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Good rows are computed, each bad row goes to OUT.errors.csv with line and error, exit 3."""
    assert batch(tmp_path, always, BAD, "--skip-bad-rows") == 3
    assert "2 bad rows written to" in capsys.readouterr().err
    assert (tmp_path / "out.csv").read_text().splitlines() == [
        "id,deadline,elapsed_minutes,breached",
        "A,2025-06-02T01:00:00+00:00,120,true",
        "D,2025-06-02T00:30:00+00:00,10,false",
    ]
    with (tmp_path / "out.csv.errors.csv").open(newline="") as f:
        errors = list(csv.reader(f))
    assert errors == [
        ["line", "error", "id", "start", "target_minutes", "end"],
        ["3", f"{tmp_path / 'in.csv'}:3: end: '2025-06-01T00:00:00Z' is before start",
         "B", "2025-06-02T00:00:00Z", "60", "2025-06-01T00:00:00Z"],
        ["4", f"{tmp_path / 'in.csv'}:4: target_minutes: not a number of minutes: 'sixty'",
         "C", "2025-06-02T00:00:00Z", "sixty", ""],
    ]  # fmt: skip


def test_skip_bad_rows_all_good_exits_0_with_an_empty_errors_file(
    tmp_path: Path, always: str
) -> None:
    errors = tmp_path / "bad.csv"
    rows = "A,2025-06-02T00:00:00Z,60,2025-06-02T00:30:00Z\n"
    assert batch(tmp_path, always, rows, "--skip-bad-rows", "--errors", str(errors)) == 0
    assert errors.read_text() == "line,error,id,start,target_minutes,end\n"
    assert not (tmp_path / "out.csv.errors.csv").exists()


def test_skip_bad_rows_still_stops_on_a_bad_header(tmp_path: Path, always: str) -> None:
    """A missing column is not a bad row: exit 1, no output and no errors file."""
    source = tmp_path / "in.csv"
    source.write_text("id,start\nA,2025-06-02T00:00:00Z\n")
    out = tmp_path / "out.csv"
    code = main(
        ["batch", "--calendar", always, "--input", str(source), "--output", str(out),
         "--skip-bad-rows"]
    )  # fmt: skip
    assert code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["always.json", "in.csv"]
