"""Period close of charges and the hours ledger, through the real services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from servicepact.billing.charge_rules import MixedCurrencyError
from servicepact.billing.commercial import (
    adjust_hours,
    approve_charge,
    close_month_charges,
    decide_conversion,
    request_conversion,
)
from servicepact.billing.hours import project_balance
from servicepact.billing.models import HoursEntry, PeriodCharge, PeriodCredit, WorkLogAudit
from servicepact.billing.periods import Period
from servicepact.billing.services import delete_work_log, edit_work_log, log_work
from servicepact.billing.testing_commerce import shop
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.testing import Clock, ny
from servicepact.notifications.models import Notification

pytestmark = pytest.mark.django_db

D = Decimal
JUNE = Period(2025, 6)


def lines(charge: PeriodCharge) -> list[tuple[str, Decimal]]:
    return [(line.kind, line.amount) for line in charge.lines.all()]


def ledger(contract, period: str) -> list[tuple[str, str, Decimal]]:
    return list(
        HoursEntry.objects.filter(contract=contract, period=period)
        .order_by("id")
        .values_list("bucket", "kind", "hours")
    )


def test_a_log_across_the_calendar_closing_time_is_split_by_the_engine(clock: Clock):
    """Mon 2 Jun 17:00-19:00 NY on a 09-18 calendar: 60 min in hours, 60 out; a Saturday
    log is all out of hours; a log given only by its day has no start: 0 out of hours."""
    s = shop(clock)
    clock.at(ny(2025, 6, 9, 8))
    evening = log_work(
        ticket=s.ticket, user=s.world.agent, minutes=120, started_at=ny(2025, 6, 2, 17)
    )
    saturday = log_work(
        ticket=s.ticket, user=s.world.agent, minutes=30, started_at=ny(2025, 6, 7, 10)
    )
    by_day = log_work(ticket=s.ticket, user=s.world.agent, minutes=30, day=date(2025, 6, 3))
    assert (evening.out_of_hours_minutes, evening.date) == (60, date(2025, 6, 2))
    assert saturday.out_of_hours_minutes == 30
    assert by_day.out_of_hours_minutes == 0


def test_month_close_prices_overage_extra_work_and_subtracts_credits(clock: Clock):
    """June, 10 h included, fee 3000: 12 h of included OS work (remote, in hours) -> 2 h
    overage at 100 = 200.00; 2 h app-dev (billable scope) 17:00-19:00 -> 100*(120+30)/60 =
    250.00; 1 h non-billable: nothing; credits 135.00 computed -> -135.00. Total 3315.00.
    The ledger: included +10, consumed -12, overage +2: the month adds up to zero."""
    s = shop(clock)
    clock.at(ny(2025, 6, 30, 20))
    agent = s.world.agent
    for day in (2, 3, 4):
        log_work(
            ticket=s.ticket,
            user=agent,
            minutes=240,
            started_at=ny(2025, 6, day, 9),
            category="os-support",
        )
    log_work(
        ticket=s.ticket, user=agent, minutes=120, started_at=ny(2025, 6, 5, 17), category="app-dev"
    )
    log_work(ticket=s.ticket, user=agent, minutes=60, day=date(2025, 6, 6), billable=False)
    PeriodCredit.objects.create(
        contract=s.contract,
        period="2025-06",
        currency="USD",
        monthly_fee=D(3000),
        computed_percent=D("4.5"),
        computed_amount=D("135.00"),
        computed_at=ny(2025, 7, 1, 0),
    )
    clock.at(ny(2025, 7, 1, 9))
    (charge,) = close_month_charges(contracts=[s.contract], period=JUNE)
    assert lines(charge) == [
        ("base_fee", D("3000.00")),
        ("overage", D("200.00")),
        ("extra_work", D("250.00")),
        ("credit", D("-135.00")),
    ]
    assert (charge.total, charge.currency, charge.status) == (D("3315.00"), "USD", "draft")
    assert ledger(s.contract, "2025-06") == [
        ("maintenance", "included", D("10.00")),
        ("maintenance", "consumed", D("-12.00")),
        ("maintenance", "overage", D("2.00")),
    ]
    assert charge.hours["non_billable"] == "1.00"
    # idempotent: a second close writes nothing
    assert close_month_charges(contracts=[s.contract], period=JUNE) == []
    assert PeriodCharge.objects.count() == 1


def test_a_quiet_month_bills_the_fee_only_and_no_charge_that_should_not_exist(clock: Clock):
    """No work, no credit: one base-fee line; the unused 10 h expire (no rollover)."""
    s = shop(clock)
    clock.at(ny(2025, 7, 1, 9))
    (charge,) = close_month_charges(contracts=[s.contract], period=JUNE)
    assert lines(charge) == [("base_fee", D("3000.00"))]
    assert ledger(s.contract, "2025-06") == [
        ("maintenance", "included", D("10.00")),
        ("maintenance", "expired", D("-10.00")),
    ]


def test_a_contract_starting_mid_month_pays_pro_rata(clock: Clock):
    """Start 16 Jun: 15 of 30 days -> 1500.00 and 5 h included; May (before the term): no fee."""
    s = shop(clock, start=date(2025, 6, 16))
    clock.at(ny(2025, 7, 1, 9))
    (june,) = close_month_charges(contracts=[s.contract], period=JUNE)
    assert lines(june) == [("base_fee", D("1500.00"))]
    assert june.hours["included"] == "5.00"
    (may,) = close_month_charges(contracts=[s.contract], period=Period(2025, 5))
    assert lines(may) == [] and may.total == 0


def test_a_month_not_over_is_refused(clock: Clock):
    s = shop(clock)
    clock.at(ny(2025, 6, 30, 23))
    with pytest.raises(TransitionError):
        close_month_charges(contracts=[s.contract], period=JUNE)
    assert not PeriodCharge.objects.exists()


def test_a_credit_in_another_currency_is_refused_and_nothing_is_written(clock: Clock):
    s = shop(clock)
    PeriodCredit.objects.create(
        contract=s.contract,
        period="2025-06",
        currency="EUR",
        monthly_fee=D(3000),
        computed_percent=D(1),
        computed_amount=D("30.00"),
        computed_at=ny(2025, 7, 1, 0),
    )
    clock.at(ny(2025, 7, 1, 9))
    with pytest.raises(MixedCurrencyError):
        close_month_charges(contracts=[s.contract], period=JUNE)
    assert not PeriodCharge.objects.exists()
    assert not HoursEntry.objects.exists()


def test_rolled_over_hours_expire_after_n_months(clock: Clock):
    """Rollover 1 month. June: 4 h used of 10 -> 6 roll into July (expire after July).
    July: 8 h used: the 6 rolled first, then 2 of July's 10 -> 8 roll into August.
    August: nothing used: the 8 from July expire (August was their last month, July + 1);
    August's own 10 roll into September."""
    s = shop(clock, rollover=1)
    agent = s.world.agent
    clock.at(ny(2025, 6, 30, 20))
    log_work(ticket=s.ticket, user=agent, minutes=240, day=date(2025, 6, 3))
    clock.at(ny(2025, 7, 1, 9))
    close_month_charges(contracts=[s.contract], period=JUNE)
    clock.at(ny(2025, 7, 31, 20))
    log_work(ticket=s.ticket, user=agent, minutes=480, day=date(2025, 7, 3))
    clock.at(ny(2025, 9, 1, 9))
    close_month_charges(contracts=[s.contract], period=Period(2025, 7))
    close_month_charges(contracts=[s.contract], period=Period(2025, 8))
    assert ledger(s.contract, "2025-07") == [
        ("maintenance", "rolled_over", D("6.00")),
        ("maintenance", "included", D("10.00")),
        ("maintenance", "consumed", D("-8.00")),
        ("maintenance", "rolled_over", D("-8.00")),
    ]
    assert ledger(s.contract, "2025-08") == [
        ("maintenance", "rolled_over", D("8.00")),
        ("maintenance", "included", D("10.00")),
        ("maintenance", "expired", D("-8.00")),
        ("maintenance", "rolled_over", D("-10.00")),
    ]
    assert ledger(s.contract, "2025-09") == [("maintenance", "rolled_over", D("10.00"))]


