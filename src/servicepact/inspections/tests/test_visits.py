"""Recording a visit: pass/fail per item, one ticket per failed item (never a second), the
advice, photos under the attachments' limit, and the customer's signature."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import override_settings

from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.inspections.choices import VisitStatus
from servicepact.inspections.models import Visit, VisitFile
from servicepact.inspections.services import (
    ResultSpec,
    add_visit_photo,
    record_visit_results,
    sign_visit,
)
from servicepact.inspections.tests.conftest import make_plan, png, utc
from servicepact.tickets.models import Ticket


@pytest.fixture
def visit(acme, clock):
    """Acme's visit of 2025-04-07 (09:00 EDT = 13:00 UTC), performed that morning."""
    clock.at(utc(2025, 1, 2))
    plan = make_plan(acme)
    clock.at(utc(2025, 4, 7, 15))
    return Visit.objects.get(plan=plan, occurs_on=date(2025, 4, 7))


def items(visit):
    temp, fans, firmware = visit.plan.items.order_by("position")
    return temp, fans, firmware


def record(visit, temp="22", fans="yes", firmware="2.4.1", **kw):
    t, f, fw = items(visit)
    return record_visit_results(
        visit=visit,
        results=[
            ResultSpec(item_id=t.pk, value=temp),
            ResultSpec(item_id=f.pk, value=fans, note=kw.pop("note", "")),
            ResultSpec(item_id=fw.pk, value=firmware),
        ],
        **kw,
    )


def test_all_passing_opens_no_ticket_and_performs_the_visit(visit, acme):
    done = record(visit, advice="Replace the rack's dust filters within six months.")
    assert done.status == VisitStatus.PERFORMED
    assert done.performed_at == utc(2025, 4, 7, 15)
    assert [(r.item.label, r.value, r.passed) for r in done.results.order_by("item__position")] == [
        ("Inlet temperature", "22", True),
        ("Fans spin freely", "yes", True),
        ("BMC firmware", "2.4.1", True),
    ]
    assert done.advice == "Replace the rack's dust filters within six months."
    assert Ticket.objects.count() == 0


def test_a_failed_item_opens_exactly_one_ticket_on_the_asset(visit, acme):
    """Fans stopped: one hardware incident on acme-srv01 (impact 3, urgency 3), linked from
    the result. Saving again (still failing, then passing) opens no second ticket and keeps
    the link."""
    record(visit, fans="no", note="rear fan 2 stuck")
    assert Ticket.objects.count() == 1
    ticket = Ticket.objects.get()
    result = visit.results.get(item__label="Fans spin freely")
    assert result.passed is False and result.ticket_id == ticket.pk
    assert (ticket.asset_id, ticket.customer_id, ticket.category, ticket.kind) == (
        acme.asset.pk,
        acme.customer.pk,
        "hardware",
        "incident",
    )
    assert (ticket.impact, ticket.urgency, ticket.channel) == (3, 3, "onsite")
    assert ticket.subject == "Inspection: Fans spin freely failed (no)"
    assert "rear fan 2 stuck" in ticket.description
    record(visit, fans="no")
    record(visit, fans="yes")
    assert Ticket.objects.count() == 1
    assert visit.results.get(item__label="Fans spin freely").ticket_id == ticket.pk


def test_two_failed_items_open_two_tickets(visit):
    record(visit, temp="31", firmware="2.3.0")
    assert Ticket.objects.count() == 2
    assert set(visit.results.filter(passed=False).values_list("item__label", flat=True)) == {
        "Inlet temperature",
        "BMC firmware",
    }


def test_a_value_that_cannot_be_judged_stores_nothing(visit):
    with pytest.raises(DomainValidationError) as caught:
        record(visit, temp="31", fans="perhaps")
    assert list(caught.value.errors) == ["results[1].value"]
    assert not visit.results.exists() and Ticket.objects.count() == 0
    assert Visit.objects.get(pk=visit.pk).status == VisitStatus.SCHEDULED


def test_an_item_of_another_plan_or_an_asset_off_the_plan_is_refused(visit, acme):
    with pytest.raises(DomainValidationError) as caught:
        record_visit_results(visit=visit, results=[ResultSpec(item_id=999_999, value="1")])
    assert list(caught.value.errors) == ["results[0].item"]
    temp = items(visit)[0]
    with pytest.raises(DomainValidationError) as caught:
        record_visit_results(
            visit=visit, results=[ResultSpec(item_id=temp.pk, value="20", asset_id=999_999)]
        )
    assert list(caught.value.errors) == ["results[0].asset"]


def test_signature_with_a_drawn_image(visit, acme):
    record(visit)
    signed = sign_visit(visit=visit, signer_name="Dana Whitfield", signature=png())
    assert (signed.status, signed.signer_name, signed.signed_at) == (
        VisitStatus.SIGNED,
        "Dana Whitfield",
        utc(2025, 4, 7, 15),
    )
    image = VisitFile.objects.get(pk=signed.signature_id)
    assert image.is_signature and image.content_type == "image/png"
    assert image.file.read() == png()
    # Signed is final: no more results, photos or signatures.
    with pytest.raises(TransitionError):
        record(visit, fans="no")
    with pytest.raises(TransitionError):
        sign_visit(visit=visit, signer_name="Someone else")
    with pytest.raises(TransitionError):
        add_visit_photo(visit=visit, name="late.jpg", content=b"\xff\xd8\xff")
    assert Ticket.objects.count() == 0


def test_signature_rules(visit):
    with pytest.raises(TransitionError):  # nothing recorded yet
        sign_visit(visit=visit, signer_name="Dana")
    record(visit)
    with pytest.raises(DomainValidationError) as caught:
        sign_visit(visit=visit, signer_name="Dana", signature=b"GIF89a...")
    assert list(caught.value.errors) == ["signature"]
    with pytest.raises(DomainValidationError) as caught:
        sign_visit(visit=visit, signer_name="  ")
    assert list(caught.value.errors) == ["signer_name"]
    with pytest.raises(DomainValidationError) as caught:
        sign_visit(visit=visit, signer_name="Dana", signed_at=utc(2025, 4, 7, 14))
    assert list(caught.value.errors) == ["signed_at"]  # before the visit was performed
    assert Visit.objects.get(pk=visit.pk).status == VisitStatus.PERFORMED
    assert not VisitFile.objects.exists()


@override_settings(SERVICEPACT={"ATTACHMENT_MAX_BYTES": 10})
def test_photos_follow_the_attachments_size_limit(visit):
    photo = add_visit_photo(
        visit=visit, name="../rack front.jpg", content=b"\xff\xd8\xff12", caption="front"
    )
    assert (photo.name, photo.content_type, photo.size) == ("rack_front.jpg", "image/jpeg", 5)
    with pytest.raises(DomainValidationError) as caught:
        add_visit_photo(visit=visit, name="big.jpg", content=b"x" * 11)
    assert list(caught.value.errors) == ["file"]
    assert VisitFile.objects.count() == 1


def test_advice_over_the_limit_stores_nothing(visit):
    with pytest.raises(DomainValidationError) as caught:
        record(visit, advice="x" * 10_001)
    assert list(caught.value.errors) == ["advice"]
    assert not visit.results.exists()
