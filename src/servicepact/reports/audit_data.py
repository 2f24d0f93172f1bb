"""The parts of the audit export beyond the clocks: everything else the statement is
computed from, so that ``servicepact audit verify`` recomputes every figure (docs/statements.md,
"The audit export").

* ``availability.json``: the measurement calendar rule, the covered assets and their spans,
  the outages (origin, source, start, end, planned / unplanned seconds), the approved
  maintenance windows, the commitment and the cut-off (``horizon``);
* ``coverage-<zone>.json``: the plan's calendar in an asset's zone ("coverage" rule only);
* ``credits.json``: fee, currency, the credit schedule in force (tiers, cap, claim window),
  the per-breach credits of every contract version, force majeure (tickets and periods);
* ``kpis.json``: the KPI commitments of the month and every measurement taken in it;
* ``statement.json``: the statement's own figures, for comparison;
* ``hours.json``: the hours ledger up to the month, the month's work and charge
  (``reports.audit_hours``).

All instants are UTC ISO-8601, all money and percentages decimal strings.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from django.utils.text import slugify

from servicepact.backups.statement import recovery_credit_lines
from servicepact.billing.choices import FEE_PERIOD_MONTHS
from servicepact.billing.credits import monthly_fee
from servicepact.billing.facts import PeriodFacts
from servicepact.billing.fees import fee_in_force
from servicepact.billing.periods import Period
from servicepact.billing.schedules import ScheduleTerms
from servicepact.billing.services import security_lines
from servicepact.contracts.calendars import calendar_json
from servicepact.contracts.choices import KPI_UNITS, KpiKind
from servicepact.contracts.models import Contract
from servicepact.core.money import minor_units
from servicepact.core.time import from_epoch
from servicepact.monitoring.availability import (
    AvailabilityInputs,
    availability_from,
    availability_inputs,
)
from servicepact.monitoring.models import Outage
from servicepact.monitoring.selectors import measurements_for
from servicepact.reports.audit_hours import hours_file
from servicepact.reports.selectors import statement_for
from servicepact.slaclock.statement_rules import plain

FORMAT = 1


def _utc(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def period_files(contract: Contract, facts: PeriodFacts, now: datetime) -> dict[str, str]:
    """The extra files of one contract-month's export (name -> text)."""
    files = _availability(contract, facts.period)
    files["credits.json"] = _dump(_credits(contract, facts))
    files["kpis.json"] = _dump(_kpis(contract, facts))
    files["statement.json"] = _dump(statement_for(contract, facts.period, now=now))
    files["hours.json"] = _dump(hours_file(contract, facts.period))
    return files


def _zone(contract: Contract, asset: Any) -> str:
    return str(asset.site.timezone if asset.site_id else contract.customer.timezone)


def _availability(contract: Contract, period: Period) -> dict[str, str]:
    inputs = availability_inputs(contract, period.year, period.month)
    result = availability_from(contract, inputs)
    files: dict[str, str] = {}
    coverage: dict[str, str] = {}
    if inputs.calendar == "coverage":
        for asset in inputs.spans:
            zone = _zone(contract, asset)
            if zone not in coverage:
                name = f"coverage-{slugify(zone.replace('/', '-')) or 'zone'}.json"
                coverage[zone] = name
                files[name] = _dump(calendar_json(contract.plan.calendar, timezone=zone))
    per_outage: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for s in result.slices:
        per_outage[s.outage_id or 0][1 if s.planned else 0] += s.seconds
    files["availability.json"] = _dump(
        {
            "format": FORMAT,
            "rule": (
                "availability = 100 * (1 - unplanned / measured), truncated to 4 decimals; "
                "measured = the measurement calendar's seconds of each covered asset's spans; "
                "downtime = outages clipped to the spans, overlaps counted once (the earlier "
                "outage claims them), parts inside an approved change window planned"
            ),
            "period_start": _utc(inputs.period_start),
            "period_end": _utc(inputs.period_end),
            "horizon": _utc(inputs.horizon),
            "calendar": inputs.calendar,
            "coverage_calendars": coverage,
            "commitment_percent": None
            if inputs.commitment is None
            else plain(inputs.commitment.target),
            "assets": _assets(contract, inputs),
            "outages": [_outage(o, per_outage.get(o.pk, [0, 0])) for o in inputs.outages],
            "maintenance_windows": [
                {
                    "change_id": w.change_id,
                    "asset_id": asset_id,
                    "start": _utc(w.start),
                    "end": _utc(w.end),
                }
                for asset_id, windows in sorted(inputs.windows.items())
                for w in windows
            ],
        }
    )
    return files


