"""Contract-end plans: opened before an unrenewed contract lapses, moved to exit when it
ends, cancelled by a renewal; the customer confirms the export; exit steps with evidence.

World: Acme (America/New_York), term 2025-01-01..2025-12-31, manual renewal, grace 30 days,
retention 30 days -> data deleted after 2026-03-01 (2025-12-31 + 30 + 30 days).
"""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from servicepact.contractend import services as ends
from servicepact.contractend.backups import last_verified_backups
from servicepact.contractend.choices import Phase, PlanStatus, StepCode
from servicepact.contractend.models import ContractEndPlan
from servicepact.contractend.selectors import plans_for, unconfirmed_plans
from servicepact.contracts.choices import Renewal
from servicepact.contracts.lifecycle import run_lifecycle
from servicepact.contracts.services import activate_contract
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.notifications.models import Notification
from servicepact.tickets.testing import ny, world

pytestmark = pytest.mark.django_db


def acme(clock, renewal=Renewal.MANUAL):
    clock.at(ny(2025, 1, 1, 10))
    w = world(code="acme", start=date(2025, 1, 1), end=date(2025, 12, 31))
    w.contract.renewal = renewal
    w.contract.save()
    if w.contract.activated_at is None:
        activate_contract(contract=w.contract)
    w.contact.email = "it@acme.test"
    w.contact.save()
    return w


def test_no_plan_before_the_notice_then_one_with_a_notice(clock):
    """2025-11-30 is 31 days before the end: nothing. 2025-12-01 (30 days): a plan in phase
    notice, delete after 2026-03-01, four exit steps, the customer told once."""
    w = acme(clock)
    clock.at(ny(2025, 11, 30, 12))
    assert ends.open_due_plans(now=ny(2025, 11, 30, 12)) == 0
    clock.at(ny(2025, 12, 1, 12))
    assert ends.open_due_plans(now=ny(2025, 12, 1, 12)) == 1
    plan = ContractEndPlan.objects.get()
    assert (plan.phase, plan.ends_on, plan.delete_after) == (
        Phase.NOTICE,
        date(2025, 12, 31),
        date(2026, 3, 1),
    )
    assert sorted(plan.steps.values_list("code", flat=True)) == sorted(StepCode.values)
    told = Notification.objects.filter(event="contract.end_notice", recipient="it@acme.test")
    assert told.count() == 1
    assert ends.open_due_plans(now=ny(2025, 12, 2, 12)) == 0
    assert told.count() == 1
    assert list(unconfirmed_plans(w.agent)) == [plan]


def test_automatic_renewal_gets_no_plan(clock):
    acme(clock, renewal=Renewal.AUTOMATIC)
    clock.at(ny(2025, 12, 20, 12))
    assert ends.open_due_plans(now=ny(2025, 12, 20, 12)) == 0
    assert not ContractEndPlan.objects.exists()


def test_lapse_moves_the_plan_to_exit(clock):
    """After the end the lifecycle puts the contract in grace; the same plan moves to exit and
    the customer is told again."""
    acme(clock)
    clock.at(ny(2025, 12, 1, 12))
    ends.open_due_plans(now=ny(2025, 12, 1, 12))
    clock.at(ny(2026, 1, 2, 12))
    run_lifecycle(now=ny(2026, 1, 2, 12))
    assert ends.open_due_plans(now=ny(2026, 1, 2, 12)) == 1
    plan = ContractEndPlan.objects.get()
    assert plan.phase == Phase.EXIT
    assert (
        Notification.objects.filter(event="contract.end_exit", recipient="it@acme.test").count()
        == 1
    )


def test_renewal_cancels_the_plan(clock):
    w = acme(clock)
    clock.at(ny(2025, 12, 1, 12))
    ends.open_due_plans(now=ny(2025, 12, 1, 12))
    w.contract.end_date = date(2026, 12, 31)
    w.contract.save()
    ends.open_due_plans(now=ny(2025, 12, 2, 12))
    plan = ContractEndPlan.objects.get()
    assert plan.status == PlanStatus.CANCELLED
    assert not unconfirmed_plans(w.agent).exists()


def test_customer_confirms_its_export_once_and_only_its_own(clock):
    w = acme(clock)
    other = world(code="globex")
    clock.at(ny(2025, 12, 1, 12))
    ends.open_due_plans(now=ny(2025, 12, 1, 12))
    plan = ContractEndPlan.objects.get()
    assert list(plans_for(other.contact.user)) == []
    assert list(plans_for(w.contact.user)) == [plan]
    with pytest.raises(PermissionDenied):
        ends.confirm_export(plan=plan, actor=other.contact.user)
    with pytest.raises(PermissionDenied):
        ends.confirm_export(plan=plan, actor=w.agent)
    ends.confirm_export(plan=plan, actor=w.contact.user, note="Downloaded the archive")
    with pytest.raises(TransitionError):
        ends.confirm_export(plan=plan, actor=w.contact.user)
    assert not unconfirmed_plans(w.agent).exists()


