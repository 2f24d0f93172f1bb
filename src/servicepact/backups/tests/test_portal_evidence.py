"""The customer uploads evidence of its own part of a drill from the portal; another
customer's contact cannot (404 on the page, 403 in the service)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from servicepact.backups.services import add_drill_evidence
from servicepact.backups.tests.conftest import utc
from servicepact.backups.tests.test_pages import _drill
from servicepact.tickets.testing import login


def test_the_contact_adds_evidence_to_its_own_drill(acme, globex, clock):
    clock.at(utc(2025, 6, 21))
    drill = _drill(acme)
    mine = login(acme.contact.user)
    upload = SimpleUploadedFile("app-check.txt", b"orders table verified", "text/plain")
    response = mine.post(f"/portal/drills/{drill.pk}/evidence/", {"file": upload})
    assert response.status_code == 302
    evidence = drill.evidence.get()
    assert (evidence.name, evidence.uploaded_by) == ("app-check.txt", acme.contact.user)
    assert evidence.file.read() == b"orders table verified"
    assert "added by you" in mine.get(f"/portal/drills/{drill.pk}/").content.decode()
    assert mine.post(f"/portal/drills/{drill.pk}/evidence/").status_code == 422  # no file


def test_another_customer_cannot_add_evidence(acme, globex, clock):
    """Negative: the page is a 404 and the service refuses the other contact (403)."""
    clock.at(utc(2025, 6, 21))
    drill = _drill(acme)
    other = login(globex.contact.user)
    upload = SimpleUploadedFile("x.txt", b"x", "text/plain")
    assert other.post(f"/portal/drills/{drill.pk}/evidence/", {"file": upload}).status_code == 404
    with pytest.raises(PermissionDenied):
        add_drill_evidence(drill=drill, name="x.txt", content=b"x", actor=globex.contact.user)
    assert drill.evidence.count() == 0
