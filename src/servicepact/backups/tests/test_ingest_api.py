"""POST /api/v1/backups/runs/{kind}: tokens, the three formats, matching, bad payloads."""

from __future__ import annotations

from django.test import Client, override_settings

from servicepact.assets.models import Asset
from servicepact.backups.models import BackupRun, BackupSource
from servicepact.backups.services import create_backup_source
from servicepact.backups.tests.conftest import post_runs, run, sample, utc


def test_generic_delivery_is_stored_and_matched(acme, generic_token, clock):
    """acme-srv01 matches the asset (exact hostname), the FQDN's short name too; an unknown
    host is kept unmatched."""
    Asset.objects.create(customer=acme.customer, site=acme.site, hostname="db01")
    clock.at(utc(2025, 6, 2, 3))
    body = {
        "runs": [
            run("a", host="ACME-SRV01"),
            run("b", host="db01.example.com", location="offsite"),
            run("c", host="nowhere"),
        ]
    }
    response = post_runs(Client(), "generic", body, generic_token)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "accepted": 3,
        "created": 3,
        "updated": 0,
        "unmatched": 1,
        "unmatched_hosts": ["nowhere"],
    }
    rows = {r.run_key: r for r in BackupRun.objects.select_related("asset")}
    assert rows["a"].asset == acme.asset
    assert rows["b"].asset.hostname == "db01" and rows["b"].location == "offsite"
    assert rows["c"].asset is None
    assert BackupSource.objects.get().last_used_at == utc(2025, 6, 2, 3)


def test_a_run_reported_again_updates_it(acme, generic_token, clock):
    """started, then succeeded: one row, its final state."""
    clock.at(utc(2025, 6, 2, 3))
    post_runs(Client(), "generic", {"runs": [run("a", status="started")]}, generic_token)
    finished = utc(2025, 6, 2, 1, 30)
    response = post_runs(
        Client(), "generic", {"runs": [run("a", finished=finished, size_bytes=10)]}, generic_token
    )
    assert response.json()["updated"] == 1 and response.json()["created"] == 0
    row = BackupRun.objects.get()
    assert (row.status, row.finished_at, row.size_bytes) == ("succeeded", finished, 10)


def test_restic_and_bacula_samples_through_the_endpoint(acme, clock):
    clock.at(utc(2025, 6, 2, 3))
    Asset.objects.create(customer=acme.customer, site=acme.site, hostname="db01.example.com")
    _, restic = create_backup_source(name="restic", kind="restic", default_location="offsite")
    _, bacula = create_backup_source(name="bacula", kind="bacula", timezone="Europe/Paris")
    body = sample("restic", "backup_0.17.jsonl")
    response = post_runs(Client(), "restic", body, restic, "?host=db01.example.com")
    assert response.status_code == 200, response.content
    response = post_runs(Client(), "bacula", sample("bacula", "backup_ok.txt"), bacula)
    assert response.status_code == 200, response.content
    rows = list(
        BackupRun.objects.order_by("source__name").values_list(
            "source__name", "location", "asset__hostname"
        )
    )
    assert rows == [
        ("bacula", "local", "db01.example.com"),
        ("restic", "offsite", "db01.example.com"),
    ]


def test_tokens_kinds_and_bad_payloads(acme, generic_token):
    client = Client()
    assert post_runs(client, "generic", {"runs": []}, None).status_code == 401
    assert post_runs(client, "generic", {"runs": []}, "spbak_wrong").status_code == 401
    wrong = post_runs(client, "restic", b"{}", generic_token)
    assert wrong.status_code == 403 and "/api/v1/backups/runs/generic" in wrong.json()["detail"]
    assert post_runs(client, "veeam", b"{}", generic_token).status_code == 404
    bad = post_runs(client, "generic", {"runs": [run("a", status="ok")]}, generic_token)
    assert bad.status_code == 400
    assert bad.json()["detail"].startswith("runs[0].status")
    assert BackupRun.objects.count() == 0


def test_one_unstorable_run_is_rejected_the_others_stored(acme, generic_token):
    body = {"runs": [run("a\u0000"), run("b")]}
    response = post_runs(Client(), "generic", body, generic_token)
    assert response.status_code == 200
    assert response.json()["rejected"] == [
        {
            "index": 0,
            "field": "runs[0].id",
            "reason": "contains a NUL character or an invalid code point",
        }
    ]
    assert list(BackupRun.objects.values_list("run_key", flat=True)) == ["b"]
    only_bad = post_runs(Client(), "generic", {"runs": [run("c\u0000")]}, generic_token)
    assert only_bad.status_code == 400 and BackupRun.objects.count() == 1


def test_body_over_the_limit_is_a_413(acme, generic_token, settings):
    settings.SERVICEPACT = {**settings.SERVICEPACT, "BACKUP_MAX_BODY": 100}
    response = post_runs(Client(), "generic", {"runs": [run("a"), run("b")]}, generic_token)
    assert response.status_code == 413
    assert BackupRun.objects.count() == 0


def test_a_customer_scoped_source_matches_only_that_customers_assets(acme, globex):
    _, token = create_backup_source(name="g", kind="generic", customer=globex.customer)
    response = post_runs(Client(), "generic", {"runs": [run("a", host="acme-srv01")]}, token)
    assert response.json()["unmatched"] == 1


def test_run_list_tenancy(acme, globex, generic_token, clock):
    """A contact sees its own assets' runs, never another customer's nor unmatched ones;
    staff see all."""
    clock.at(utc(2025, 6, 2, 3))
    body = {"runs": [run("a"), run("g", host="globex-srv01"), run("x", host="nowhere")]}
    post_runs(Client(), "generic", body, generic_token)
    contact = Client()
    contact.force_login(acme.contact.user)
    keys = [i["run_key"] for i in contact.get("/api/v1/backups/runs").json()["items"]]
    assert keys == ["a"]
    staff = Client()
    staff.force_login(acme.agent)
    assert staff.get("/api/v1/backups/runs").json()["count"] == 3
    unmatched = staff.get("/api/v1/backups/runs?unmatched=true").json()["items"]
    assert [i["run_key"] for i in unmatched] == ["x"]
    assert staff.get("/api/v1/backups/runs?status=nope").status_code == 422


_ = override_settings
