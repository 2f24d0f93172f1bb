"""Handover packs (checklist, documents, the customer's sign-off) and training sessions
(attendance, acknowledgement), through the services and the API, with tenancy."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from servicepact.accounts.services import create_api_token
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.testing import ny
from servicepact.kb import services
from servicepact.kb.choices import REQUIRED_DOCUMENTS
from servicepact.kb.models import HandoverPack

BASE = "/api/v1"


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=user)[1]}"}


@pytest.fixture
def pack(acme):
    return services.create_handover_pack(
        contract=acme.contract, actor=acme.agent, due_on=date(2025, 7, 1), owner=acme.agent
    )


def hand_over_everything(pack, agent):
    for item in pack.items.all():
        services.complete_handover_item(
            item=item, name=f"{item.document}.pdf", content=b"%PDF-1.4 x", actor=agent
        )


def test_pack_starts_with_the_required_documents(pack):
    assert [i.document for i in pack.items.order_by("id")] == list(REQUIRED_DOCUMENTS)
    assert {i.due_on for i in pack.items.all()} == {date(2025, 7, 1)}


def test_sign_off_refused_until_every_document_is_handed_over(client, pack, acme):
    contact = bearer(acme.contact.user)
    url = f"{BASE}/contracts/{acme.contract.pk}/handover/sign-off"
    early = client.post(url, {}, content_type="application/json", **contact)
    assert early.status_code == 409
    assert "Topology" in early.json()["detail"] or "topology" in early.json()["detail"]
    hand_over_everything(pack, acme.agent)
    signed = client.post(url, {"note": "All received"}, content_type="application/json", **contact)
    assert signed.status_code == 200, signed.content
    assert signed.json()["signed_off_by"] == acme.contact.user.username
    assert signed.json()["complete"] is True
    again = client.post(url, {}, content_type="application/json", **contact)
    assert again.status_code == 409


def test_only_the_customers_contact_signs_off(client, pack, acme, globex):
    hand_over_everything(pack, acme.agent)
    url = f"{BASE}/contracts/{acme.contract.pk}/handover/sign-off"
    assert (
        client.post(
            url, {}, content_type="application/json", **bearer(globex.contact.user)
        ).status_code
        == 404
    )
    assert (
        client.post(url, {}, content_type="application/json", **bearer(acme.agent)).status_code
        == 403
    )
    assert HandoverPack.objects.get(pk=pack.pk).signed_off_at is None


def test_documents_are_uploaded_and_downloaded_within_tenancy(client, pack, acme, globex):
    item = pack.items.order_by("id").first()
    upload = SimpleUploadedFile("topology.html", b"<script>x</script>", content_type="text/html")
    answer = client.post(
        f"{BASE}/handover-items/{item.pk}/document", {"file": upload}, **bearer(acme.agent)
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["done"] is True
    download = client.get(answer.json()["download"], **bearer(acme.contact.user))
    assert download.status_code == 200
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/octet-stream"
    assert "attachment" in download["Content-Disposition"]
    assert client.get(answer.json()["download"], **bearer(globex.contact.user)).status_code == 404
    upload = SimpleUploadedFile("x.pdf", b"x", content_type="application/pdf")
    by_contact = client.post(
        f"{BASE}/handover-items/{item.pk}/document", {"file": upload}, **bearer(acme.contact.user)
    )
    assert by_contact.status_code == 403


def test_document_over_the_size_limit_is_a_field_error(settings, pack, acme):
    settings.SERVICEPACT = {**getattr(settings, "SERVICEPACT", {}), "ATTACHMENT_MAX_BYTES": 10}
    item = pack.items.first()
    with pytest.raises(DomainValidationError) as caught:
        services.complete_handover_item(
            item=item, name="a.pdf", content=b"x" * 11, actor=acme.agent
        )
    assert "file" in caught.value.errors
    item.refresh_from_db()
    assert item.done_at is None


def test_pack_read_tenancy_and_second_pack(client, pack, acme, globex):
    url = f"{BASE}/contracts/{acme.contract.pk}/handover"
    assert client.get(url, **bearer(acme.contact.user)).status_code == 200
    assert client.get(url, **bearer(globex.contact.user)).status_code == 404
    again = client.post(url, {}, content_type="application/json", **bearer(acme.agent))
    assert again.status_code == 409


def test_signed_off_pack_is_frozen(pack, acme):
    hand_over_everything(pack, acme.agent)
    services.sign_off_handover(pack=pack, actor=acme.contact.user)
    with pytest.raises(TransitionError):
        services.complete_handover_item(
            item=pack.items.first(), name="b.pdf", content=b"y", actor=acme.agent
        )


def test_training_attendance_and_acknowledgement(client, clock, acme, globex):
    clock.at(ny(2025, 6, 2, 9))
    staff = bearer(acme.agent)
    body = {
        "contract": acme.contract.pk,
        "topic": "Disk replacement",
        "starts_at": "2025-06-10T14:00:00Z",
        "trainer": "Li Wei",
        "attendees": [acme.contact.pk],
        "materials": "[Slides](https://example.com/s.pdf)",
    }
    created = client.post(f"{BASE}/trainings", body, content_type="application/json", **staff)
    assert created.status_code == 201, created.content
    session = created.json()
    stranger = client.post(
        f"{BASE}/trainings",
        {**body, "attendees": [globex.contact.pk]},
        content_type="application/json",
        **staff,
    )
    assert stranger.status_code == 422
    assert stranger.json()["detail"][0]["loc"] == ["body", "attendees"]
    ack_url = f"{BASE}/trainings/{session['id']}/acknowledge"
    contact = bearer(acme.contact.user)
    assert client.post(ack_url, **contact).status_code == 409  # not started yet
    clock.at(ny(2025, 6, 10, 12))
    acked = client.post(ack_url, **contact)
    assert acked.status_code == 200
    assert acked.json()["attendees"][0]["acknowledged_at"] is not None
    assert client.post(ack_url, **bearer(globex.contact.user)).status_code == 404
    present = client.post(
        f"{BASE}/trainings/{session['id']}/attendance",
        {"attended": [acme.contact.pk]},
        content_type="application/json",
        **staff,
    )
    assert present.json()["attendees"][0]["attended"] is True
    assert client.get(f"{BASE}/trainings", **bearer(globex.contact.user)).json()["count"] == 0
    assert client.get(f"{BASE}/trainings", **contact).json()["count"] == 1
