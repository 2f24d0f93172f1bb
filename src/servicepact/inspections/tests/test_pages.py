"""Desk: plans, a new plan, upcoming visits, a visit's results form. Portal: the customer's
visits and reports; another customer's visit is a 404 on every page."""

from __future__ import annotations

from datetime import date

from servicepact.inspections.models import InspectionPlan, Visit
from servicepact.inspections.tests.conftest import login, make_plan, utc
from servicepact.tickets.models import Ticket
from servicepact.tickets.testing import world


def test_desk_new_plan_then_the_upcoming_visits(acme, clock):
    clock.at(utc(2025, 1, 2))
    desk = login(acme.agent)
    assert desk.get("/desk/inspections/new/").status_code == 200
    form = {
        "name": "Quarterly check",
        "contract": acme.contract.pk,
        "hostnames": "acme-srv01",
        "rrule": "FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO;BYSETPOS=1",
        "starts_on": "2025-01-01",
        "time_of_day": "09:00",
        "checklist": "number | Inlet temperature | 18..27 | °C\nyesno | Fans spin freely | yes",
    }
    bad = desk.post("/desk/inspections/new/", {**form, "rrule": "FREQ=SOMETIMES"})
    assert bad.status_code == 422 and "not a valid RRULE" in bad.content.decode()
    assert not InspectionPlan.objects.exists()
    response = desk.post("/desk/inspections/new/", form)
    assert response.status_code == 302
    plan = InspectionPlan.objects.get()
    assert list(plan.assets.values_list("hostname", flat=True)) == ["acme-srv01"]
    listed = desk.get("/desk/inspections/").content.decode()
    assert "Quarterly check" in listed
    upcoming = desk.get("/desk/inspections/visits/").content.decode()
    assert "Mon 6 Jan 2025, 09:00" in upcoming and "Mon 7 Apr 2025, 09:00" in upcoming


def test_desk_records_results_on_the_visit_page(acme, clock):
    clock.at(utc(2025, 1, 2))
    plan = make_plan(acme)
    clock.at(utc(2025, 1, 6, 16))
    visit = Visit.objects.get(plan=plan, occurs_on=date(2025, 1, 6))
    temp, fans, firmware = plan.items.order_by("position")
    desk = login(acme.agent)
    page = desk.get(f"/desk/inspections/visits/{visit.pk}/")
    assert page.status_code == 200
    asset = acme.asset.pk
    post = {
        f"value-{temp.pk}-{asset}": "30",
        f"note-{temp.pk}-{asset}": "hot aisle",
        f"value-{fans.pk}-{asset}": "yes",
        f"value-{firmware.pk}-{asset}": "2.4.1",
        "advice": "Add blanking panels.",
    }
    response = desk.post(f"/desk/inspections/visits/{visit.pk}/results/", post)
    assert response.status_code == 302
    desk.post(f"/desk/inspections/visits/{visit.pk}/results/", post)
    ticket = Ticket.objects.get()
    assert ticket.number in desk.get(f"/desk/inspections/visits/{visit.pk}/").content.decode()
    signed = desk.post(f"/desk/inspections/visits/{visit.pk}/sign/", {"signer_name": "Dana"})
    assert signed.status_code == 302
    assert Visit.objects.get(pk=visit.pk).signer_name == "Dana"


def test_portal_lists_the_customers_visits_and_hides_others(acme, clock):
    clock.at(utc(2025, 1, 2))
    globex = world(code="globex", tz="Asia/Shanghai")
    mine = Visit.objects.filter(plan=make_plan(acme)).first()
    theirs = Visit.objects.filter(plan=make_plan(globex)).first()
    portal = login(acme.contact.user)
    listed = portal.get("/portal/inspections/")
    assert listed.status_code == 200
    assert portal.get(f"/portal/inspections/{mine.pk}/").status_code == 200
    assert portal.get(f"/portal/inspections/{theirs.pk}/").status_code == 404
    assert portal.get(f"/portal/inspections/{theirs.pk}/report.pdf").status_code == 404
    # The desk does not exist for a contact.
    assert portal.get("/desk/inspections/").status_code == 404
