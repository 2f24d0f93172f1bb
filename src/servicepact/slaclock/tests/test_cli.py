"""The ``sla`` command line: deadline, elapsed and batch (called through main())."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from servicepact.slaclock.cli import main
from servicepact.slaclock.tests.support import SPLIT_SHANGHAI

SRC = Path(__file__).resolve().parents[3]


@pytest.fixture
def calendar_file(tmp_path: Path) -> str:
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(SPLIT_SHANGHAI))
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_deadline(capsys: pytest.CaptureFixture[str], calendar_file: str) -> None:
    """Tue 17:00 + 90 min skips the National Day holidays: Wed Oct 8 09:30 +08:00."""
    code, out, _ = run(
        capsys,
        "deadline",
        "--calendar",
        calendar_file,
        "--start",
        "2025-09-30T17:00:00+08:00",
        "--minutes",
        "90",
    )
    assert (code, out) == (0, "2025-10-08T09:30:00+08:00\n")


def test_deadline_decimal_minutes_utc_input_and_pause(
    capsys: pytest.CaptureFixture[str], calendar_file: str
) -> None:
    """'Z' input, 60.5 minutes and a 20-minute pause: 17:00 local + 40 min, then Oct 8 09:20:30."""
    code, out, _ = run(
        capsys,
        "deadline", "--calendar", calendar_file, "--start", "2025-09-30T09:00:00Z", "--minutes", "60.5",
        "--pause", "2025-09-30T09:10:00Z/2025-09-30T09:30:00Z",
    )  # fmt: skip
    assert (code, out) == (0, "2025-10-08T09:20:30+08:00\n")


def test_elapsed(capsys: pytest.CaptureFixture[str], calendar_file: str) -> None:
    """60 min on Sep 30 plus 09:00-10:30 on Oct 8 is 150 minutes, printed as a whole number."""
    code, out, _ = run(
        capsys,
        "elapsed",
        "--calendar",
        calendar_file,
        "--start",
        "2025-09-30T17:00+08:00",
        "--end",
        "2025-10-08T10:30+08:00",
    )
    assert (code, out) == (0, "150\n")


def test_elapsed_fraction_and_pause(capsys: pytest.CaptureFixture[str], calendar_file: str) -> None:
    """30 s past the half hour and a 30 min pause: 120.5 minutes."""
    code, out, _ = run(
        capsys,
        "elapsed", "--calendar", calendar_file, "--start", "2025-09-30T17:00:00+08:00", "--end", "2025-10-08T10:30:30+08:00",
        "--pause", "2025-10-08T09:00:00+08:00/2025-10-08T09:30:00+08:00",
    )  # fmt: skip
    assert (code, out) == (0, "120.5\n")


def test_elapsed_one_second_rounds_to_four_decimals(
    capsys: pytest.CaptureFixture[str], calendar_file: str
) -> None:
    """One second is 0.0167 minutes (four decimals, half-even)."""
    code, out, _ = run(
        capsys,
        "elapsed",
        "--calendar",
        calendar_file,
        "--start",
        "2025-09-30T09:00:00+08:00",
        "--end",
        "2025-09-30T09:00:01+08:00",
    )
    assert (code, out) == (0, "0.0167\n")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["deadline", "--start", "2025-09-30T17:00", "--minutes", "5"],
            "--start: not an ISO-8601 instant with offset: '2025-09-30T17:00' has no UTC offset",
        ),
        (
            ["deadline", "--start", "yesterday", "--minutes", "5"],
            "--start: not an ISO-8601 instant with offset: 'yesterday'",
        ),
        (
            ["deadline", "--start", "2025-09-30T17:00Z", "--minutes", "-5"],
            "--minutes: not a non-negative number",
        ),
        (
            ["elapsed", "--start", "2025-09-30T17:00Z", "--end", "2025-09-30T16:00Z"],
            "--end: before --start",
        ),
        (
            [
                "deadline",
                "--start",
                "2025-09-30T17:00Z",
                "--minutes",
                "5",
                "--pause",
                "2025-09-30T17:00Z",
            ],
            "--pause: expected START/END",
        ),
    ],
)
def test_bad_arguments_exit_2(
    capsys: pytest.CaptureFixture[str], calendar_file: str, argv: list[str], message: str
) -> None:
    """Bad instants and numbers are usage errors: exit 2 with a message naming the option."""
    code, out, err = run(capsys, argv[0], "--calendar", calendar_file, *argv[1:])
    assert (code, out) == (2, "")
    assert message in err


def test_missing_option_exits_2(capsys: pytest.CaptureFixture[str], calendar_file: str) -> None:
    """argparse usage errors return 2 instead of raising SystemExit."""
    code, _, err = run(capsys, "deadline", "--calendar", calendar_file)
    assert code == 2 and "--start" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"timezone": "Mars/Base", "weekly": "24x7"}', "timezone: unknown time zone 'Mars/Base'"),
        (
            '{"timezone": "UTC", "weekly": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}}',
            "weekly.mon[1]: 11:00-13:00 overlaps",
        ),
        ('{"timezone": "UTC", "weekly": ', "not valid JSON: line 1"),
    ],
)
def test_bad_calendar_exits_2_naming_the_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, message: str
) -> None:
    """An invalid calendar file is reported with the file name and the field path, exit 2."""
    path = tmp_path / "bad.json"
    path.write_text(content)
    code, out, err = run(
        capsys,
        "deadline",
        "--calendar",
        str(path),
        "--start",
        "2025-09-30T17:00Z",
        "--minutes",
        "5",
    )
    assert (code, out) == (2, "")
    assert f"{path}: {message}" in err


def test_missing_calendar_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A calendar file that cannot be read is a usage error."""
    code, _, err = run(
        capsys,
        "elapsed",
        "--calendar",
        str(tmp_path / "none.json"),
        "--start",
        "2025-09-30T17:00Z",
        "--end",
        "2025-09-30T18:00Z",
    )
    assert code == 2 and "cannot read the calendar" in err


