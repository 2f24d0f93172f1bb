"""The API does what the desk does with money: statements (list, detail, downloads), credits
(read, approve, adjust, apply) and force majeure, with tenancy and the documented errors.

June 2025 (billing.testing): ACME owes 135.00 USD (T1 on site 60.00, T1 restore 45.00,
T2 first response 30.00; T4 is force majeure). The month is closed on 1 July 12:00.
"""

from __future__ import annotations

import json

import pytest

from servicepact.billing.models import CreditAudit, ForceMajeure, PeriodCredit
from servicepact.billing.testing import june_month, ny
from servicepact.reports.services import close_period
from servicepact.tickets.testing import world

from .conftest import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def june(clock):
    june = june_month(clock)
    close_period(june.contract, "2025-06")
    return june


@pytest.fixture
def globex(june):
    """Another customer with its own closed June (no tickets: 0.00)."""
    w = world(code="globex")
    close_period(w.contract, "2025-06")
    return w


def credit(june) -> PeriodCredit:
    return PeriodCredit.objects.get(contract=june.contract, period="2025-06")


# ---------------------------------------------------------------- statements


def test_statements_are_listed_with_filters_and_scoped_to_the_contact(june, globex):
    staff = Api(june.manager)
    body = staff.get("/statements").json()
    assert body["count"] == 2
    assert {i["contract"]["number"] for i in body["items"]} == {"ACME-1", "GLOBEX-1"}
    only = staff.get("/statements", contract=june.contract.pk, period="2025-06").json()
    assert [(i["contract"]["number"], i["period"]) for i in only["items"]] == [
        ("ACME-1", "2025-06")
    ]
    assert staff.get("/statements", period_from="2025-07").json()["count"] == 0
    mine = Api(june.world.contact.user).get("/statements").json()
    assert [i["contract"]["number"] for i in mine["items"]] == ["ACME-1"]


def test_a_bad_period_filter_is_a_422_naming_it(june):
    response = Api(june.manager).get("/statements", period="June")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "period"]


def test_statement_detail_has_the_credits_and_download_links(june):
    staff = Api(june.manager)
    item = staff.get("/statements").json()["items"][0]
    detail = staff.get(f"/statements/{item['id']}").json()
    assert detail["statement"]["credits"]["amount_due"] == "135.00"
    assert set(detail["downloads"]) == {"csv", "json", "pdf"}
    csv = staff.client.get(detail["downloads"]["csv"])
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert 'filename="statement-ACME-1-2025-06.csv"' in csv["Content-Disposition"]
    as_json = staff.get(f"/statements/{item['id']}", format="json")
    assert json.loads(as_json.content)["credits"]["amount_due"] == "135.00"
    assert staff.get(f"/statements/{item['id']}", format="xls").status_code == 422


def test_another_customers_statement_is_a_404_for_a_contact(june, globex):
    theirs = Api(june.manager).get("/statements", contract=globex.contract.pk).json()["items"][0]
    contact = Api(june.world.contact.user)
    assert contact.get(f"/statements/{theirs['id']}").status_code == 404
    assert contact.get(f"/statements/{theirs['id']}", format="csv").status_code == 404
    assert contact.get(f"/contracts/{globex.contract.pk}/statement").status_code == 404


def test_a_months_statement_is_live_until_closed(june, clock):
    """July is not closed: its statement is computed live (``closed`` false)."""
    clock.at(ny(2025, 7, 20, 9))
    staff = Api(june.manager)
    live = staff.get(f"/contracts/{june.contract.pk}/statement", period="2025-07").json()
    assert (live["period"], live["closed"]) == ("2025-07", False)
    closed = staff.get(f"/contracts/{june.contract.pk}/statement", period="2025-06").json()
    assert (closed["closed"], closed["statement"]["credits"]["amount_due"]) == (True, "135.00")


# ---------------------------------------------------------------- credits


