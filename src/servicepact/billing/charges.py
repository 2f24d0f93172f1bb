"""Period close of charges for many contracts at once (the worker, ``close_charges`` and the
benchmark): a handful of queries for the whole batch, whatever the number of work logs.


Steps (``close_charges``):
1. lock the contracts, skip those whose month already has a charge (idempotent);
2. read, for the batch, the rate cards in force, the month's work (the month sums kept by
   every work-log write, ``billing.worksums``: a few rows per contract, the logs are not
   read), the month's ledger entries, the period credits, the billable parts and the approved
   satisfaction-guarantee claims not charged yet (``aftercare.charges``);
3. per contract, with ``billing.charge_rules``: close the hours (consumed, overage, expired,
   rolled over), price the base fee (pro rata), overage and extra work, subtract the credits;
4. write the ledger entries, the charges and their lines with three bulk inserts, and stamp
   the claims charged in this month (never charged twice).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.db.models import QuerySet, Sum
from django.http import HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from servicepact.aftercare.charges import ClaimRow, claims_to_charge, mark_charged
from servicepact.billing import charge_rules as rules
from servicepact.billing.charge_rules import Line, PartRow, WorkGroup, hours_of
from servicepact.billing.choices import Bucket, ChargeKind, ChargeStatus, Coverage, EntryKind
from servicepact.billing.credits import monthly_fee
from servicepact.billing.fees import Segment, fee_segments
from servicepact.billing.hours import (
    covered_segments,
    included_expiry,
    included_hours_for,
    lots_and_draws,
)
from servicepact.billing.models import (
    ChargeLine,
    HoursEntry,
    PartUse,
    PeriodCharge,
    PeriodCredit,
    WorkLog,
)
from servicepact.billing.periods import Period
from servicepact.billing.rates import RateTerms, month_end, rate_terms_at
from servicepact.billing.worksums import month_rows
from servicepact.contracts.models import Contract
from servicepact.core.bulk import db_instants, insert_rows
from servicepact.core.money import minor_units
from servicepact.core.sql import ids_in
from servicepact.customers.selectors import scope_to_customer


@dataclass
class ContractWork:
    """A contract's month of work logs, summed."""

    # (work type, role) -> [minutes, out-of-hours minutes]
    consumed: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    extra: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    non_billable_minutes: int = 0

    def add(self, coverage: str, work_type: str, role: str, minutes: int, ooh: int) -> None:
        bucket = self.consumed if coverage == Coverage.INCLUDED else self.extra
        sums = bucket.setdefault((work_type, role or ""), [0, 0])
        sums[0] += minutes
        sums[1] += ooh

    @staticmethod
    def groups(sums: dict[tuple[str, str], list[int]]) -> list[WorkGroup]:
        return [WorkGroup(t, m, o, r) for (t, r), (m, o) in sorted(sums.items())]


@dataclass(frozen=True)
class Credit:
    currency: str
    amount: Decimal
    status: str


@dataclass(frozen=True)
class Closed:
    """One contract's close: what is written."""

    entries: tuple[rules.Entry, ...]
    lines: tuple[Line, ...]
    currency: str
    hours: dict[str, str]


@lru_cache(maxsize=32)
def _labels(language: str) -> dict[str, str]:
    """The charge lines' texts in ``language`` (the active one), translated once per close
    rather than once per line (a thousand contracts: five thousand gettext calls)."""
    return {
        "base_fee": _("Base fee"),
        "base_fee_part": _("Base fee, %(days)s of %(month)s days"),
        "overage": _("Hours beyond the included hours"),
        "extra_work": _("Billable extra work: %(type)s"),
        "parts": _("Part %(part)s"),
        "credit": _("Service credits (%(status)s)"),
        "refund": _("Satisfaction guarantee refund, ticket %(ticket)s"),
        "credit_claim": _("Satisfaction guarantee credit, ticket %(ticket)s"),
    }


def charge_labels() -> dict[str, str]:
    """The texts of the charge lines in the active language (read once per close)."""
    return _labels(get_language() or "")


def work_by_contract(
    contract_ids: Sequence[int], period: Period, terms: dict[int, RateTerms]
) -> dict[int, ContractWork]:
    """The month's work per contract from the maintained month sums (``billing.worksums``:
    a few rows per contract, whatever the number of logs), folded by the contract's scope."""
    return fold_work(month_rows(contract_ids, period), terms)