def test_calendar_without_open_time_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A deadline that no century of the calendar reaches is a data error (exit 1)."""
    path = tmp_path / "closed.json"
    path.write_text('{"timezone": "UTC", "weekly": {}}')
    code, _, err = run(
        capsys,
        "deadline",
        "--calendar",
        str(path),
        "--start",
        "2025-09-30T17:00Z",
        "--minutes",
        "1",
    )
    assert code == 1 and "too little open time" in err


def test_far_deadline_grows_the_span(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A one-hour-per-week calendar reaches a 1000-hour target after 1000 weeks (about 19 years)."""
    path = tmp_path / "sparse.json"
    path.write_text('{"timezone": "UTC", "weekly": {"mon": [["09:00", "10:00"]]}}')
    code, out, _ = run(
        capsys,
        "deadline",
        "--calendar",
        str(path),
        "--start",
        "2025-06-02T00:00Z",
        "--minutes",
        "60000",
    )
    # Mondays from 2025-06-02: the 1000th is 999 weeks (6993 days) later, 2044-07-25; it ends 10:00.
    assert (code, out) == (0, "2044-07-25T10:00:00+00:00\n")


INPUT = """id,start,target_minutes,end,pauses
T1,2025-09-30T17:00:00+08:00,90,2025-10-08T10:30:00+08:00,
T2,2025-09-30T09:00:00Z,60.5,,2025-09-30T09:10:00Z/2025-09-30T09:20:00Z;2025-09-30T09:15:00Z/2025-09-30T09:30:00Z
T3,2025-12-24T12:00:00+08:00,120,2025-12-25T09:30:00+08:00,
"""

EXPECTED = """id,deadline,elapsed_minutes,breached
T1,2025-10-08T09:30:00+08:00,150,true
T2,2025-10-08T09:20:30+08:00,,
T3,2025-12-25T10:00:00+08:00,90,false
"""


def test_batch(capsys: pytest.CaptureFixture[str], calendar_file: str, tmp_path: Path) -> None:
    """Each row gets its deadline; elapsed and breached only where an end is given."""
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_text(INPUT)
    code, _, err = run(
        capsys,
        "batch",
        "--calendar",
        calendar_file,
        "--input",
        str(source),
        "--output",
        str(target),
    )
    assert (code, err) == (0, "")
    assert target.read_text() == EXPECTED


def test_batch_in_small_chunks_gives_the_same_output(calendar_file: str, tmp_path: Path) -> None:
    """Chunking is invisible: one-row chunks write exactly the same file."""
    from servicepact.slaclock.cli_batch import run_batch
    from servicepact.slaclock.cli_common import load_calendar

    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_text(INPUT)
    assert run_batch(load_calendar(calendar_file), str(source), str(target), chunk_rows=1) == 0
    assert target.read_text() == EXPECTED