def test_conversion_is_approved_by_a_manager_and_leaves_ledger_entries(clock: Clock):
    """Ratio 1.5: 4 unused maintenance hours -> 6 project hours; an agent may not approve
    (403), more than remains is a 422, deciding twice a 409."""
    s = shop(clock)
    clock.at(ny(2025, 6, 20, 10))
    log_work(ticket=s.ticket, user=s.world.agent, minutes=300, day=date(2025, 6, 3))
    request = request_conversion(
        contract=s.contract, period=JUNE, hours="4", reason="dev work", actor=s.world.agent
    )
    with pytest.raises(PermissionDenied):
        decide_conversion(conversion=request, approve=True, actor=s.world.agent)
    too_much = request_conversion(
        contract=s.contract, period=JUNE, hours="6", reason="more", actor=s.world.agent
    )
    decide_conversion(conversion=request, approve=True, actor=s.manager)
    with pytest.raises(DomainValidationError) as error:
        decide_conversion(conversion=too_much, approve=True, actor=s.manager)
    assert "hours" in error.value.errors  # 10 - 5 used - 4 converted = 1 left
    with pytest.raises(TransitionError):
        decide_conversion(conversion=request, approve=True, actor=s.manager)
    assert ledger(s.contract, "2025-06") == [
        ("maintenance", "converted", D("-4.00")),
        ("project", "converted", D("6.00")),
    ]
    assert project_balance(s.contract) == D("6.00")
    clock.at(ny(2025, 7, 1, 9))
    close_month_charges(contracts=[s.contract], period=JUNE)
    assert ledger(s.contract, "2025-06")[2:] == [
        ("maintenance", "included", D("10.00")),
        ("maintenance", "consumed", D("-5.00")),
        ("maintenance", "expired", D("-1.00")),
    ]