def work_from_logs(
    contract_ids: Sequence[int], period: Period, terms: dict[int, RateTerms]
) -> dict[int, ContractWork]:
    """The same, summed from the logs themselves (the reference the month sums are tested
    against)."""
    rows = (
        WorkLog.objects.filter(
            date__gte=period.first_day,
            date__lte=period.last_day,
            ticket__contract_id__in=contract_ids,
        )
        .values_list("ticket__contract_id", "billable", "work_type", "role", "category")
        .annotate(minutes=Sum("minutes"), ooh=Sum("out_of_hours_minutes"))
        .order_by()
    )
    return fold_work(rows, terms)


def fold_work(
    rows: Iterable[tuple[Any, ...]], terms: dict[int, RateTerms]
) -> dict[int, ContractWork]:
    """(contract, billable, work type, role, category, minutes, ooh) rows -> work per
    contract."""
    work: dict[int, ContractWork] = defaultdict(ContractWork)
    for contract_id, billable, work_type, role, category, minutes, ooh in rows:
        item = work[contract_id]
        if not billable:
            item.non_billable_minutes += minutes
        else:
            item.add(terms[contract_id].coverage(category), work_type, role, minutes, ooh or 0)
    return work


def close_one(
    contract: Contract,
    period: Period,
    *,
    terms: RateTerms,
    work: ContractWork,
    entries: Iterable[tuple[str, Decimal, str]],
    credit: Credit | None,
    segments: list[Segment] | None = None,
    parts: Sequence[PartRow] = (),
    labels: dict[str, str] | None = None,
    claims: Sequence[ClaimRow] = (),
) -> Closed:
    """The ledger entries and charge lines of one contract's month (no database when
    ``segments``, the month's fees in force, are given)."""
    currency = contract.fee_currency
    places = minor_units(currency)
    text = labels or charge_labels()
    if segments is None:
        segments = fee_segments([contract], period)[contract.pk]
    included = included_hours_for(contract, period, segments)
    expires = included_expiry(period, terms)
    rows = list(entries)
    lots, drawn = lots_and_draws(rows, included=included, included_expires=expires)
    consumed_groups = work.groups(work.consumed)
    extra_groups = work.groups(work.extra)
    consumed = hours_of(sum(g.minutes for g in consumed_groups))
    month = str(period)
    closed = rules.close_hours(
        period=month,
        next_period=str(period.shift(1)),
        lots=lots,
        drawn=drawn,
        consumed=consumed,
    )
    new_entries = list(closed.entries)
    if not any(kind == EntryKind.INCLUDED for kind, _h, _e in rows) and included > 0:
        new_entries.insert(0, rules.Entry(month, EntryKind.INCLUDED, included, expires))

    lines = base_fee_lines(contract, period, segments, text)
    over = rules.overage_amount(
        closed.overage, consumed, consumed_groups, terms.rates, terms.multiplier, places
    )
    if over > 0:
        lines.append(
            Line(
                ChargeKind.OVERAGE,
                text["overage"],
                closed.overage,
                None,
                over,
            )
        )
    extra = rules.extra_work_lines(extra_groups, terms.rates, terms.multiplier, places)
    lines += [
        Line(
            ChargeKind.EXTRA_WORK,
            text["extra_work"] % {"type": x.description},
            x.quantity,
            x.unit_price,
            x.amount,
        )
        for x in extra
    ]
    lines += [
        Line(
            ChargeKind.PARTS,
            text["parts"] % {"part": x.description},
            x.quantity,
            x.unit_price,
            x.amount,
        )
        for x in rules.part_lines(parts, terms.parts_markup, places)
    ]
    credit_row = credit_line(credit, currency, text)
    if credit_row is not None:
        lines.append(credit_row)
    lines += claim_lines(claims, currency, text)
    hours = {
        "included": str(included),
        "available": str(closed.available),
        "drawn": str(drawn),
        "consumed": str(consumed),
        "overage": str(closed.overage),
        "extra": str(hours_of(sum(g.minutes for g in extra_groups))),
        "non_billable": str(hours_of(work.non_billable_minutes)),
    }
    return Closed(tuple(new_entries), tuple(lines), currency, hours)