def test_batch_optional_columns_and_column_order(
    capsys: pytest.CaptureFixture[str], calendar_file: str, tmp_path: Path
) -> None:
    """Columns may come in any order; end and pauses may be absent altogether."""
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_text("target_minutes,id,start\n90,A,2025-09-30T17:00:00+08:00\n")
    assert (
        run(
            capsys,
            "batch",
            "--calendar",
            calendar_file,
            "--input",
            str(source),
            "--output",
            str(target),
        )[0]
        == 0
    )
    assert (
        target.read_text()
        == "id,deadline,elapsed_minutes,breached\nA,2025-10-08T09:30:00+08:00,,\n"
    )


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            "A,2025-10-01T00:00:00Z,5\nB,2025-13-01T00:00,5\n",
            "in.csv:3: start: not an ISO-8601 instant with offset: '2025-13-01T00:00'",
        ),
        (
            "A,2025-10-01T00:00:00,5\n",
            "in.csv:2: start: not an ISO-8601 instant with offset: '2025-10-01T00:00:00' has no UTC offset",
        ),
        (
            "A,2025-10-01T00:00:00Z,five\n",
            "in.csv:2: target_minutes: not a number of minutes: 'five'",
        ),
        (",2025-10-01T00:00:00Z,5\n", "in.csv:2: id: empty"),
        ("A,2025-10-01T00:00:00Z\n", "in.csv:2: target_minutes: missing"),
    ],
)
def test_batch_bad_row_leaves_no_output(
    capsys: pytest.CaptureFixture[str], calendar_file: str, tmp_path: Path, rows: str, message: str
) -> None:
    """A bad row stops the run with exit 1, names line and field, and writes no OUT file."""
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_text("id,start,target_minutes\n" + rows)
    code, _, err = run(
        capsys,
        "batch",
        "--calendar",
        calendar_file,
        "--input",
        str(source),
        "--output",
        str(target),
    )
    assert code == 1
    assert message in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cal.json", "in.csv"]


def test_batch_bad_end_and_pause(
    capsys: pytest.CaptureFixture[str], calendar_file: str, tmp_path: Path
) -> None:
    """An end before the start and a malformed pause are reported by line and field."""
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_text("id,start,target_minutes,end\nA,2025-10-01T00:00Z,5,2025-09-01T00:00Z\n")
    assert run(
        capsys,
        "batch",
        "--calendar",
        calendar_file,
        "--input",
        str(source),
        "--output",
        str(target),
    )[2].endswith("in.csv:2: end: '2025-09-01T00:00Z' is before start\n")
    source.write_text("id,start,target_minutes,pauses\nA,2025-10-01T00:00Z,5,2025-10-01T01:00Z\n")
    err = run(
        capsys,
        "batch",
        "--calendar",
        calendar_file,
        "--input",
        str(source),
        "--output",
        str(target),
    )[2]
    assert "in.csv:2: pauses: expected START/END" in err
    assert not target.exists()


def test_batch_failure_keeps_an_existing_output(
    capsys: pytest.CaptureFixture[str], calendar_file: str, tmp_path: Path
) -> None:
    """A failed run leaves a previous OUT file untouched."""
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    target.write_text("previous\n")
    source.write_text("id,start,target_minutes\nA,nonsense,5\n")
    assert (
        run(
            capsys,
            "batch",
            "--calendar",
            calendar_file,
            "--input",
            str(source),
            "--output",
            str(target),
        )[0]
        == 1
    )
    assert target.read_text() == "previous\n"


def test_batch_missing_column(
    capsys: pytest.CaptureFixture[str], calendar_file: str, tmp_path: Path
) -> None:
    """A header without a required column is reported on line 1."""
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_text("id,start\nA,2025-10-01T00:00Z\n")
    code, _, err = run(
        capsys,
        "batch",
        "--calendar",
        calendar_file,
        "--input",
        str(source),
        "--output",
        str(target),
    )
    assert code == 1 and "in.csv:1: header: missing column 'target_minutes'" in err
    assert not target.exists()


