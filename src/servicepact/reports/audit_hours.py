"""``hours.json`` of the audit export: the hours ledger and the month's charge, so a
customer recomputes them (``servicepact audit verify`` checks them, docs/commercial.md).

* ``entries``: every hours-ledger entry of the contract up to the month (all buckets), as
  stored (immutable ``HoursEntry`` rows);
* ``balances``: the balance per bucket at the month's end as the product shows it (the
  running balance of the ledger page);
* ``work``: the month's work logs (day, minutes, out-of-hours minutes, work type, role,
  category, billable) and ``scope`` (category -> included / billable / excluded, the rate
  card's), from which the consumed and extra hours follow;
* ``rates``: the rate card of the month (work type, role — empty for the work type's rate —
  and the price of an hour), ``out_of_hours_multiplier`` and ``currency_places``, from which
  the extra-work lines follow (a role without a rate of its own costs the work type's rate);
* ``charge``: the month's period charge if produced (status, currency, total, hours, lines).

All hours and money are decimal strings.
"""

from __future__ import annotations

from typing import Any

from servicepact.billing.hours import ledger_rows
from servicepact.billing.models import HoursEntry, PeriodCharge, WorkLog
from servicepact.billing.periods import Period
from servicepact.billing.rates import rate_terms_for_period
from servicepact.contracts.models import Contract
from servicepact.core.money import minor_units

FORMAT = 1
RULE = (
    "a bucket's balance = the sum of its entries up to the month; the month's maintenance "
    "entries add up to zero once its charge is produced; consumed hours = billable minutes on "
    "included work (a category the scope does not name is included) / 60, extra hours = "
    "billable minutes on billable or excluded work / 60, both to 0.01 h half up; the charge's "
    "total = the sum of its lines"
)


def hours_file(contract: Contract, period: Period) -> dict[str, Any]:
    entries = HoursEntry.objects.filter(contract=contract, period__lte=str(period))
    rows = ledger_rows(entries)
    balances: dict[str, str] = {}
    for row in rows:
        balances[str(row[2])] = str(row[5])
    terms = rate_terms_for_period(contract, period)
    logs = (
        WorkLog.objects.filter(
            ticket__contract=contract, date__gte=period.first_day, date__lte=period.last_day
        )
        .order_by("date", "id")
        .values_list(
            "id",
            "date",
            "minutes",
            "out_of_hours_minutes",
            "work_type",
            "role",
            "category",
            "billable",
        )
    )
    charge = (
        PeriodCharge.objects.filter(contract=contract, period=str(period))
        .prefetch_related("lines")
        .first()
    )
    return {
        "format": FORMAT,
        "rule": RULE,
        "period": str(period),
        "entries": [
            {
                "id": row[0],
                "period": row[1],
                "bucket": row[2],
                "kind": row[3],
                "hours": str(row[4]),
                "expires_period": row[6],
                "reason": row[7],
                "at": row[8].isoformat(),
            }
            for row in rows
        ],
        "balances": balances,
        "scope": dict(sorted(terms.scope.items())),
        "rates": [
            {"work_type": work_type, "role": role, "hourly_rate": str(rate)}
            for (work_type, role), rate in sorted(terms.rates.items())
        ],
        "out_of_hours_multiplier": str(terms.multiplier),
        "currency_places": minor_units(contract.fee_currency),
        "work": [
            {
                "id": pk,
                "date": day.isoformat(),
                "minutes": minutes,
                "out_of_hours_minutes": ooh,
                "work_type": work_type,
                "role": role,
                "category": category,
                "billable": billable,
            }
            for pk, day, minutes, ooh, work_type, role, category, billable in logs
        ],
        "charge": None if charge is None else _charge(charge),
    }


def _charge(charge: PeriodCharge) -> dict[str, Any]:
    return {
        "status": charge.status,
        "currency": charge.currency,
        "total": str(charge.total),
        "hours": charge.hours,
        "lines": [
            {
                "kind": line.kind,
                "description": line.description,
                "quantity": str(line.quantity),
                "unit_price": None if line.unit_price is None else str(line.unit_price),
                "amount": str(line.amount),
            }
            for line in charge.lines.all()
        ],
    }
