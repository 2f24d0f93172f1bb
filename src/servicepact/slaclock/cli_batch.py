"""``sla batch``: stream a CSV of tickets through the bulk API in bounded memory.

Rows are parsed in chunks (50,000 by default) and computed with one bulk call per
chunk. Output goes to a temporary file beside OUT that replaces OUT only when every
row succeeded, so a failed run never leaves a partial file behind.

With ``skip_bad_rows`` a row that cannot be read (a data error naming its line and field)
is written, with its line number and error, to an errors CSV instead of stopping the run;
the run then exits ``EXIT_SKIPPED`` (3) if any row was skipped.
"""

from __future__ import annotations

import contextlib
import csv
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, TextIO, TypeVar

import numpy as np

from servicepact.slaclock.calendar import CompiledCalendar
from servicepact.slaclock.cli_common import (
    EXIT_DATA,
    EXIT_USAGE,
    CliError,
    SpanKeeper,
    format_instant,
    format_minutes,
    minutes_to_seconds,
    parse_instant,
    parse_pauses,
)
from servicepact.slaclock.errors import SpanError
from servicepact.slaclock.fastindex import Int64Array
from servicepact.slaclock.pauses import PauseSet
from servicepact.slaclock.spec import CalendarSpec

CHUNK_ROWS = 50_000
REQUIRED = ("id", "start", "target_minutes")
OPTIONAL = ("end", "pauses")
OUTPUT_HEADER = ("id", "deadline", "elapsed_minutes", "breached")
ERRORS_HEADER = ("line", "error")  # then the input's own header and cells
EXIT_SKIPPED = 3  # the run finished, but some rows were written to the errors file
T = TypeVar("T")


@dataclass
class _Chunk:
    lines: list[int] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    targets: list[int] = field(default_factory=list)
    ends: list[int | None] = field(default_factory=list)
    pause_counts: list[int] = field(default_factory=list)
    pause_pairs: list[tuple[int, int]] = field(default_factory=list)


def errors_path_for(output_path: str) -> str:
    """The default errors file of ``--skip-bad-rows``: ``<output>.errors.csv``."""
    return f"{output_path}.errors.csv"


def run_batch(
    spec: CalendarSpec,
    input_path: str,
    output_path: str,
    *,
    chunk_rows: int = CHUNK_ROWS,
    skip_bad_rows: bool = False,
    errors_path: str | None = None,
) -> int:
    """Compute every row of ``input_path`` into ``output_path``; raises CliError on failure.

    Returns 0, or ``EXIT_SKIPPED`` when ``skip_bad_rows`` wrote some rows to the errors file.
    """
    try:
        source = open(input_path, newline="", encoding="utf-8-sig")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise CliError(f"{input_path}: cannot read: {exc.strerror}", EXIT_USAGE) from None
    if not skip_bad_rows:
        with source, _replacing(output_path) as sink:
            progress = _Progress(source, input_path) if sys.stderr.isatty() else None
            _process(spec, source, sink, input_path, chunk_rows, progress)
        return 0
    target = errors_path or errors_path_for(output_path)
    with source, _replacing(output_path) as sink, _replacing(target) as errors:
        progress = _Progress(source, input_path) if sys.stderr.isatty() else None
        skipped = _BadRows(errors)
        _process(spec, source, sink, input_path, chunk_rows, progress, skipped)
    if skipped.count:
        print(f"{input_path}: {skipped.count:,} bad rows written to {target}", file=sys.stderr)
        return EXIT_SKIPPED
    return 0


class _BadRows:
    """The errors CSV of ``--skip-bad-rows``: line, error, then the row's own cells."""

    def __init__(self, sink: TextIO) -> None:
        self.write_row = csv.writer(sink, lineterminator="\n").writerow
        self.count = 0

    def header(self, header: list[str]) -> None:
        self.write_row((*ERRORS_HEADER, *header))

    def add(self, line: int, error: CliError, cells: list[str]) -> None:
        self.write_row((str(line), str(error), *cells))
        self.count += 1


@contextlib.contextmanager
def _replacing(path: str) -> Iterator[TextIO]:
    """A text file that atomically becomes ``path`` on success and vanishes on failure."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, temp = tempfile.mkstemp(
            dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".part"
        )
    except OSError as exc:
        raise CliError(f"{path}: cannot write: {exc.strerror}", EXIT_USAGE) from None
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as sink:
            yield sink
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp creates 0600; give OUT normal permissions
        try:
            os.replace(temp, path)
        except OSError as exc:
            raise CliError(f"{path}: cannot write: {exc.strerror}", EXIT_USAGE) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _process(
    spec: CalendarSpec,
    source: TextIO,
    sink: TextIO,
    name: str,
    chunk_rows: int,
    progress: _Progress | None,
    skipped: _BadRows | None = None,
) -> None:
    reader = csv.reader(source)
    header = next(_rows(reader, name), None)
    columns = _columns(header, name)
    if skipped is not None and header is not None:
        skipped.header(header)
    write_row = csv.writer(sink, lineterminator="\n").writerow
    write_row(OUTPUT_HEADER)
    keeper = SpanKeeper(spec)
    chunk, done = _Chunk(), 0
    for row in _rows(reader, name):
        if not row:
            continue  # blank line
        try:
            _add_row(chunk, row, reader.line_num, columns, name)
        except CliError as exc:
            if skipped is None:
                raise
            skipped.add(reader.line_num, exc, row)
            continue
        if len(chunk.ids) >= chunk_rows:
            done += _flush(chunk, keeper, write_row, name)
            chunk = _Chunk()
            if progress is not None:
                progress.show(done)
    done += _flush(chunk, keeper, write_row, name)
    if progress is not None:
        progress.finish(done)


def _rows(reader: Iterator[list[str]], name: str) -> Iterator[list[str]]:
    """The reader's rows; undecodable bytes and broken CSV become data errors."""
    while True:
        line = getattr(reader, "line_num", 0)  # lines read so far
        try:
            yield next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            # Text is decoded in blocks, so only the last good line is known.
            where = f" after line {line}" if line else ""
            raise CliError(f"{name}: not UTF-8 text{where}", EXIT_DATA) from None
        except csv.Error as exc:
            raise CliError(f"{name}:{line + 1}: not valid CSV: {exc}", EXIT_DATA) from None