def base_fee_lines(
    contract: Contract, period: Period, segments: list[Segment], text: dict[str, str]
) -> list[Line]:
    """The month's base fee: one line per fee segment inside the term, each the pro rata of
    its monthly fee (``charge_rules.prorated_fee``, rounded once per line): a whole month
    under one fee is one line "Base fee"; a change on the 11th of a 30-day month, two lines
    of 10 and 20 days."""
    places = minor_units(contract.fee_currency)
    month_days = period.last_day.day
    covered = covered_segments(contract, period, segments)
    lines = []
    for days, terms in covered:
        per_month = monthly_fee(contract, fee=terms)
        base = rules.prorated_fee(per_month, days, month_days, places)
        if base <= 0:
            continue
        label = (
            text["base_fee"]
            if days >= month_days
            else text["base_fee_part"] % {"days": days, "month": month_days}
        )
        lines.append(Line(ChargeKind.BASE_FEE, label, Decimal(days) / month_days, per_month, base))
    return lines


def credit_line(
    credit: Credit | None, currency: str, labels: dict[str, str] | None = None
) -> Line | None:
    """The month's service credits as a negative line; never in another currency."""
    if credit is None or credit.amount <= 0:
        return None
    rules.same_currency(currency, credit.currency)
    amount = rules.round_money(credit.amount, minor_units(currency))
    label = (labels or charge_labels())["credit"] % {"status": credit.status}
    return Line(ChargeKind.CREDIT, label, Decimal(1), None, -amount)


def claim_lines(
    claims: Sequence[ClaimRow], currency: str, labels: dict[str, str] | None = None
) -> list[Line]:
    """Approved guarantee claims (``aftercare.charges``) as negative lines, one per claim;
    never in another currency."""
    text = labels or charge_labels()
    places = minor_units(currency)
    lines = []
    for claim in claims:
        rules.same_currency(currency, claim.currency)
        label = text["refund" if claim.kind == "refund" else "credit_claim"]
        amount = rules.round_money(claim.amount, places)
        lines.append(
            Line(
                ChargeKind.GUARANTEE,
                label % {"ticket": claim.ticket_number},
                Decimal(1),
                None,
                -amount,
            )
        )
    return lines


def _credits(contract_ids: Sequence[int], period: Period) -> dict[int, Credit]:
    return {
        c.contract_id: Credit(c.currency, c.amount_due, c.status)
        for c in PeriodCredit.objects.filter(
            ids_in("contract_id", contract_ids), period=str(period)
        )
    }


def parts_by_contract(contract_ids: Sequence[int], period: Period) -> dict[int, list[PartRow]]:
    """The month's parts used on the contracts' tickets (one query), in the order used."""
    parts: dict[int, list[PartRow]] = defaultdict(list)
    for contract_id, number, description, quantity, cost, warranty in (
        PartUse.objects.filter(
            ids_in("ticket__contract_id", contract_ids),
            date__gte=period.first_day,
            date__lte=period.last_day,
        )
        .order_by("date", "id")
        .values_list(
            "ticket__contract_id",
            "part_number",
            "description",
            "quantity",
            "unit_price",
            "under_warranty",
        )
    ):
        parts[contract_id].append(PartRow(number, description, quantity, cost, warranty))
    return parts


def close_charges(
    contracts: Iterable[Contract], period: Period, *, now: datetime
) -> list[PeriodCharge]:
    """Produces the month's draft charge for each contract that has none yet (see the
    module's steps); returns the new charges."""
    ids = sorted({c.pk for c in contracts})
    with transaction.atomic():
        locked = list(
            Contract.objects.select_for_update(of=("self",))
            .filter(ids_in("pk", ids))
            .select_related("customer")
            .order_by("pk")
        )
        done = set(
            PeriodCharge.objects.filter(ids_in("contract_id", ids), period=str(period)).values_list(
                "contract_id", flat=True
            )
        )
        todo = [c for c in locked if c.pk not in done]
        if not todo:
            return []
        todo_ids = [c.pk for c in todo]
        by_zone: dict[str, datetime] = {}  # the month's end, computed once per time zone
        ends = {
            c.pk: by_zone.get(c.customer.timezone)
            or by_zone.setdefault(c.customer.timezone, month_end(c, period))
            for c in todo
        }
        terms = rate_terms_at(todo, ends)
        work = work_by_contract(todo_ids, period, terms)
        entries: dict[int, list[tuple[str, Decimal, str]]] = defaultdict(list)
        for contract_id, kind, hours, expires in HoursEntry.objects.filter(
            ids_in("contract_id", todo_ids), period=str(period), bucket=Bucket.MAINTENANCE
        ).values_list("contract_id", "kind", "hours", "expires_period"):
            entries[contract_id].append((kind, hours, expires))
        credits = _credits(todo_ids, period)
        fees = fee_segments(todo, period)
        parts = parts_by_contract(todo_ids, period)
        claims = claims_to_charge(todo_ids, ends)
        labels = charge_labels()
        results = [
            (
                contract,
                close_one(
                    contract,
                    period,
                    terms=terms[contract.pk],
                    work=work.get(contract.pk, ContractWork()),
                    entries=entries.get(contract.pk, ()),
                    credit=credits.get(contract.pk),
                    segments=fees[contract.pk],
                    parts=parts.get(contract.pk, ()),
                    labels=labels,
                    claims=claims.get(contract.pk, ()),
                ),
            )
            for contract in todo
        ]
        written = _write(results, period, now)
        mark_charged([c.id for rows in claims.values() for c in rows], str(period))
        return written


