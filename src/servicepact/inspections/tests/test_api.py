"""/api/v1/inspections: staff create plans (a bad RRULE is a 422 naming the field with the
parser's reason), record results and signatures; contacts read their customer's visits and
reports; another customer's are 404."""

from __future__ import annotations

import base64
from datetime import date

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from servicepact.inspections.models import InspectionPlan, Visit
from servicepact.inspections.tests.conftest import QUARTERLY, login, make_plan, png, utc
from servicepact.tickets.models import Ticket
from servicepact.tickets.testing import world

URL = "/api/v1/inspections"


def body(w, **changes):
    data = {
        "name": "Quarterly check",
        "contract": w.contract.pk,
        "assets": [w.asset.pk],
        "rrule": QUARTERLY,
        "starts_on": "2025-01-01",
        "time_of_day": "09:00",
        "items": [
            {
                "label": "Inlet temperature",
                "kind": "number",
                "min_value": "18",
                "max_value": "27",
                "unit": "°C",
            },
            {"label": "Fans spin freely", "kind": "yesno", "expected_yes": True},
        ],
    }
    return {**data, **changes}


@pytest.fixture
def staff(acme):
    return login(acme.agent)


def test_staff_create_a_plan_and_its_visits_exist(acme, staff, clock):
    """From 2025-01-02 with the 120-day horizon: 2025-01-06 (14:00 UTC) and 2025-04-07
    (13:00 UTC, EDT)."""
    clock.at(utc(2025, 1, 2))
    response = staff.post(f"{URL}/plans", body(acme), content_type="application/json")
    assert response.status_code == 201, response.content
    plan = response.json()
    assert (plan["customer"], plan["time_of_day"], plan["timezone"]) == (
        acme.customer.pk,
        "09:00",
        "America/New_York",
    )
    assert [i["expected"] for i in plan["items"]] == ["18 – 27 °C", "yes"]
    visits = staff.get(f"{URL}/visits?plan={plan['id']}").json()
    assert [v["scheduled_at"] for v in visits["items"]] == [
        "2025-01-06T14:00:00Z",
        "2025-04-07T13:00:00Z",
    ]


def test_a_bad_rrule_is_a_422_on_the_field_with_the_reason(acme, staff):
    response = staff.post(
        f"{URL}/plans", body(acme, rrule="FREQ=MONTHLY;BYDAY=1XX"), content_type="application/json"
    )
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "rrule"]
    assert error["msg"].startswith("not a valid RRULE: ")
    assert len(error["msg"]) > len("not a valid RRULE: ")
    assert not InspectionPlan.objects.exists()


def test_validation_names_the_item_field(acme, staff):
    items = [{"label": "Temp", "kind": "number"}]
    response = staff.post(f"{URL}/plans", body(acme, items=items), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "items", 0]
    globex = world(code="globex", tz="Asia/Shanghai")
    response = staff.post(
        f"{URL}/plans", body(acme, assets=[globex.asset.pk]), content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "assets"]
    assert not InspectionPlan.objects.exists()


def test_contacts_see_their_customers_visits_only(acme, clock):
    clock.at(utc(2025, 1, 2))
    globex = world(code="globex", tz="Asia/Shanghai")
    mine, theirs = make_plan(acme), make_plan(globex)
    contact = login(acme.contact.user)
    listed = contact.get(f"{URL}/visits").json()
    assert {v["plan"] for v in listed["items"]} == {mine.pk}
    assert contact.get(f"{URL}/plans").json()["count"] == 1
    other = Visit.objects.filter(plan=theirs).first()
    assert contact.get(f"{URL}/visits/{other.pk}").status_code == 404
    assert contact.get(f"{URL}/visits/{other.pk}/report.pdf").status_code == 404
    assert contact.get(f"{URL}/plans/{theirs.pk}").status_code == 404
    own = Visit.objects.filter(plan=mine).first()
    assert contact.get(f"{URL}/visits/{own.pk}").status_code == 200
    # Reading is all a contact may do.
    assert (
        contact.post(f"{URL}/plans", body(acme), content_type="application/json").status_code == 403
    )
    assert (
        contact.post(
            f"{URL}/visits/{own.pk}/results", {"results": []}, content_type="application/json"
        ).status_code
        == 403
    )


