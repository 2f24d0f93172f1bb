"""Issue 11: "a one-minute monitoring blip earned a 480 USD credit". End to end through the
alert endpoint, the worker and the statement, on the test plan (Mon-Fri 09:00-18:00
America/New_York; P1 on site 240 business minutes) with a 3,000 USD monthly fee and a 2 %
credit per P1 on-site breach (billing.testing.june_schedule).

The blip: NodeDown (critical, P1) fires Mon 9 Jun 2025 10:00 EDT, the agent acknowledges at
10:00:30, the alert resolves at 10:01 and the source resolves the ticket automatically.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from servicepact.billing.testing import june_schedule, ny
from servicepact.contracts.choices import Metric
from servicepact.contracts.models import Contract
from servicepact.monitoring.services import create_alert_source
from servicepact.monitoring.tests.conftest import am_alert, am_payload, post_json
from servicepact.reports.audit import audit_export
from servicepact.reports.statement import build_statement
from servicepact.tickets import services as ts
from servicepact.tickets.choices import ClockState, EventKind, Status
from servicepact.tickets.due import process_due_clocks
from servicepact.tickets.models import SlaClock, Ticket
from servicepact.tickets.testing import world

pytestmark = pytest.mark.django_db

URL = "/api/v1/alerts/alertmanager"
FIRED = ny(2025, 6, 9, 10)
BLIP_END = ny(2025, 6, 9, 10, 1)
ON_SITE_DEADLINE = ny(2025, 6, 9, 14)


@pytest.fixture
def acme(clock):
    clock.at(ny(2025, 6, 1, 8))
    w = world()
    Contract.objects.filter(pk=w.contract.pk).update(fee_amount=Decimal("3000"))
    june_schedule(Contract.objects.get(pk=w.contract.pk))
    return w


def alert(status: str, ends: datetime | None = None, **labels: str) -> dict:
    return am_payload(am_alert("blip", status, FIRED, ends, instance="acme-srv01:9100", **labels))


def blip(acme, client, clock, **labels: Any) -> Ticket:
    """The blip up to the auto-resolution; returns the ticket (resolved at 10:01)."""
    _, token = create_alert_source(
        name="prom", kind="alertmanager", customer=acme.customer, auto_resolve=True
    )
    clock.at(FIRED)
    post_json(client, URL, alert("firing", **labels), token)
    ticket = Ticket.objects.get()
    clock.at(FIRED + timedelta(seconds=30))
    ts.acknowledge_ticket(ticket=ticket, actor=acme.agent)
    clock.at(BLIP_END)
    post_json(client, URL, alert("resolved", BLIP_END, **labels), token)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved_at) == (Status.RESOLVED, BLIP_END)
    return ticket


def month_end(clock, acme) -> dict:
    """The worker runs long after the deadline; then June's statement."""
    clock.at(ny(2025, 6, 9, 18))
    process_due_clocks(now=ny(2025, 6, 9, 18))
    clock.at(ny(2025, 7, 2, 9))
    return build_statement(Contract.objects.get(pk=acme.contract.pk), "2025-06")


def on_site_rows(statement: dict) -> list[dict]:
    return [r for r in statement["compliance"]["rows"] if r["metric"] == Metric.ON_SITE]


def test_the_reported_blip_opens_no_on_site_clock_and_earns_no_credit(acme, client, clock):
    """As reported (no category mapping): the incident is "other", not hardware, so there is
    no on-site clock at all; the statement has no breach and no credit."""
    ticket = blip(acme, client, clock)
    assert ticket.category == "other"
    assert not SlaClock.objects.filter(ticket=ticket, metric=Metric.ON_SITE).exists()
    statement = month_end(clock, acme)
    assert statement["breaches"] == []
    assert statement["credits"]["amount_due"] == "0.00"


def test_a_hardware_blip_ends_its_on_site_clock_as_not_required(acme, client, clock):
    """Mapped to hardware, the on-site clock starts but the ticket is resolved at 10:01 with
    nobody on site: the clock ends there, "not required". Past its 14:00 deadline nothing
    happens: no breach event, no escalation, no compliance row, no credit, not exported."""
    ticket = blip(acme, client, clock, servicepact_category="hardware")
    on_site = SlaClock.objects.get(ticket=ticket, metric=Metric.ON_SITE)
    assert (on_site.state, on_site.stopped_at, on_site.next_check_at) == (
        ClockState.NOT_REQUIRED,
        BLIP_END,
        None,
    )
    statement = month_end(clock, acme)
    on_site.refresh_from_db()
    assert (on_site.state, on_site.breached_at, on_site.breach_recorded) == (
        ClockState.NOT_REQUIRED,
        None,
        False,
    )
    assert not ticket.events.filter(kind=EventKind.BREACHED).exists()
    assert not ticket.events.filter(kind=EventKind.THRESHOLD_CROSSED).exists()
    assert statement["breaches"] == []
    assert on_site_rows(statement) == []
    assert statement["credits"]["amount_due"] == "0.00"
    # The other clocks still count: first response (met) and resolution (met).
    counted = {r["metric"]: (r["met"], r["breached"]) for r in statement["compliance"]["rows"]}
    assert counted == {"first_response": (1, 0), "restore": (1, 0), "resolution": (1, 0)}
    clock.at(ny(2025, 7, 2, 9))
    export = zipfile.ZipFile(io.BytesIO(audit_export(acme.contract, "2025-06")))
    clocks_csv = export.read("clocks.csv").decode()
    assert f"{ticket.number}/resolution" in clocks_csv
    assert "/on_site" not in clocks_csv