def test_module_entry_point(tmp_path: Path, calendar_file: str) -> None:
    """python -m servicepact.slaclock.cli works as a program with the same exit codes."""
    env: dict[str, Any] = {**os.environ, "PYTHONPATH": str(SRC)}
    ok = subprocess.run(
        [sys.executable, "-m", "servicepact.slaclock.cli", "deadline", "--calendar", calendar_file,
         "--start", "2025-09-30T17:00:00+08:00", "--minutes", "90"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert (ok.returncode, ok.stdout) == (0, "2025-10-08T09:30:00+08:00\n")
    bad = subprocess.run(
        [sys.executable, "-m", "servicepact.slaclock.cli", "deadline", "--calendar", calendar_file, "--start", "x", "--minutes", "1"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert bad.returncode == 2 and "--start" in bad.stderr


def test_batch_rejects_non_utf8_input(
    capsys: pytest.CaptureFixture[str], calendar_file: str, tmp_path: Path
) -> None:
    """Input that is not UTF-8 text is a data error (exit 1) and writes nothing."""
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_bytes(b"id,start,target_minutes\nA,\xff\xfe,5\n")
    code, _, err = run(
        capsys,
        "batch",
        "--calendar",
        calendar_file,
        "--input",
        str(source),
        "--output",
        str(target),
    )
    assert code == 1 and "not UTF-8 text" in err
    assert not target.exists()


def test_batch_output_that_cannot_be_written(
    capsys: pytest.CaptureFixture[str], calendar_file: str, tmp_path: Path
) -> None:
    """An output path that is a directory is a usage error (exit 2); no temp file is left."""
    source = tmp_path / "in.csv"
    source.write_text(INPUT)
    (tmp_path / "out").mkdir()
    code, _, err = run(
        capsys,
        "batch",
        "--calendar",
        calendar_file,
        "--input",
        str(source),
        "--output",
        str(tmp_path / "out"),
    )
    assert code == 2 and "cannot write" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cal.json", "in.csv", "out"]


def test_absurd_target_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], calendar_file: str
) -> None:
    """More than a century of minutes is refused up front (exit 2)."""
    code, _, err = run(
        capsys,
        "deadline",
        "--calendar",
        calendar_file,
        "--start",
        "2025-10-01T00:00Z",
        "--minutes",
        "1e30",
    )
    assert code == 2 and "--minutes: more than" in err


@pytest.mark.parametrize(
    ("header", "row", "message"),
    [
        (
            "",
            "9999-12-31T23:00:00Z,5",
            "in.csv:3: start: '9999-12-31T23:00:00Z' is outside the years",
        ),
        (
            "",
            "0001-01-01T00:00:00Z,5",
            "in.csv:3: start: '0001-01-01T00:00:00Z' is outside the years",
        ),
        (
            ",end",
            "2025-10-01T00:00:00Z,5,9999-12-31T23:59:59+14:00",
            "in.csv:3: end: '9999-12-31T23:59:59+14:00' is outside the years 1900..8999",
        ),
        (
            ",end,pauses",
            "2025-10-01T00:00:00Z,5,,0001-01-01T00:00Z/2025-01-01T00:00Z",
            "in.csv:3: pauses: '0001-01-01T00:00Z' is outside the years 1900..8999",
        ),
    ],
)
def test_batch_years_0001_and_9999_name_line_and_field(
    capsys: pytest.CaptureFixture[str],
    calendar_file: str,
    tmp_path: Path,
    header: str,
    row: str,
    message: str,
) -> None:
    """Out-of-range years in any instant: exit 1, line and field named, no traceback, no OUT."""
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    first = "2025-10-01T00:00:00Z,5" + ("," * header.count(","))
    source.write_text(f"id,start,target_minutes{header}\nA,{first}\nB,{row}\n")
    code, out, err = run(
        capsys,
        "batch",
        "--calendar",
        calendar_file,
        "--input",
        str(source),
        "--output",
        str(target),
    )
    assert code == 1
    assert err.startswith("sla batch: ") and message in err
    assert "Traceback" not in err and out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cal.json", "in.csv"]


def test_batch_latest_year_with_the_largest_target_still_computes(
    capsys: pytest.CaptureFixture[str], calendar_file: str, tmp_path: Path
) -> None:
    """8999 is the last year accepted: a century of target after it still fits in datetime."""
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_text("id,start,target_minutes\nA,8999-12-31T00:00:00Z,5256000\n")
    code, _, err = run(
        capsys,
        "batch",
        "--calendar",
        calendar_file,
        "--input",
        str(source),
        "--output",
        str(target),
    )
    assert (code, err) == (0, "")
    deadline = target.read_text().splitlines()[1].split(",")[1]
    assert deadline.startswith("9044-") and deadline.endswith("+08:00")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ("deadline", "--start", "0001-01-01T00:00:00+01:00", "--minutes", "5"),
            "sla deadline: --start: '0001-01-01T00:00:00+01:00' is outside the years 1900..8999\n",
        ),
        (
            ("deadline", "--start", "9999-12-31T23:59:59Z", "--minutes", "5"),
            "sla deadline: --start: '9999-12-31T23:59:59Z' is outside the years 1900..8999\n",
        ),
        (
            ("elapsed", "--start", "2025-01-01T00:00Z", "--end", "9999-12-31T23:59:59Z"),
            "sla elapsed: --end: '9999-12-31T23:59:59Z' is outside the years 1900..8999\n",
        ),
        (
            (
                "deadline", "--start", "2025-01-01T00:00Z", "--minutes", "5",
                "--pause", "2025-01-01T00:00Z/9999-01-01T00:00Z",
            ),
            "sla deadline: --pause: '9999-01-01T00:00Z' is outside the years 1900..8999\n",
        ),
    ],
)  # fmt: skip
def test_deadline_and_elapsed_years_out_of_range_exit_2(
    capsys: pytest.CaptureFixture[str], calendar_file: str, argv: tuple[str, ...], message: str
) -> None:
    code, out, err = run(capsys, argv[0], "--calendar", calendar_file, *argv[1:])
    assert (code, out, err) == (2, "", message)