def _columns(header: list[str] | None, name: str) -> dict[str, int]:
    if header is None:
        raise CliError(f"{name}:1: header: the file is empty", EXIT_DATA)
    columns = {title.strip(): i for i, title in enumerate(header)}
    for title in REQUIRED:
        if title not in columns:
            raise CliError(f"{name}:1: header: missing column {title!r}", EXIT_DATA)
    return {title: columns[title] for title in REQUIRED + OPTIONAL if title in columns}


class _Row:
    """One CSV row, with errors that name the file, the line and the field."""

    def __init__(self, cells: list[str], line: int, columns: dict[str, int], name: str) -> None:
        self.cells, self.line, self.columns, self.name = cells, line, columns, name

    def text(self, title: str) -> str:
        index = self.columns.get(title)
        if index is None:
            return ""
        if index >= len(self.cells):
            raise self.error(title, f"missing (the row has {len(self.cells)} fields)")
        return self.cells[index].strip()

    def parse(self, title: str, parser: Callable[[str], T]) -> T:
        try:
            return parser(self.text(title))
        except ValueError as exc:
            raise self.error(title, str(exc)) from None

    def error(self, title: str, message: str) -> CliError:
        return CliError(f"{self.name}:{self.line}: {title}: {message}", EXIT_DATA)


def _add_row(
    chunk: _Chunk, cells: list[str], line: int, columns: dict[str, int], name: str
) -> None:
    row = _Row(cells, line, columns, name)
    ident = row.text("id")
    if not ident:
        raise row.error("id", "empty")
    start = row.parse("start", parse_instant)
    target = row.parse("target_minutes", minutes_to_seconds)
    end = row.parse("end", lambda text: parse_instant(text) if text else None)
    if end is not None and end < start:
        raise row.error("end", f"{row.text('end')!r} is before start")
    pauses = row.parse("pauses", parse_pauses)
    chunk.lines.append(line)
    chunk.ids.append(ident)
    chunk.starts.append(start)
    chunk.targets.append(target)
    chunk.ends.append(end)
    chunk.pause_counts.append(len(pauses))
    chunk.pause_pairs.extend(pauses)


WriteRow = Callable[[Sequence[str]], object]


def _flush(chunk: _Chunk, keeper: SpanKeeper, write_row: WriteRow, name: str) -> int:
    if not chunk.ids:
        return 0
    start = np.array(chunk.starts, dtype=np.int64)
    target = np.array(chunk.targets, dtype=np.int64)
    has_end = np.array([e is not None for e in chunk.ends])
    # Rows without an end get end = start: zero elapsed, left blank in the output.
    end = np.array(
        [s if e is None else e for e, s in zip(chunk.ends, chunk.starts, strict=True)],
        dtype=np.int64,
    )
    offsets = np.concatenate(([0], np.cumsum(chunk.pause_counts, dtype=np.int64)))
    pairs = np.array(chunk.pause_pairs, dtype=np.int64).reshape(-1, 2)
    pauses = PauseSet(offsets, pairs[:, 0], pairs[:, 1])
    deadlines, calendar = _deadlines(keeper, chunk, start, target, end, pauses, name)
    elapsed = calendar.business_seconds_many(start, end, pauses)
    breached = elapsed > target
    tz = keeper.tz
    for i, ident in enumerate(chunk.ids):
        if has_end[i]:
            tail = (format_minutes(int(elapsed[i])), "true" if breached[i] else "false")
        else:
            tail = ("", "")
        write_row((ident, format_instant(int(deadlines[i]), tz), *tail))
    return len(chunk.ids)


def _deadlines(
    keeper: SpanKeeper,
    chunk: _Chunk,
    start: Int64Array,
    target: Int64Array,
    end: Int64Array,
    pauses: PauseSet,
    name: str,
) -> tuple[Int64Array, CompiledCalendar]:
    """Deadlines of a chunk, compiling further ahead while some deadline falls outside."""
    while True:
        calendar = keeper.covering(int(start.min()), int(max(start.max(), end.max())))
        try:
            return calendar.deadline_many(start, target, pauses), calendar
        except SpanError as exc:
            try:
                keeper.grow()
            except SpanError as final:
                line = chunk.lines[exc.row or 0]
                raise CliError(f"{name}:{line}: target_minutes: {final}", EXIT_DATA) from None


class _Progress:
    """A one-line progress display on stderr (only used when stderr is a terminal)."""

    def __init__(self, source: TextIO, name: str) -> None:
        self.buffer: IO[bytes] | None = getattr(source, "buffer", None)
        self.name = name
        try:
            self.size = os.path.getsize(name)
        except OSError:
            self.size = 0

    def show(self, rows: int) -> None:
        percent = ""
        if self.buffer is not None and self.size:
            percent = f" ({min(100, 100 * self.buffer.tell() // self.size)}%)"
        print(f"\r{self.name}: {rows:,} rows{percent}", end="", file=sys.stderr, flush=True)

    def finish(self, rows: int) -> None:
        print(f"\r{self.name}: {rows:,} rows (100%)", file=sys.stderr, flush=True)