def test_a_real_late_on_site_visit_still_breaches_and_is_credited(acme, client, clock):
    """The positive case: the same hardware incident, but it is real. The engineer arrives at
    15:00 (300 > 240 business minutes: breached at 14:00 by 60), resolved 15:30 (a workaround
    at 11:00 met the restore clock): one P1 on-site breach, 2 % of 3,000 = 60.00 USD."""
    _, token = create_alert_source(
        name="prom", kind="alertmanager", customer=acme.customer, auto_resolve=True
    )
    clock.at(FIRED)
    post_json(client, URL, alert("firing", servicepact_category="hardware"), token)
    ticket = Ticket.objects.get()
    clock.at(FIRED + timedelta(seconds=30))
    ts.acknowledge_ticket(ticket=ticket, actor=acme.agent)
    clock.at(ny(2025, 6, 9, 11))  # a workaround: the restore clock is met
    ts.record_restore(ticket=Ticket.objects.get(pk=ticket.pk), actor=acme.agent)
    clock.at(ny(2025, 6, 9, 15))
    ts.record_onsite_arrival(ticket=Ticket.objects.get(pk=ticket.pk), actor=acme.agent)
    clock.at(ny(2025, 6, 9, 15, 30))
    post_json(
        client,
        URL,
        alert("resolved", ny(2025, 6, 9, 15, 30), servicepact_category="hardware"),
        token,
    )
    assert Ticket.objects.get(pk=ticket.pk).status == Status.RESOLVED
    on_site = SlaClock.objects.get(ticket=ticket, metric=Metric.ON_SITE)
    assert (on_site.state, on_site.breached_at) == (ClockState.BREACHED, ON_SITE_DEADLINE)
    statement = month_end(clock, acme)
    assert [
        (b["metric"], b["priority"], b["breached_by_seconds"]) for b in statement["breaches"]
    ] == [("on_site", 1, 3600)]
    assert [(r["met"], r["breached"]) for r in on_site_rows(statement)] == [(0, 1)]
    lines = [(x["ticket"], x["percent"], x["amount"]) for x in statement["credits"]["lines"]]
    # 60.00 for the breach; the 5.5 h outage of the critical alert (10:00-15:30 of June's
    # 720 h: 99.24 % < 99.9 %) is a 10 % availability credit.
    assert lines == [("", "10.00", "300.00"), (ticket.number, "2.00", "60.00")]
    assert statement["credits"]["amount_due"] == "360.00"


def test_resolved_after_the_deadline_with_nobody_on_site_stays_breached(acme, clock):
    """A hardware P1 opened 10:00, nobody on site by 14:00 (breached, the customer was told),
    resolved remotely at 16:00: the breach happened while the ticket was open and stands
    (a workaround at 11:00 met the restore clock)."""
    clock.at(FIRED)
    ticket = ts.open_ticket(
        customer=acme.customer, asset=acme.asset, subject="PSU", impact=1, urgency=1
    )
    ts.acknowledge_ticket(ticket=ticket, actor=acme.agent)
    clock.at(ny(2025, 6, 9, 11))  # a workaround: the restore clock is met
    ts.record_restore(ticket=Ticket.objects.get(pk=ticket.pk), actor=acme.agent)
    clock.at(ny(2025, 6, 9, 16))
    process_due_clocks(now=ny(2025, 6, 9, 16))
    ts.resolve_ticket(ticket=Ticket.objects.get(pk=ticket.pk), actor=acme.agent, resolution="x")
    on_site = SlaClock.objects.get(ticket=ticket, metric=Metric.ON_SITE)
    assert (on_site.state, on_site.stopped_at, on_site.breached_at) == (
        ClockState.BREACHED,
        ny(2025, 6, 9, 16),
        ON_SITE_DEADLINE,
    )
    breaches = ticket.events.filter(kind=EventKind.BREACHED)
    assert [e.data["metric"] for e in breaches] == ["on_site"]
    statement = month_end(clock, acme)
    assert [(r["met"], r["breached"]) for r in on_site_rows(statement)] == [(0, 1)]
    assert statement["credits"]["amount_due"] == "60.00"


def test_a_reopened_ticket_continues_its_ended_on_site_clock(acme, clock):
    """Resolved at 10:30 with nobody on site (not required, 30 min used); reopened at 11:00:
    the visit may be needed after all, so the clock continues from 30 minutes (the gap does
    not count): deadline 14:30."""
    clock.at(FIRED)
    ticket = ts.open_ticket(
        customer=acme.customer, asset=acme.asset, subject="PSU", impact=1, urgency=1
    )
    ts.acknowledge_ticket(ticket=ticket, actor=acme.agent)
    clock.at(ny(2025, 6, 9, 10, 30))
    ts.resolve_ticket(ticket=Ticket.objects.get(pk=ticket.pk), actor=acme.agent, resolution="x")
    assert SlaClock.objects.get(ticket=ticket, metric=Metric.ON_SITE).state == "not_required"
    clock.at(ny(2025, 6, 9, 11))
    ts.reopen_ticket(ticket=Ticket.objects.get(pk=ticket.pk), actor=acme.agent, reason="again")
    on_site = SlaClock.objects.get(ticket=ticket, metric=Metric.ON_SITE)
    assert (on_site.state, on_site.stopped_at, on_site.deadline_at) == (
        ClockState.RUNNING,
        None,
        ny(2025, 6, 9, 14, 30),
    )