def test_a_contract_without_ratio_cannot_convert(clock: Clock):
    s = shop(clock, ratio=None)
    with pytest.raises(DomainValidationError) as error:
        request_conversion(
            contract=s.contract, period=JUNE, hours="1", reason="x", actor=s.world.agent
        )
    assert "hours" in error.value.errors


def test_approval_makes_the_charge_final_with_the_credit_as_decided(clock: Clock):
    s = shop(clock)
    clock.at(ny(2025, 7, 1, 9))
    (charge,) = close_month_charges(contracts=[s.contract], period=JUNE)
    PeriodCredit.objects.create(
        contract=s.contract,
        period="2025-06",
        currency="USD",
        monthly_fee=D(3000),
        computed_percent=D(1),
        computed_amount=D("30.00"),
        approved_amount=D("20.00"),
        computed_at=ny(2025, 7, 1, 0),
    )
    with pytest.raises(PermissionDenied):
        approve_charge(charge=charge, actor=s.world.agent)
    final = approve_charge(charge=charge, actor=s.manager)
    assert (final.status, final.total) == ("final", D("2980.00"))
    assert lines(final) == [("base_fee", D("3000.00")), ("credit", D("-20.00"))]
    with pytest.raises(TransitionError):
        approve_charge(charge=final, actor=s.manager)


def test_work_logs_are_audited_and_a_closed_month_refuses_them(clock: Clock):
    s = shop(clock)
    clock.at(ny(2025, 6, 20, 10))
    log = log_work(ticket=s.ticket, user=s.world.agent, minutes=60, day=date(2025, 6, 3))
    edit_work_log(log=log, actor=s.world.agent, minutes=90, reason="forgot travel")
    other = log_work(ticket=s.ticket, user=s.world.agent, minutes=30, day=date(2025, 6, 4))
    delete_work_log(log=other, actor=s.world.agent, reason="duplicate")
    audit = list(WorkLogAudit.objects.order_by("id").values_list("work_log_id", "action"))
    assert audit == [
        (log.pk, "create"),
        (log.pk, "edit"),
        (other.pk, "create"),
        (other.pk, "delete"),
    ]
    edit = WorkLogAudit.objects.get(action="edit")
    assert edit.before is not None and edit.after is not None
    assert (edit.before["minutes"], edit.after["minutes"], edit.reason) == (60, 90, "forgot travel")
    clock.at(ny(2025, 7, 1, 9))
    close_month_charges(contracts=[s.contract], period=JUNE)
    with pytest.raises(DomainValidationError) as error:
        log_work(ticket=s.ticket, user=s.world.agent, minutes=30, day=date(2025, 6, 5))
    assert "date" in error.value.errors
    with pytest.raises(DomainValidationError):
        edit_work_log(log=log, actor=s.world.agent, minutes=10)
    with pytest.raises(PermissionDenied):
        edit_work_log(log=log, actor=s.world.contact.user, minutes=10)


def test_adjustments_need_a_reason_and_a_manager(clock: Clock):
    s = shop(clock)
    with pytest.raises(DomainValidationError) as error:
        adjust_hours(contract=s.contract, period=JUNE, hours="2", reason=" ", actor=s.manager)
    assert "reason" in error.value.errors
    with pytest.raises(PermissionDenied):
        adjust_hours(
            contract=s.contract, period=JUNE, hours="2", reason="goodwill", actor=s.world.agent
        )
    entry = adjust_hours(
        contract=s.contract, period=JUNE, hours="2", reason="goodwill", actor=s.manager
    )
    assert (entry.kind, entry.hours, entry.reason) == ("adjusted", D("2"), "goodwill")


def test_80_and_100_percent_alerts_reach_the_manager_and_the_contact_once(clock: Clock):
    """10 h: 7 h -> nothing; 8.5 h -> the 80 % alert; again 0.5 h -> nothing new; 10 h ->
    100 %. Each goes to the manager (in-app + e-mail if any) and the contact's address."""
    s = shop(clock)
    s.world.contact.email = "it@acme.test"
    s.world.contact.receives_statements = True
    s.world.contact.save()
    clock.at(ny(2025, 6, 20, 10))
    log_work(ticket=s.ticket, user=s.world.agent, minutes=420, day=date(2025, 6, 3))
    assert not Notification.objects.filter(event="hours.threshold").exists()
    log_work(ticket=s.ticket, user=s.world.agent, minutes=90, day=date(2025, 6, 4))
    first = set(
        Notification.objects.filter(event="hours.threshold").values_list(
            "recipient", "payload__threshold"
        )
    )
    assert ("it@acme.test", 80) in first and ("acme-manager", 80) in first
    log_work(ticket=s.ticket, user=s.world.agent, minutes=30, day=date(2025, 6, 4))
    assert Notification.objects.filter(event="hours.threshold").count() == len(first)
    log_work(ticket=s.ticket, user=s.world.agent, minutes=60, day=date(2025, 6, 5))
    hundred = Notification.objects.filter(event="hours.threshold", payload__threshold=100)
    assert set(hundred.values_list("recipient", flat=True)) >= {"it@acme.test", "acme-manager"}
