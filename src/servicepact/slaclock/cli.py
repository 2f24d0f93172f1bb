"""``servicepact sla``: deadlines, business time and batch audits from the command line.

Exit codes: 0 success; 1 a bad value in the input data (a CSV row) or a result
outside what a century of calendar can answer; 2 usage errors (bad arguments, an
unreadable file, an invalid calendar); 3 ``batch --skip-bad-rows`` finished but wrote some
rows to its errors file.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import numpy as np

from servicepact.slaclock.cli_batch import run_batch
from servicepact.slaclock.cli_common import (
    EXIT_DATA,
    EXIT_USAGE,
    CliError,
    SpanKeeper,
    format_instant,
    format_minutes,
    load_calendar,
    minutes_to_seconds,
    parse_instant,
    parse_pause,
)
from servicepact.slaclock.errors import SpanError
from servicepact.slaclock.pauses import PauseSet


def main(argv: list[str]) -> int:
    """Run one ``sla`` command; ``argv`` excludes the program name and the word "sla"."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help and on usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    command: Callable[[argparse.Namespace], int] = args.command
    try:
        return command(args)
    except CliError as exc:
        print(f"sla {args.name}: {exc}", file=sys.stderr)
        return exc.code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="servicepact sla", description="SLA business-time calculations."
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    deadline = _command(commands, "deadline", _deadline, "print the deadline of a target")
    deadline.add_argument("--start", required=True, help="ISO-8601 instant with offset")
    deadline.add_argument("--minutes", required=True, help="business minutes (decimals allowed)")
    deadline.add_argument("--pause", action="append", default=[], metavar="START/END")
    elapsed = _command(commands, "elapsed", _elapsed, "print business minutes between two instants")
    elapsed.add_argument("--start", required=True, help="ISO-8601 instant with offset")
    elapsed.add_argument("--end", required=True, help="ISO-8601 instant with offset")
    elapsed.add_argument("--pause", action="append", default=[], metavar="START/END")
    batch = _command(commands, "batch", _batch, "compute deadlines and breaches for a CSV file")
    batch.add_argument(
        "--input", required=True, help="CSV with id,start,target_minutes[,end][,pauses]"
    )
    batch.add_argument(
        "--output", required=True, help="CSV to write: id,deadline,elapsed_minutes,breached"
    )
    batch.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="write each unreadable row with its error to the errors CSV and go on (exit 3)",
    )
    batch.add_argument(
        "--errors", help="errors CSV of --skip-bad-rows (default: OUTPUT.errors.csv)"
    )
    return parser


def _command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    handler: Callable[[argparse.Namespace], int],
    summary: str,
) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=summary, description=summary)
    parser.add_argument("--calendar", required=True, help="calendar JSON file")
    parser.set_defaults(command=handler, name=name)
    return parser


def _instant_arg(option: str, text: str) -> int:
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise CliError(f"{option}: {exc}", EXIT_USAGE) from None


def _pause_args(texts: list[str]) -> PauseSet:
    pairs = []
    for text in texts:
        try:
            pairs.append(parse_pause(text))
        except ValueError as exc:
            raise CliError(f"--pause: {exc}", EXIT_USAGE) from None
    return PauseSet.from_rows([pairs])


def _deadline(args: argparse.Namespace) -> int:
    spec = load_calendar(args.calendar)
    start = _instant_arg("--start", args.start)
    try:
        target = minutes_to_seconds(args.minutes)
    except ValueError as exc:
        raise CliError(f"--minutes: {exc}", EXIT_USAGE) from None
    pauses = _pause_args(args.pause)
    keeper = SpanKeeper(spec)
    while True:
        calendar = keeper.covering(start, start)
        try:
            result = calendar.deadline_many(np.array([start]), np.array([target]), pauses)
            break
        except SpanError:
            _grow(keeper)
    print(format_instant(int(result[0]), keeper.tz))
    return 0


def _elapsed(args: argparse.Namespace) -> int:
    spec = load_calendar(args.calendar)
    start = _instant_arg("--start", args.start)
    end = _instant_arg("--end", args.end)
    if end < start:
        raise CliError("--end: before --start", EXIT_USAGE)
    pauses = _pause_args(args.pause)
    calendar = SpanKeeper(spec).covering(start, end)
    seconds = calendar.business_seconds_many(np.array([start]), np.array([end]), pauses)
    print(format_minutes(int(seconds[0])))
    return 0


def _batch(args: argparse.Namespace) -> int:
    spec = load_calendar(args.calendar)
    return run_batch(
        spec, args.input, args.output, skip_bad_rows=args.skip_bad_rows, errors_path=args.errors
    )


def _grow(keeper: SpanKeeper) -> None:
    try:
        keeper.grow()
    except SpanError as exc:
        raise CliError(str(exc), EXIT_DATA) from None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