def test_credits_list_and_detail(june, globex):
    staff = Api(june.manager)
    items = staff.get("/credits", contract=june.contract.pk).json()["items"]
    assert [
        (i["period"], i["status"], i["computed_amount"], i["amount_due"], i["cap"]) for i in items
    ] == [("2025-06", "computed", "135.00", "135.00", "900.00")]
    detail = staff.get(f"/credits/{items[0]['id']}").json()
    assert [x["amount"] for x in detail["lines"]] == ["60.00", "45.00", "30.00", "0.00", "0.00"]
    assert [a["action"] for a in detail["audit"]] == ["compute"]
    assert staff.get("/credits", status="nonsense").status_code == 422


def test_a_contact_reads_its_own_credits_without_the_audit_and_not_others(june, globex):
    contact = Api(june.world.contact.user)
    items = contact.get("/credits").json()["items"]
    assert [i["contract"]["number"] for i in items] == ["ACME-1"]
    assert contact.get(f"/credits/{items[0]['id']}").json()["audit"] is None
    theirs = PeriodCredit.objects.get(contract=globex.contract)
    assert contact.get(f"/credits/{theirs.pk}").status_code == 404


def test_a_manager_approves_then_applies(june):
    staff = Api(june.manager)
    pk = credit(june).pk
    approved = staff.post(f"/credits/{pk}/approve", {"reason": "agreed"})
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["approved_amount"]) == ("approved", "135.00")
    again = staff.post(f"/credits/{pk}/approve", {"reason": "twice"})
    assert again.status_code == 409
    applied = staff.post(f"/credits/{pk}/apply", {"reason": "credit note 17"})
    assert applied.json()["status"] == "applied"
    actions = list(CreditAudit.objects.filter(credit_id=pk).values_list("action", flat=True))
    assert actions == ["compute", "approve", "apply"]


def test_adjusting_is_checked_against_the_cap_and_needs_a_reason(june):
    """The cap is 30 % of 3000.00 = 900.00: 900.01 is a 422 on amount; no reason a 422."""
    staff = Api(june.manager)
    pk = credit(june).pk
    over = staff.post(f"/credits/{pk}/adjust", {"amount": "900.01", "reason": "goodwill"})
    assert over.status_code == 422
    assert over.json()["detail"][0]["loc"] == ["body", "amount"]
    no_reason = staff.post(f"/credits/{pk}/adjust", {"amount": "100", "reason": ""})
    assert no_reason.status_code == 422
    ok = staff.post(f"/credits/{pk}/adjust", {"amount": "100.00", "reason": "goodwill"})
    assert (ok.status_code, ok.json()["status"], ok.json()["amount_due"]) == (
        200,
        "adjusted",
        "100.00",
    )


def test_agents_and_contacts_may_not_decide_credits(june):
    pk = credit(june).pk
    assert Api(june.world.agent).post(f"/credits/{pk}/approve", {"reason": "x"}).status_code == 403
    contact = Api(june.world.contact.user)
    assert contact.post(f"/credits/{pk}/approve", {"reason": "x"}).status_code == 403
    assert contact.post(f"/credits/{pk}/adjust", {"amount": "0", "reason": "x"}).status_code == 403
    assert (credit(june).status, credit(june).approved_amount) == ("computed", None)


# ---------------------------------------------------------------- force majeure


@pytest.fixture
def july(clock):
    """June's credits computed but not closed: they can still be recomputed (1 Jul 12:00)."""
    from servicepact.billing.services import compute_period_credits

    june = june_month(clock)
    compute_period_credits(contract=june.contract, period="2025-06")
    return june


def test_force_majeure_for_a_day_recomputes_the_credit_exactly(july):
    """3 Jun (NY) is force majeure: T2's 30.00 goes, 135.00 -> 105.00."""
    response = Api(july.manager).post(
        f"/contracts/{july.contract.pk}/force-majeure",
        {"reason": "Regional power cut", "starts_at": "2025-06-03T04:00:00Z", "ends_at": "2025-06-04T04:00:00Z"},
    )  # fmt: skip
    assert response.status_code == 201
    body = response.json()
    assert body["flagged_by"]["username"] == "acme-manager"
    assert [(c["period"], c["computed_amount"]) for c in body["recomputed_credits"]] == [
        ("2025-06", "105.00")
    ]
    assert credit(july).computed_amount == 105


