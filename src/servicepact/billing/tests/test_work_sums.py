"""The month sums of work logs (``billing.worksums``) equal the logs' own sums after creates,
edits and deletes, and the period close from them equals the close from the logs."""

from __future__ import annotations

from datetime import date

import pytest

from servicepact.billing import worksums
from servicepact.billing.charges import close_one, work_by_contract, work_from_logs
from servicepact.billing.commercial import close_month_charges
from servicepact.billing.models import WorkMonthSum
from servicepact.billing.periods import Period
from servicepact.billing.rates import month_end, rate_terms_at
from servicepact.billing.services import delete_work_log, edit_work_log, log_work
from servicepact.billing.testing_commerce import shop
from servicepact.core.errors import DomainValidationError
from servicepact.core.testing import Clock, ny
from servicepact.tickets import services as ts

pytestmark = pytest.mark.django_db

JUNE = Period(2025, 6)
MAY = Period(2025, 5)


def closes_agree(contracts, period):
    """The close's rules on the month sums and on the logs give the same entries and lines."""
    terms = rate_terms_at(contracts, {c.pk: month_end(c, period) for c in contracts})
    ids = [c.pk for c in contracts]
    fast, slow = work_by_contract(ids, period, terms), work_from_logs(ids, period, terms)
    assert fast == slow
    for contract in contracts:
        args = dict(terms=terms[contract.pk], entries=(), credit=None)
        a = close_one(contract, period, work=fast[contract.pk], **args)
        b = close_one(contract, period, work=slow[contract.pk], **args)
        assert a == b
    return fast


def test_sums_follow_creates_edits_and_deletes(clock: Clock):
    """Logs of two contracts, billable or not, several work types and categories, some out
    of hours; then edits that change the minutes, the type, the category, the billable flag
    and the month, and deletes (one the last of its row): the stored sums are always the
    logs' sums, and a row whose last log goes is removed."""
    a = shop(clock)
    b = shop(clock, code="beta")
    clock.at(ny(2025, 6, 30, 20))
    agent = a.world.agent
    other = ts.open_ticket(customer=b.world.customer, subject="Fan", opened_at=ny(2025, 6, 2, 8))
    logs = [
        log_work(ticket=a.ticket, user=agent, minutes=120, started_at=ny(2025, 6, 2, 17)),
        log_work(ticket=a.ticket, user=agent, minutes=45, day=date(2025, 6, 3), category="app-dev"),
        log_work(ticket=a.ticket, user=agent, minutes=30, day=date(2025, 6, 4), billable=False),
        log_work(
            ticket=a.ticket, user=agent, minutes=60, day=date(2025, 5, 30), work_type="travel"
        ),
        log_work(ticket=other, user=agent, minutes=90, day=date(2025, 6, 5), work_type="on_site"),
        log_work(ticket=other, user=agent, minutes=15, day=date(2025, 6, 5), work_type="on_site"),
    ]
    assert worksums.stored_sums() == worksums.sums_from_logs()
    key = (a.contract.pk, "2025-06", True, "remote", "", "")  # no role, no category
    assert worksums.stored_sums()[key] == (120, 60, 1)
    assert worksums.stored_sums()[(b.contract.pk, "2025-06", True, "on_site", "", "")] == (
        105,
        0,
        2,
    )
    closes_agree([a.contract, b.contract], JUNE)

    edit_work_log(log=logs[0], actor=agent, minutes=180, reason="longer")
    edit_work_log(log=logs[1], actor=agent, category="os-support", work_type="on_site")
    edit_work_log(log=logs[2], actor=agent, billable=True)
    edit_work_log(log=logs[3], actor=agent, date=date(2025, 6, 6))  # May -> June
    edit_work_log(log=logs[4], actor=agent, started_at=ny(2025, 6, 7, 10))  # a Saturday
    assert worksums.stored_sums() == worksums.sums_from_logs()
    assert worksums.stored_sums()[key] == (180 + 30, 120, 2)  # the 30 min now billable
    assert not WorkMonthSum.objects.filter(period="2025-05").exists()
    closes_agree([a.contract, b.contract], JUNE)

    delete_work_log(log=logs[5], actor=agent)
    delete_work_log(log=logs[1], actor=agent)  # the last of its row
    assert worksums.stored_sums() == worksums.sums_from_logs()
    assert not WorkMonthSum.objects.filter(work_type="on_site", category="os-support").exists()
    closes_agree([a.contract, b.contract], JUNE)
    assert worksums.rebuild() == len(worksums.stored_sums())
    assert worksums.stored_sums() == worksums.sums_from_logs()


def test_a_refused_edit_or_delete_leaves_the_sums_alone(clock: Clock):
    """An edit refused (bad minutes) and a delete in a closed month change nothing."""
    s = shop(clock)
    clock.at(ny(2025, 6, 30, 20))
    log = log_work(ticket=s.ticket, user=s.world.agent, minutes=60, day=date(2025, 6, 2))
    before = worksums.stored_sums()
    with pytest.raises(DomainValidationError):
        edit_work_log(log=log, actor=s.world.agent, minutes=0)
    assert worksums.stored_sums() == before
    clock.at(ny(2025, 7, 1, 9))
    close_month_charges(contracts=[s.contract], period=JUNE)
    with pytest.raises(DomainValidationError):
        delete_work_log(log=log, actor=s.world.agent)
    assert worksums.stored_sums() == before == worksums.sums_from_logs()


def test_the_close_charges_what_the_logs_say(clock: Clock):
    """The charge produced from the month sums prices the same hours as the logs: 12 h of
    included work on 10 h (2 h overage at 100) and 1 h app-dev at 100."""
    s = shop(clock)
    clock.at(ny(2025, 6, 30, 20))
    for day in (2, 3, 4):
        log_work(ticket=s.ticket, user=s.world.agent, minutes=240, day=date(2025, 6, day))
    log_work(
        ticket=s.ticket, user=s.world.agent, minutes=60, day=date(2025, 6, 5), category="app-dev"
    )
    closes_agree([s.contract], JUNE)
    clock.at(ny(2025, 7, 1, 9))
    (charge,) = close_month_charges(contracts=[s.contract], period=JUNE)
    assert [(line.kind, str(line.amount)) for line in charge.lines.all()] == [
        ("base_fee", "3000.00"),
        ("overage", "200.00"),
        ("extra_work", "100.00"),
    ]
