"""The post-incident report: timeline from the ticket's events, editing, compensation as a
credit adjustment (and when it must not happen), publishing, tenancy, the PDF."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from servicepact.accounts.models import StaffProfile
from servicepact.billing.choices import AuditAction, CreditStatus
from servicepact.billing.models import CreditAudit, PeriodCredit
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.incidents import services as incidents
from servicepact.incidents.render import render_pdf
from servicepact.incidents.selectors import reports_for
from servicepact.tickets import services as ts
from servicepact.tickets.testing import ny, utc, world

pytestmark = pytest.mark.django_db


def declared(clock):
    clock.at(ny(2025, 6, 2, 10))
    w = world(code="acme")
    ticket = ts.open_ticket(customer=w.customer, contact=w.contact, subject="Array failed")
    clock.at(ny(2025, 6, 2, 10, 5))
    ts.acknowledge_ticket(ticket=ticket, actor=w.agent)
    ts.add_comment(ticket=ticket, author=w.agent, body="Restoring from last night's backup")
    ts.add_comment(ticket=ticket, author=w.agent, body="secret internal detail", internal=True)
    clock.at(ny(2025, 6, 2, 10, 10))
    incident = incidents.declare_major_incident(
        ticket=ticket, level=1, summary="Storage array failed", actor=w.agent
    )
    return w, incident


def test_timeline_is_generated_from_the_public_events(clock):
    """Opened 10:00, acknowledged 10:05, the public comment 10:05, priority P3 -> P1 and the
    declaration 10:10 (EDT = UTC-4); the internal note is not in it."""
    _w, incident = declared(clock)
    timeline = incident.report.timeline
    texts = [e["text"] for e in timeline]
    assert [e["at"] for e in timeline] == [
        utc(2025, 6, 2, 14).isoformat(),
        utc(2025, 6, 2, 14, 5).isoformat(),
        utc(2025, 6, 2, 14, 5).isoformat(),
        utc(2025, 6, 2, 14, 10).isoformat(),
        utc(2025, 6, 2, 14, 10).isoformat(),
    ]
    assert texts[0].startswith("Opened")
    assert "Acknowledged" in texts[1]
    assert texts[2] == "Update: Restoring from last night's backup"
    assert "P3 → P1" in texts[3]
    assert texts[4] == "Declared a major incident, level I: Storage array failed"
    assert not any("secret" in t for t in texts)


def test_timeline_edits_and_regeneration(clock):
    w, incident = declared(clock)
    report = incidents.update_report(
        report=incident.report,
        actor=w.agent,
        timeline=[{"at": utc(2025, 6, 2, 13, 55), "text": "Array degraded (monitoring)"}],
        root_cause="Firmware bug",
    )
    assert report.timeline == [
        {
            "at": utc(2025, 6, 2, 13, 55).isoformat(),
            "text": "Array degraded (monitoring)",
            "event": None,
        }
    ]
    with pytest.raises(DomainValidationError) as bad:
        incidents.update_report(report=report, actor=w.agent, timeline=[{"at": "x", "text": ""}])
    assert "timeline.0.at" in bad.value.errors
    report = incidents.regenerate_timeline(report=report, actor=w.agent)
    assert len(report.timeline) == 5
    assert report.root_cause == "Firmware bug"


def manager(w):
    StaffProfile.objects.create(user=w.agent, role="service_manager")
    return w.agent


def credit(w, amount="100.00", status=CreditStatus.COMPUTED):
    return PeriodCredit.objects.create(
        contract=w.contract,
        period="2025-06",
        status=status,
        currency="USD",
        monthly_fee=Decimal("1000.00"),
        computed_percent=Decimal("10"),
        computed_amount=Decimal(amount),
        computed_at=utc(2025, 7, 1),
    )


def test_compensation_adds_to_the_months_credit_with_an_audit_row(clock):
    """Credit computed 100.00; compensation 250.00 -> adjusted to 350.00, one ADJUST audit
    row linked from the report."""
    w, incident = declared(clock)
    row = credit(w)
    report = incidents.offer_compensation(
        report=incident.report, actor=manager(w), credit=row, amount="250.00", text="One month"
    )
    row.refresh_from_db()
    assert (row.status, row.approved_amount) == (CreditStatus.ADJUSTED, Decimal("350.00"))
    audit = CreditAudit.objects.get(credit=row, action=AuditAction.ADJUST)
    assert report.credit_audit_id == audit.pk
    assert report.compensation_amount == Decimal("250.00")
    with pytest.raises(TransitionError):
        incidents.offer_compensation(
            report=report, actor=w.agent, credit=row, amount="1", text="again"
        )
    row.refresh_from_db()
    assert row.approved_amount == Decimal("350.00")


def test_no_compensation_without_a_manager_or_on_another_contract(clock):
    """An agent without the manager role (403), another contract's credit or a zero amount
    (422): the credit is untouched and nothing is linked."""
    w, incident = declared(clock)
    row = credit(w)
    with pytest.raises(PermissionDenied):
        incidents.offer_compensation(
            report=incident.report, actor=w.agent, credit=row, amount="10", text="x"
        )
    boss = manager(w)
    other = world(code="globex")
    foreign = credit(other)
    with pytest.raises(DomainValidationError) as refused:
        incidents.offer_compensation(
            report=incident.report, actor=boss, credit=foreign, amount="10", text="x"
        )
    assert "credit" in refused.value.errors
    with pytest.raises(DomainValidationError):
        incidents.offer_compensation(
            report=incident.report, actor=boss, credit=row, amount="0", text="x"
        )
    for r in (row, foreign):
        r.refresh_from_db()
        assert (r.status, r.approved_amount) == (CreditStatus.COMPUTED, None)
    incident.report.refresh_from_db()
    assert incident.report.credit_id is None
    assert not CreditAudit.objects.exists()


def test_publish_needs_a_complete_report_then_contacts_see_it(clock):
    w, incident = declared(clock)
    report = incident.report
    contact_user = w.contact.user
    assert not reports_for(contact_user).filter(pk=report.pk).exists()
    with pytest.raises(DomainValidationError) as missing:
        incidents.publish_report(report=report, actor=w.agent)
    assert set(missing.value.errors) == {"root_cause", "data_lost", "apology"}
    report = incidents.update_report(
        report=report,
        actor=w.agent,
        root_cause="Firmware bug",
        data_lost=False,
        restored_from="restic snapshot 4f2a9c",
        achieved_rto_seconds=int(timedelta(hours=3).total_seconds()),
        achieved_rpo_seconds=3600,
        apology="We are sorry.",
    )
    incidents.publish_report(report=report, actor=w.agent)
    assert reports_for(contact_user).filter(pk=report.pk).exists()
    other = world(code="globex")
    assert not reports_for(other.contact.user).filter(pk=report.pk).exists()
    with pytest.raises(TransitionError):
        incidents.update_report(report=report, actor=w.agent, root_cause="changed")


def test_pdf_is_a_pdf_with_the_report(clock):
    w, incident = declared(clock)
    report = incidents.update_report(
        report=incident.report, actor=w.agent, root_cause="Firmware bug", restored_from="snap-42"
    )
    pdf = render_pdf(report)
    assert pdf.startswith(b"%PDF")
    from io import BytesIO

    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    assert "Firmware bug" in text and "snap-42" in text