def test_force_majeure_for_a_month_or_a_ticket(july):
    staff = Api(july.manager)
    t1 = july.tickets["T1"]
    by_ticket = staff.post(
        f"/contracts/{july.contract.pk}/force-majeure", {"reason": "Vandalism", "ticket": t1.pk}
    )
    assert by_ticket.json()["recomputed_credits"][0]["computed_amount"] == "30.00"
    by_month = staff.post(
        f"/contracts/{july.contract.pk}/force-majeure", {"reason": "War", "month": "2025-06"}
    )
    assert by_month.json()["starts_at"] == "2025-06-01T04:00:00Z"
    assert by_month.json()["recomputed_credits"][0]["computed_amount"] == "0.00"
    listed = staff.get(f"/contracts/{july.contract.pk}/force-majeure").json()
    assert [i["reason"] for i in listed["items"]] == ["Street flood", "Vandalism", "War"]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"reason": "", "month": "2025-06"}, ["body", "reason"]),
        ({"reason": "Storm"}, ["body", "ticket"]),
        ({"reason": "Storm", "month": "June"}, ["body", "month"]),
        (
            {"reason": "Storm", "month": "2025-06", "starts_at": "2025-06-03T04:00:00Z"},
            ["body", "month"],
        ),
        ({"reason": "Storm", "ticket": 999999}, ["body", "ticket"]),
        (
            {
                "reason": "Storm",
                "starts_at": "2025-06-04T04:00:00Z",
                "ends_at": "2025-06-03T04:00:00Z",
            },
            ["body", "ends_at"],
        ),
        (
            {
                "reason": "Storm",
                "starts_at": "2025-06-03T04:00:00",
                "ends_at": "2025-06-04T04:00:00Z",
            },
            ["body", "starts_at"],
        ),
    ],
)
def test_bad_force_majeure_is_a_422_and_nothing_changes(july, body, loc):
    response = Api(july.manager).post(f"/contracts/{july.contract.pk}/force-majeure", body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == loc
    assert ForceMajeure.objects.count() == 1
    assert credit(july).computed_amount == 135


def test_force_majeure_refusals(july):
    """An agent: 403; the customer's contact: 403 on its own contract, 404 on another's."""
    url = f"/contracts/{july.contract.pk}/force-majeure"
    body = {"reason": "Storm", "month": "2025-06"}
    assert Api(july.world.agent).post(url, body).status_code == 403
    assert Api(july.world.contact.user).post(url, body).status_code == 403
    other = world(code="globex")
    assert Api(other.contact.user).post(url, body).status_code == 404
    assert Api(other.contact.user).get(url).status_code == 404
    assert ForceMajeure.objects.count() == 1
    assert credit(july).computed_amount == 135


# ---------------------------------------------------------------- renewal


def test_renewing_through_the_api(july):
    staff = Api(july.world.agent)
    response = staff.post(
        f"/contracts/{july.contract.pk}/renew", {"end_date": "2027-12-31", "fee_amount": "3300"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["end_date"] == "2027-12-31"
    assert [v["number"] for v in body["versions"]][-1] == 2
    assert body["versions"][-1]["effective_from"] == "2027-01-01T05:00:00Z"
    again = staff.post(f"/contracts/{july.contract.pk}/renew", {"end_date": "2027-06-30"})
    assert again.status_code == 422
    assert again.json()["detail"][0]["loc"] == ["body", "end_date"]
    assert (
        Api(july.world.contact.user)
        .post(f"/contracts/{july.contract.pk}/renew", {"end_date": "2028-12-31"})
        .status_code
        == 403
    )


def test_an_automatic_contract_is_a_409(july):
    july.contract.renewal = "automatic"
    july.contract.save()
    response = Api(july.world.agent).post(
        f"/contracts/{july.contract.pk}/renew", {"end_date": "2027-12-31"}
    )
    assert response.status_code == 409
