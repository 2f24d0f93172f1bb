"""Audit exports through the API: POST queues a job (202), GET follows its progress, the
download answers 409 until the worker has written the zip; another customer's is a 404."""

from __future__ import annotations

import hashlib
import zipfile
from io import BytesIO

import pytest

from servicepact.core.time import now
from servicepact.reports.exports import run_due_exports

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_queue_poll_and_download(acme, acme_contact):
    contract = acme.contract
    created = acme_contact.post(f"/contracts/{contract.pk}/audit-exports", {"period": "2025-05"})
    assert created.status_code == 202, created.content
    job = created.json()
    assert job["status"] == "queued" and job["period"] == "2025-05"
    assert job["contract"] == {"id": contract.pk, "number": contract.number}
    assert job["download"] is None and job["requested_by"]["id"] == acme_contact.user.pk
    url = f"/audit-exports/{job['id']}"
    assert acme_contact.get(url + "/download").status_code == 409
    again = acme_contact.post(f"/contracts/{contract.pk}/audit-exports", {"period": "2025-05"})
    assert again.status_code == 202 and again.json()["id"] == job["id"]

    run_due_exports(now())
    done = acme_contact.get(url).json()
    assert done["status"] == "done" and done["percent"] == 100
    assert done["download"] == f"/api/v1{url}/download"
    assert done["expires_at"] is not None
    response = acme_contact.client.get(done["download"])
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    data = b"".join(response.streaming_content)
    assert hashlib.sha256(data).hexdigest() == done["sha256"] and len(data) == done["size"]
    assert "events.json" in zipfile.ZipFile(BytesIO(data)).namelist()
    listed = acme_contact.get("/audit-exports", contract=contract.pk, status="done").json()
    assert [item["id"] for item in listed["items"]] == [job["id"]]


def test_tenancy_and_validation(acme, globex, acme_contact, globex_contact, staff):
    contract = acme.contract
    job = acme_contact.post(f"/contracts/{contract.pk}/audit-exports", {}).json()
    for path in (f"/audit-exports/{job['id']}", f"/audit-exports/{job['id']}/download"):
        assert globex_contact.get(path).status_code == 404, path
        assert staff.get(path).status_code in (200, 409), path
    assert globex_contact.post(f"/contracts/{contract.pk}/audit-exports", {}).status_code == 404
    assert globex_contact.get("/audit-exports").json()["items"] == []
    bad = acme_contact.post(f"/contracts/{contract.pk}/audit-exports", {"period": "2025-13"})
    assert bad.status_code == 422 and "period" in bad.content.decode()