def _write(
    results: list[tuple[Contract, Closed]], period: Period, now: datetime
) -> list[PeriodCharge]:
    """Three set-based inserts of plain tuples (``core.bulk.insert_rows``: COPY on
    PostgreSQL), no model instance per row; the new charges are read back for their ids."""
    reason = _("period close %(period)s") % {"period": period}
    month = str(period)
    # the one instant of every row, converted once (on SQLite, its column text) rather
    # than once per row by the field
    entry_at = db_instants(HoursEntry)
    charge_at = db_instants(PeriodCharge)
    at = now if entry_at is None else entry_at(now)
    computed_at = now if charge_at is None else charge_at(now)
    insert_rows(
        HoursEntry,
        ("contract", "period", "bucket", "kind", "hours", "expires_period", "reason", "at"),
        (
            (contract.pk, e.period, Bucket.MAINTENANCE, e.kind, e.hours, e.expires, reason, at)
            for contract, closed in results
            for e in closed.entries
        ),
        ready=("at",) if entry_at is not None else (),
    )
    insert_rows(
        PeriodCharge,
        ("contract", "period", "status", "currency", "total", "hours", "computed_at"),
        (
            (
                contract.pk,
                month,
                ChargeStatus.DRAFT,
                closed.currency,
                rules.total(closed.lines),
                closed.hours,
                computed_at,
            )
            for contract, closed in results
        ),
        ready=("computed_at",) if charge_at is not None else (),
    )
    charges = list(
        PeriodCharge.objects.filter(
            ids_in("contract_id", [contract.pk for contract, _c in results]), period=month
        ).order_by("contract_id")
    )
    charge_of = {charge.contract_id: charge.pk for charge in charges}
    insert_rows(
        ChargeLine,
        ("charge", "position", "kind", "description", "quantity", "unit_price", "amount"),
        (
            (
                charge_of[contract.pk],
                n,
                line.kind,
                line.description[:300],
                line.quantity.quantize(Decimal("0.0001")),
                line.unit_price,
                line.amount,
            )
            for contract, closed in results
            for n, line in enumerate(closed.lines, start=1)
        ),
    )
    return charges


def charge_snapshot(charge: PeriodCharge) -> dict[str, Any]:
    """A charge as the pages, the PDF, the CSV and the API show it."""
    places = minor_units(charge.currency)
    return {
        "id": charge.pk,
        "contract": {"id": charge.contract_id, "number": charge.contract.number},
        "customer": charge.contract.customer.name,
        "period": charge.period,
        "status": charge.status,
        "currency": charge.currency,
        "total": rules.round_money(charge.total, places),
        "hours": charge.hours,
        "computed_at": charge.computed_at,
        "approved_at": charge.approved_at,
        "lines": [
            {
                "position": line.position,
                "kind": line.kind,
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "amount": rules.round_money(line.amount, places),
            }
            for line in charge.lines.all()
        ],
    }


def charges_for(user: Any) -> QuerySet[PeriodCharge]:
    """Period charges the user may see (staff all; a contact its own customer's)."""
    qs = PeriodCharge.objects.select_related("contract", "contract__customer").prefetch_related(
        "lines"
    )
    return scope_to_customer(qs, user, field="contract__customer")


def download(snapshot: dict[str, Any], fmt: str, request: Any = None) -> HttpResponse:
    """A charge as a file (``fmt`` one of ``charge_formats.CONTENT_TYPES``)."""
    from servicepact.billing import charge_formats

    response = HttpResponse(
        charge_formats.render(snapshot, fmt, request),
        content_type=charge_formats.CONTENT_TYPES[fmt],
    )
    name = f"charges-{snapshot['contract']['number']}-{snapshot['period']}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
