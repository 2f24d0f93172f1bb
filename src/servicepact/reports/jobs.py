"""Due work for the worker: months that have closed and have no statement yet, days that
have closed and have no dashboard aggregates yet."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.conf import settings

from servicepact.billing.periods import Period, months_between
from servicepact.contracts.models import Contract
from servicepact.core.time import local_date
from servicepact.reports.models import AggregatedDay, Statement
from servicepact.reports.services import aggregate_day, close_period

log = logging.getLogger(__name__)

LOOKBACK_MONTHS = 3


def _covered(contract: Contract, last_closed: Period, lookback: int) -> list[Period]:
    """The closed months (at most ``lookback``) in which the contract covered anything:
    its term plus grace, up to the day before a termination."""
    last_day = contract.end_date + timedelta(days=contract.grace_days)
    if contract.terminated_on is not None:
        last_day = min(last_day, contract.terminated_on - timedelta(days=1))
    if last_day < contract.start_date:
        return []
    first = max(
        Period(contract.start_date.year, contract.start_date.month),
        last_closed.shift(-(lookback - 1)),
    )
    last = min(last_closed, Period(last_day.year, last_day.month))
    return months_between(first, last)


def due_statements(
    now: datetime, *, lookback_months: int = LOOKBACK_MONTHS
) -> list[tuple[Contract, str]]:
    """(contract, "YYYY-MM") pairs whose month has ended in the customer's time zone and has
    no statement yet, oldest first; months before the last ``lookback_months`` are left
    alone (a worker down for a while catches up, a new install does not mail old history).
    """
    horizon = local_date(now, "UTC") - timedelta(days=31 * (lookback_months + 1))
    contracts = list(
        Contract.objects.filter(
            activated_at__isnull=False, end_date__gte=horizon - timedelta(days=366)
        )
        .select_related("customer")
        .order_by("number")
    )
    wanted: list[tuple[Contract, str]] = []
    for contract in contracts:
        last_closed = Period.containing(now, contract.customer.timezone).shift(-1)
        wanted += [(contract, str(p)) for p in _covered(contract, last_closed, lookback_months)]
    if not wanted:
        return []
    done = set(
        Statement.objects.filter(
            contract_id__in={c.pk for c, _ in wanted}, period__in={p for _, p in wanted}
        ).values_list("contract_id", "period")
    )
    due = [(c, p) for c, p in wanted if (c.pk, p) not in done]
    return sorted(due, key=lambda pair: (pair[1], pair[0].number))


def close_due_statements(now: datetime, *, limit: int = 50) -> int:
    """The worker's step: close up to ``limit`` due months (oldest first); returns how many.

    Safe to run from several workers at once: ``close_period`` is idempotent (one statement
    per contract and month). A contract that fails is logged and retried on the next pass.
    """
    closed = 0
    for contract, period in due_statements(now)[:limit]:
        try:
            close_period(contract, period, now=now)
        except Exception:  # one broken contract must not stop the others
            log.exception("closing %s %s failed", contract.number, period)
            continue
        closed += 1
    return closed


AGGREGATE_LOOKBACK_DAYS = 40  # the current month's closed days and a margin


def due_days(now: datetime, *, lookback_days: int = AGGREGATE_LOOKBACK_DAYS) -> list[date]:
    """Closed days (provider time zone) of the last ``lookback_days`` without aggregates."""
    today = local_date(now, settings.TIME_ZONE)
    wanted = [today - timedelta(days=n) for n in range(lookback_days, 0, -1)]
    done = set(AggregatedDay.objects.filter(day__in=wanted).values_list("day", flat=True))
    return [d for d in wanted if d not in done]


def aggregate_due_days(now: datetime, *, limit: int = 7) -> int:
    """The worker's step: freeze up to ``limit`` closed days (oldest first); returns how many."""
    done = 0
    for day in due_days(now)[:limit]:
        aggregate_day(day=day, now=now)
        done += 1
    return done
