"""Audit exports as worker jobs (reports.exports): the pages queue a job, the worker writes
the zip into storage with progress, the page polls a small fragment and links the file;
tenancy is a 404; failures keep their reason; files expire after AUDIT_EXPORT_KEEP_DAYS."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage

from servicepact.__main__ import main as servicepact
from servicepact.billing.testing import ny
from servicepact.reports import audit
from servicepact.reports.audit import audit_export, write_audit_export
from servicepact.reports.choices import ExportStatus
from servicepact.reports.exports import (
    STALE_AFTER,
    expire_exports,
    request_audit_export,
    run_due_exports,
)
from servicepact.reports.models import AuditExport
from servicepact.reports.tests.test_audit_verify import NOW, busy_june
from servicepact.tickets.testing import world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def create_url(june, audience="portal"):
    return f"/reports/{audience}/contracts/{june.contract.pk}/audit-exports/"


def job_url(job, audience="portal", suffix=""):
    return f"/reports/{audience}/audit-exports/{job.pk}/{suffix}"


def downloaded(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_contact_asks_polls_and_downloads(client, june):
    """POST on the statement page's form -> the job's page (queued, polling, aria-live);
    the worker's pass writes it; the poll's fragment then links the zip and stops polling;
    the download is the same zip as the direct export, with the recorded size and SHA-256."""
    client.force_login(june.world.contact.user)
    statement = client.get(f"/reports/portal/contracts/{june.contract.pk}/statement/")
    assert f'action="{create_url(june)}"' in statement.content.decode()
    response = client.post(create_url(june), {"period": "2025-06"})
    job = AuditExport.objects.get()
    assert response.status_code == 302 and response["Location"] == job_url(job)
    assert (job.status, job.period, job.requested_by) == (
        "queued",
        "2025-06",
        june.world.contact.user,
    )
    page = client.get(job_url(job)).content.decode()
    assert 'id="export-status" role="status" aria-live="polite"' in page
    assert f'hx-get="{job_url(job)}" hx-trigger="every 2s"' in page
    assert "Queued" in page and "<progress" in page

    assert run_due_exports(ny(2025, 7, 2, 9, 1)) == 1
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    assert job.total == job.done > 0 and job.percent == 100
    fragment = client.get(job_url(job), headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and "hx-get" not in fragment  # polling stops
    assert f'href="{job_url(job, suffix="download/")}"' in fragment
    assert job.sha256 in fragment
    data = downloaded(client.get(job_url(job, suffix="download/")))
    assert len(data) == job.size and hashlib.sha256(data).hexdigest() == job.sha256
    assert client.get(job_url(job, suffix="download/"))["Content-Disposition"] == (
        'attachment; filename="audit-ACME-1-2025-06.zip"'
    )
    ours = zipfile.ZipFile(io.BytesIO(data))
    direct = zipfile.ZipFile(
        io.BytesIO(audit_export(june.contract, "2025-06", now=ny(2025, 7, 2, 9, 1)))
    )
    assert ours.namelist() == direct.namelist()
    for name in ours.namelist():
        assert ours.read(name) == direct.read(name), name


def test_a_second_request_for_a_waiting_month_gets_the_same_job(june):
    first, created = request_audit_export(contract=june.contract, period="2025-06", user=None)
    again, created_again = request_audit_export(contract=june.contract, period="2025-06", user=None)
    other, created_other = request_audit_export(contract=june.contract, period="2025-05", user=None)
    assert (created, created_again, created_other) == (True, False, True)
    assert again.pk == first.pk != other.pk


def test_progress_is_recorded_chunk_by_chunk(june, monkeypatch):
    """Every clock is a CSV row and an events.json entry: total = 2 x clocks; with chunks of
    5 rows the writer reports after each chunk, monotonically, and ends at the total."""
    monkeypatch.setattr(audit, "ROWS_PER_STEP", 5)
    steps = list(write_audit_export(june.contract, "2025-06", io.BytesIO()))
    events = json.loads(
        zipfile.ZipFile(io.BytesIO(audit_export(june.contract, "2025-06"))).read("events.json")
    )
    clocks = len(events["clocks"])
    assert clocks == 18
    assert steps[0].done == 0 and steps[-1].done == steps[-1].total == 2 * clocks
    done = [s.done for s in steps]
    assert done == sorted(done) and len(set(done)) >= 2 * (clocks // 5)
    job, _ = request_audit_export(contract=june.contract, period="2025-06", user=None)
    run_due_exports(ny(2025, 7, 2, 9, 1))
    job.refresh_from_db()
    assert (job.done, job.total) == (2 * clocks, 2 * clocks)


def test_events_json_is_what_json_dumps_writes(june):
    """The streamed events.json is byte for byte ``json.dumps(indent=2)`` of itself, for a
    month with clocks and for one without."""
    for period in ("2025-06", "2025-03"):
        archive = zipfile.ZipFile(io.BytesIO(audit_export(june.contract, period)))
        text = archive.read("events.json").decode()
        assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False), period
    assert json.loads(text)["clocks"] == []


def test_another_customers_export_is_a_404(client, june):
    """Beta's contact: 404 for Acme's job page, fragment, download and for queueing one;
    Acme's contact on the desk URLs: 404 too."""
    job, _ = request_audit_export(contract=june.contract, period="2025-06", user=None)
    run_due_exports(ny(2025, 7, 2, 9, 1))
    beta = world(code="beta")
    client.force_login(beta.contact.user)
    for url in (job_url(job), job_url(job, suffix="download/")):
        assert client.get(url).status_code == 404, url
    assert client.get(job_url(job), headers={"HX-Request": "true"}).status_code == 404
    assert client.post(create_url(june), {"period": "2025-06"}).status_code == 404
    client.force_login(june.world.contact.user)
    assert client.get(job_url(job, "desk")).status_code == 404
    assert client.post(create_url(june, "desk"), {"period": "2025-06"}).status_code == 404
    assert client.get(job_url(job, suffix="download/")).status_code == 200
    assert AuditExport.objects.count() == 1