def test_exit_steps_need_evidence_and_close_the_plan(clock, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    w = acme(clock)
    clock.at(ny(2026, 1, 2, 12))
    run_lifecycle(now=ny(2026, 1, 2, 12))
    ends.open_due_plans(now=ny(2026, 1, 2, 12))
    plan = ContractEndPlan.objects.get()
    with pytest.raises(DomainValidationError) as bad:
        ends.complete_step(plan=plan, code=StepCode.BACKUPS, actor=w.agent, note="")
    assert set(bad.value.errors) == {"note", "outcome"}
    ends.complete_step(
        plan=plan,
        code=StepCode.BACKUPS,
        actor=w.agent,
        note="Disks wiped",
        outcome="deleted",
        evidence=SimpleUploadedFile("wipe-cert.pdf", b"%PDF-1.4 cert"),
    )
    step = plan.steps.get(code=StepCode.BACKUPS)
    assert step.evidence_name == "wipe-cert.pdf"
    assert step.evidence.read() == b"%PDF-1.4 cert"
    for code in (StepCode.EXPORT_DELIVERED, StepCode.ACCESS_REVOKED):
        ends.complete_step(plan=plan, code=code, actor=w.agent, note="done")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.OPEN
    ends.complete_step(plan=plan, code=StepCode.DOCUMENTS_RETURNED, actor=w.agent, note="done")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CLOSED
    with pytest.raises(PermissionDenied):
        ends.complete_step(plan=plan, code=StepCode.BACKUPS, actor=w.contact.user, note="x")


def test_backup_section_takes_the_newest_verified_fact_of_every_provider(clock, settings):
    """Recorded backup verified 2025-06-01 and a second provider's 2025-06-03: the newest wins;
    an asset nobody knows shows None (no verified backup known)."""
    from servicepact.assets.models import Asset, ContractLine
    from servicepact.tickets.testing import utc

    w = acme(clock)
    bare = Asset.objects.create(customer=w.customer, hostname="acme-srv02")
    ContractLine.objects.create(contract=w.contract, asset=bare, start_date=date(2025, 1, 1))
    ends.record_backup(
        contract=w.contract,
        asset=w.asset,
        actor=w.agent,
        taken_at=utc(2025, 6, 1),
        verified_at=utc(2025, 6, 1, 2),
        location="s3://acme-backups/srv01",
    )
    settings.SERVICEPACT = {
        **getattr(settings, "SERVICEPACT", {}),
        "CONTRACT_END_BACKUP_PROVIDERS": [
            "servicepact.contractend.backups.recorded_backups",
            "servicepact.contractend.tests.test_plans.other_tool",
        ],
    }
    rows = {r.asset.hostname: r.last for r in last_verified_backups(w.contract)}
    assert rows["acme-srv02"] is None
    assert rows["acme-srv01"].location == "offsite://vault/7"
    assert rows["acme-srv01"].source == "other_tool"


def other_tool(contract, asset_ids):
    """A second provider in the shape of a backup app's run rows (dicts with finished_at)."""
    from servicepact.assets.models import Asset
    from servicepact.tickets.testing import utc

    srv01 = Asset.objects.get(hostname="acme-srv01")
    return [{"asset_id": srv01.pk, "finished_at": utc(2025, 6, 3), "location": "offsite://vault/7"}]


def test_termination_before_the_lapse_replaces_the_notice_plan(clock):
    """Notice plan for 2025-12-31; the contract is terminated on 2025-12-15: a plan of its
    own (reason termination, no grace: data deleted after 2026-01-14) and the old one is
    cancelled."""
    from servicepact.contracts.choices import ContractStatus

    w = acme(clock)
    clock.at(ny(2025, 12, 1, 12))
    ends.open_due_plans(now=ny(2025, 12, 1, 12))
    w.contract.terminated_on = date(2025, 12, 15)
    w.contract.status = ContractStatus.TERMINATED
    w.contract.save()
    clock.at(ny(2025, 12, 16, 12))
    ends.open_due_plans(now=ny(2025, 12, 16, 12))
    plans = {p.ends_on: p for p in ContractEndPlan.objects.all()}
    assert plans[date(2025, 12, 31)].status == PlanStatus.CANCELLED
    new = plans[date(2025, 12, 15)]
    assert (new.reason, new.phase, new.delete_after) == (
        "termination",
        Phase.EXIT,
        date(2026, 1, 14),
    )


def test_backup_section_shows_the_runs_backup_tools_reported(clock):
    """By default the checklist also reads the backups app: srv01's off-site copy reported
    by a backup tool (finished 2025-06-02 03:00) is newer than nothing recorded by hand; a
    failed later run is not a verified backup."""
    from servicepact.backups.ingest import ingest_runs
    from servicepact.backups.services import create_backup_source
    from servicepact.backups.sources.base import ParsedRun
    from servicepact.tickets.testing import utc

    w = acme(clock)
    source, _token = create_backup_source(name="restic", kind="generic", customer=w.customer)
    ingest_runs(
        source=source,
        runs=[
            ParsedRun(
                run_key="a1",
                status="succeeded",
                started_at=utc(2025, 6, 2, 1),
                finished_at=utc(2025, 6, 2, 3),
                host=w.asset.hostname,
                location="offsite",
                snapshot="4f2a9c",
            ),
            ParsedRun(
                run_key="a2",
                status="failed",
                started_at=utc(2025, 6, 3, 1),
                finished_at=utc(2025, 6, 3, 2),
                host=w.asset.hostname,
                location="offsite",
            ),
        ],
        received_at=utc(2025, 6, 3, 2),
    )
    rows = {r.asset.hostname: r.last for r in last_verified_backups(w.contract)}
    last = rows[w.asset.hostname]
    assert (last.verified_at, last.taken_at, last.location, last.label, last.source) == (
        utc(2025, 6, 2, 3),
        utc(2025, 6, 2, 1),
        "offsite",
        "4f2a9c",
        "reported",
    )