def test_results_sign_and_report_through_the_api(acme, staff, clock):
    clock.at(utc(2025, 1, 2))
    plan = make_plan(acme)
    clock.at(utc(2025, 1, 6, 16))
    visit = Visit.objects.get(plan=plan, occurs_on=date(2025, 1, 6))
    temp, fans, firmware = plan.items.order_by("position")
    payload = {
        "results": [
            {"item": temp.pk, "value": "24"},
            {"item": fans.pk, "value": "no", "note": "fan 2"},
            {"item": firmware.pk, "value": "2.4.1"},
        ],
        "advice": "Plan a fan replacement.",
    }
    url = f"{URL}/visits/{visit.pk}"
    first = staff.post(f"{url}/results", payload, content_type="application/json")
    assert first.status_code == 200, first.content
    again = staff.post(f"{url}/results", payload, content_type="application/json").json()
    failed = [r for r in again["results"] if not r["passed"]]
    assert [(r["label"], r["ticket"]) for r in failed] == [
        ("Fans spin freely", Ticket.objects.get().number)
    ]
    assert again["status"] == "performed" and again["advice"] == "Plan a fan replacement."
    sign = {"signer_name": "Dana Whitfield", "signature_png": base64.b64encode(png()).decode()}
    signed = staff.post(f"{url}/sign", sign, content_type="application/json")
    assert signed.status_code == 200, signed.content
    assert signed.json()["signed_at"] == "2025-01-06T16:00:00Z"
    assert signed.json()["has_signature_image"] is True
    assert staff.post(f"{url}/sign", sign, content_type="application/json").status_code == 409
    bad = staff.post(f"{url}/results", payload, content_type="application/json")
    assert bad.status_code == 409
    pdf = login(acme.contact.user).get(f"{url}/report.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert Ticket.objects.count() == 1


def test_a_signature_that_is_not_base64_is_a_422(acme, staff, clock):
    clock.at(utc(2025, 1, 2))
    visit = Visit.objects.filter(plan=make_plan(acme)).first()
    response = staff.post(
        f"{URL}/visits/{visit.pk}/sign",
        {"signer_name": "Dana", "signature_png": "not base64!"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "signature_png"]
    assert Visit.objects.get(pk=visit.pk).signed_at is None


def _fail_first_visit(staff, plan):
    visit = Visit.objects.filter(plan=plan).first()
    temp = plan.items.order_by("position").first()
    response = staff.post(
        f"{URL}/visits/{visit.pk}/results",
        {"results": [{"item": temp.pk, "value": "40"}]},
        content_type="application/json",
    )
    assert response.status_code == 200


@override_settings(SERVICEPACT={"INSPECTION_HORIZON_DAYS": 400})
def test_the_visit_list_reads_in_a_fixed_number_of_queries(acme, staff, clock):
    """Two visits (120 days ahead) or five (400 days ahead), each plan with a failed result
    and its ticket: the same number of queries."""
    clock.at(utc(2025, 1, 2))
    with override_settings(SERVICEPACT={"INSPECTION_HORIZON_DAYS": 120}):
        small = make_plan(acme)
    big = make_plan(acme)
    _fail_first_visit(staff, small)
    _fail_first_visit(staff, big)
    with CaptureQueriesContext(connection) as few:
        assert staff.get(f"{URL}/visits?plan={small.pk}").json()["count"] == 2
    with CaptureQueriesContext(connection) as many:
        assert staff.get(f"{URL}/visits?plan={big.pk}").json()["count"] == 5
    assert len(many) == len(few)


@pytest.mark.parametrize("at", ["00:00:00Z", "09:00+08:00"])
def test_a_time_of_day_with_an_offset_is_a_422_on_the_field(acme, staff, at):
    """The time of day is local to the customer's zone: an offset would say another zone (the
    API fuzz sent "00:00:00Z" and got a 500)."""
    response = staff.post(
        f"{URL}/plans", body(acme, time_of_day=at), content_type="application/json"
    )
    assert response.status_code == 422, response.content
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "time_of_day"]
    assert not InspectionPlan.objects.exists()