def test_staff_queue_from_the_desk(client, june):
    client.force_login(june.world.agent)
    response = client.post(create_url(june, "desk"), {"period": "2025-06"})
    job = AuditExport.objects.get()
    assert response["Location"] == job_url(job, "desk")
    assert client.get(job_url(job, "desk")).status_code == 200
    assert client.post(create_url(june, "desk"), {"period": "2025-13"}).status_code == 422


def test_files_expire_after_the_retention(june, settings, clock):
    """Written on 2 July: kept 7 days (the default), then the worker deletes the file and
    the row says expired; the download is a 404 and the page says why."""
    job, _ = request_audit_export(contract=june.contract, period="2025-06", user=None)
    run_due_exports(ny(2025, 7, 2, 9, 1))
    job.refresh_from_db()
    name = job.file.name
    assert default_storage.exists(name)
    assert expire_exports(job.finished_at + timedelta(days=6, hours=23)) == 0
    assert expire_exports(job.finished_at + timedelta(days=7, seconds=1)) == 1
    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED and job.expired_at is not None and not job.file
    assert not default_storage.exists(name)
    assert job.sha256  # the record of what was handed out stays

    settings.SERVICEPACT = {**settings.SERVICEPACT, "AUDIT_EXPORT_KEEP_DAYS": 1}
    second, _ = request_audit_export(contract=june.contract, period="2025-06", user=None)
    run_due_exports(ny(2025, 7, 2, 10))
    second.refresh_from_db()
    assert expire_exports(second.finished_at + timedelta(days=1, seconds=1)) == 1


def test_expired_and_failed_exports_in_the_page(client, june, media):
    """A failure keeps its reason (here: the storage directory is a file) and the worker
    goes on; the page shows the reason as an alert, an expired one says it was deleted."""
    media.parent.mkdir(parents=True, exist_ok=True)
    media.write_text("not a directory")
    job, _ = request_audit_export(contract=june.contract, period="2025-06", user=None)
    assert run_due_exports(ny(2025, 7, 2, 9, 1)) == 1  # ran, and failed
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and job.finished_at is not None
    assert "Error" in job.error and not job.file and job.size is None
    client.force_login(june.world.contact.user)
    page = client.get(job_url(job)).content.decode()
    assert '<p role="alert">The export failed:' in page and "hx-get" not in page
    assert client.get(job_url(job, suffix="download/")).status_code == 404

    media.unlink()
    retry, created = request_audit_export(contract=june.contract, period="2025-06", user=None)
    assert created  # a failed job does not block a new one
    run_due_exports(ny(2025, 7, 2, 9, 2))
    retry.refresh_from_db()
    assert retry.status == ExportStatus.DONE
    expire_exports(retry.finished_at + timedelta(days=8))
    assert "was deleted after its retention period" in client.get(job_url(retry)).content.decode()


def test_a_job_whose_worker_vanished_fails_with_a_reason(june):
    job, _ = request_audit_export(contract=june.contract, period="2025-06", user=None)
    AuditExport.objects.filter(pk=job.pk).update(
        status=ExportStatus.RUNNING, started_at=ny(2025, 7, 2, 8)
    )
    run_due_exports(ny(2025, 7, 2, 8) + STALE_AFTER - timedelta(minutes=1))
    job.refresh_from_db()
    assert job.status == ExportStatus.RUNNING
    run_due_exports(ny(2025, 7, 2, 8) + STALE_AFTER + timedelta(minutes=1))
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and "worker stopped" in job.error


def test_audit_verify_passes_on_a_job_produced_export(clock, tmp_path, capsys):
    """The realistic month of test_audit_verify, written by the worker into storage:
    ``servicepact audit verify`` recomputes every figure from the stored file (exit 0)."""
    june = busy_june(clock)
    clock.at(NOW)
    job, _ = request_audit_export(contract=june.contract, period="2025-06", user=None)
    run_due_exports(NOW)
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE, job.error
    path = tmp_path / job.filename
    with job.file.open("rb") as stored:
        path.write_bytes(stored.read())
    code = servicepact(["servicepact", "audit", "verify", str(path)])
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), out
    assert "DIFFERS" not in out and out.rstrip().endswith(" figures, 0 differ")
    assert "README.txt" in zipfile.ZipFile(path).namelist()


def test_audit_verify_passes_on_the_streamed_direct_download(client, clock, tmp_path, capsys):
    """The GET that existed before the jobs still answers the zip (streamed, with data
    descriptors), and ``audit verify`` accepts it."""
    june = busy_june(clock)
    clock.at(NOW)
    client.force_login(june.world.contact.user)
    response = client.get(f"/reports/portal/contracts/{june.contract.pk}/audit/?period=2025-06")
    assert response.status_code == 200 and response.streaming
    path = tmp_path / "audit-ACME-1-2025-06.zip"
    path.write_bytes(b"".join(response.streaming_content))
    code = servicepact(["servicepact", "audit", "verify", str(path)])
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), out
    assert out.rstrip().endswith(" figures, 0 differ")
