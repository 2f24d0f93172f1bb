"""Read models of the desk's record pages (customer, contract, asset): small, query-light
shapes the templates iterate over. No writes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from servicepact.assets.models import ContractLine
from servicepact.contracts.choices import ContractStatus
from servicepact.contracts.metrics import category_targets as category_targets
from servicepact.contracts.metrics import metric_codes
from servicepact.contracts.models import Calendar, Contract
from servicepact.contracts.terms import Terms, terms_for_version, version_in_force


def current_line(lines: list[ContractLine], today: date) -> ContractLine | None:
    """The contract line covering an asset today (active or in grace), the newest first."""
    covering = (ContractStatus.ACTIVE, ContractStatus.GRACE)
    for line in sorted(lines, key=lambda x: x.start_date, reverse=True):
        in_line = line.start_date <= today and (line.end_date is None or line.end_date >= today)
        if in_line and line.contract.status_on(today) in covering:
            return line
    return None


def target_rows(terms: Terms, metrics: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """Priority rows x metric columns (every metric, table order: ``metrics`` when the
    caller has them) of the terms' targets for any category (None where no target)."""
    metrics = metric_codes() if metrics is None else metrics
    calendars = dict(
        Calendar.objects.filter(pk__in={t.calendar_id for t in terms.targets.values()}).values_list(
            "pk", "name"
        )
    )
    rows = []
    for priority in (1, 2, 3, 4):
        cells = []
        for metric in metrics:
            term = terms.target(priority, metric)
            cells.append(
                {
                    "term": term,
                    "calendar": calendars.get(term.calendar_id) if term else None,
                    "override": bool(term and term.source.startswith("contract")),
                }
            )
        rows.append({"priority": priority, "name": terms.priority_name(priority), "cells": cells})
    return rows


def contract_terms(contract: Contract, at: datetime) -> Terms | None:
    version = version_in_force(contract, at) or contract.versions.order_by("number").first()
    return terms_for_version(version) if version else None


def contract_dates(contract: Contract) -> dict[str, date]:
    """The last day to give notice, and the last day of the grace period."""
    return {
        "notice_by": contract.end_date - timedelta(days=contract.notice_days),
        "grace_until": contract.end_date + timedelta(days=contract.grace_days),
    }


def coverage_bars(lines: list[ContractLine], today: date) -> dict[str, Any]:
    """Positions (percent of the whole span) of each line's coverage and of today."""
    if not lines:
        return {"rows": [], "today": None}
    ends = [line.end_date or line.contract.end_date for line in lines]
    first = min(min(line.start_date for line in lines), today)
    last = max(*ends, today)
    span = max(1, (last - first).days)
    rows = []
    for line, end in zip(lines, ends, strict=True):
        rows.append(
            {
                "line": line,
                "end": end,
                "status": (status := line.contract.status_on(today)),
                "status_label": ContractStatus(status).label,
                "left": round(100 * (line.start_date - first).days / span, 2),
                "width": max(0.5, round(100 * (end - line.start_date).days / span, 2)),
                "grace_until": contract_dates(line.contract)["grace_until"]
                if end == line.contract.end_date
                else None,
            }
        )
    return {
        "rows": rows,
        "first": first,
        "last": last,
        "today": round(100 * (today - first).days / span, 2),
    }