def _assets(contract: Contract, inputs: AvailabilityInputs) -> list[dict[str, Any]]:
    return [
        {
            "id": asset.pk,
            "hostname": asset.hostname,
            "zone": _zone(contract, asset),
            "covered": [[_utc(a), _utc(b)] for a, b in spans],
        }
        for asset, spans in sorted(inputs.spans.items(), key=lambda item: item[0].pk)
    ]


def _outage(outage: Outage, seconds: list[int]) -> dict[str, Any]:
    alert = outage.alert
    return {
        "id": outage.pk,
        "asset_id": outage.asset_id,
        "hostname": outage.asset.hostname,
        "start": _utc(outage.started_at),
        "end": _utc(outage.ended_at),
        "origin": outage.origin,
        "source": "" if alert is None else alert.source.name,
        "cause": outage.cause,
        "unplanned_seconds": seconds[0],
        "planned_seconds": seconds[1],
        "planned": seconds[1] > 0 and seconds[0] == 0,
        "recorded_planned": outage.planned,  # a manual outage recorded as planned
    }


def schedule_json(schedule: ScheduleTerms | None) -> dict[str, Any] | None:
    if schedule is None:
        return None
    return {
        "version_id": schedule.version_id,
        "label": schedule.label,
        "cap_percent": None if schedule.cap_percent is None else plain(schedule.cap_percent),
        "claim_window_days": schedule.claim_window_days,
        "tiers": [[plain(below), plain(credit)] for below, credit in schedule.tiers],
        "breach": [
            {"metric": metric, "priority": priority, "credit_percent": plain(credit)}
            for (metric, priority), credit in sorted(schedule.breach.items())
        ],
    }


def _credits(contract: Contract, facts: PeriodFacts) -> dict[str, Any]:
    rules = facts.force_majeure
    return {
        "format": FORMAT,
        "currency": contract.fee_currency,
        # Decimal places of the currency's minor unit (ISO 4217: JPY 0, USD 2): every amount
        # is rounded half up to it.
        "minor_units": minor_units(contract.fee_currency),
        "fee": plain(fee_in_force(contract, facts.period).amount),
        "fee_period": contract.fee_period,
        "fee_period_months": FEE_PERIOD_MONTHS[contract.fee_period],
        "monthly_fee": str(monthly_fee(contract, facts.period)),
        "period_last_day": facts.period.last_day.isoformat(),
        "schedule": schedule_json(facts.schedule),
        "schedules_by_version": {
            str(version_id): schedule_json(schedule)
            for version_id, schedule in sorted(facts.schedules.items())
        },
        # Missed security deadlines (security.statement): verified as percent -> amount.
        "security_lines": [
            {
                "number": line.ticket_number,
                "metric": line.metric,
                "description": line.description,
                "percent": plain(line.percent),
            }
            for line in security_lines(facts, monthly_fee(contract, facts.period))
        ],
        # Commitments measured by backups (RPO, drills): the missed ones and their %, as
        # facts (backups.statement.recovery_credit_lines); the verifier re-does the money.
        "kpi_lines": [
            {"metric": line.metric, "description": line.description, "percent": plain(line.percent)}
            for line in recovery_credit_lines(
                contract,
                facts.start,
                facts.end,
                facts.cutoff,
                monthly_fee(contract, facts.period),
                minor_units(contract.fee_currency),
            )
        ],
        "force_majeure": {
            "tickets": {str(t): reason for t, reason in sorted(rules.tickets.items())},
            "periods": [
                {"start": _utc(from_epoch(a)), "end": _utc(from_epoch(b)), "reason": reason}
                for a, b, reason in rules.periods
            ],
        },
    }


def _kpis(contract: Contract, facts: PeriodFacts) -> dict[str, Any]:
    version = facts.version
    commitments = [
        {
            "kind": k.kind,
            "label": str(KpiKind(k.kind).label),
            "severity": k.severity or "",
            "unit": KPI_UNITS[k.kind],
            "target": plain(k.target),
            "measurement_calendar": k.measurement_calendar,
        }
        for k in (version.kpis.order_by("kind", "severity") if version is not None else [])
    ]
    measurements = [
        {
            "measured_at": _utc(m.measured_at),
            "kind": m.kind,
            "severity": (m.commitment.severity if m.commitment is not None else "") or "",
            "value": plain(m.value),
            "met": m.met,
            "source": "" if m.source is None else m.source.name,
            "asset": "" if m.asset is None else m.asset.hostname,
            "ticket": "" if m.ticket is None else m.ticket.number,
        }
        for m in measurements_for(contract, facts.start, facts.end)
    ]
    return {"format": FORMAT, "commitments": commitments, "measurements": measurements}
