"""/api/v1/vulnerabilities and /api/v1/audits: CVSS vectors, actions, imports, tenancy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from servicepact.core.testing import utc
from servicepact.security.models import Advisory, Vulnerability
from servicepact.security.testing import VECTORS, secured
from servicepact.tickets.testing import world

pytestmark = pytest.mark.django_db
BASE = "/api/v1"
SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.fixture
def w(clock):
    clock.at(utc(2025, 6, 2, 10))
    w = world(code="acme")
    secured(w)
    w.other = world(code="globex")
    return w


def login(who):
    client = Client()
    client.force_login(who)
    return client


def post(client, path, body):
    return client.post(f"{BASE}{path}", json.dumps(body), content_type="application/json")


def new(w, **extra):
    body = {
        "cve_id": "CVE-2024-6387",
        "title": "OpenSSH regreSSHion",
        "cvss_vector": VECTORS["critical"],
        "contract": w.contract.pk,
        "assets": [w.asset.pk],
        **extra,
    }
    return post(login(w.agent), "/vulnerabilities", body)


def test_staff_report_a_vulnerability_with_a_v31_vector(w):
    response = new(w)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["cve_id"], body["severity"], body["base_score"], body["state"]) == (
        "CVE-2024-6387",
        "critical",
        "9.8",
        "open",
    )
    assert body["clock"]["deadline"].startswith("2025-06-05T10:00:00")
    assert body["actions"] == ["mitigate", "patch", "false-positive"]


def test_an_invalid_vector_is_a_422_naming_the_field_and_stores_nothing(w):
    response = new(w, cvss_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Q")
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "cvss_vector"]]
    assert (Advisory.objects.count(), Vulnerability.objects.count()) == (0, 0)


def test_a_bad_cve_id_and_foreign_assets_are_422(w):
    assert new(w, cve_id="CVE-99-1").json()["detail"][0]["loc"] == ["body", "cve_id"]
    response = new(w, assets=[w.other.asset.pk])
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "assets"]
    assert Vulnerability.objects.count() == 0


def test_contacts_cannot_report(w):
    body = {
        "cve_id": "CVE-2024-6387",
        "title": "x",
        "cvss_vector": VECTORS["high"],
        "contract": w.contract.pk,
    }
    assert post(login(w.contact.user), "/vulnerabilities", body).status_code == 403


def test_tenancy_a_contact_sees_only_its_own(w):
    vid = new(w).json()["id"]
    mine, theirs = login(w.contact.user), login(w.other.contact.user)
    assert mine.get(f"{BASE}/vulnerabilities/{vid}").status_code == 200
    assert [v["id"] for v in mine.get(f"{BASE}/vulnerabilities").json()["items"]] == [vid]
    assert theirs.get(f"{BASE}/vulnerabilities/{vid}").status_code == 404
    assert theirs.get(f"{BASE}/vulnerabilities").json()["count"] == 0
    assert post(theirs, f"/vulnerabilities/{vid}/accept-risk", {"note": "x"}).status_code == 404


def test_the_contact_accepts_the_risk_staff_patch_and_refusals_are_409(w, clock):
    vid = new(w).json()["id"]
    contact, agent = login(w.contact.user), login(w.agent)
    assert contact.get(f"{BASE}/vulnerabilities/{vid}").json()["actions"] == ["accept-risk"]
    assert post(agent, f"/vulnerabilities/{vid}/accept-risk", {"note": "x"}).status_code == 403
    assert post(contact, f"/vulnerabilities/{vid}/accept-risk", {}).json()["detail"][0]["loc"] == [
        "body",
        "note",
    ]
    clock.at(utc(2025, 6, 3, 10))
    body = post(contact, f"/vulnerabilities/{vid}/accept-risk", {"note": "Lab only"}).json()
    assert (body["state"], body["clock"]["status"], body["clock"]["deadline"]) == (
        "accepted_risk",
        "paused",
        None,
    )
    assert post(agent, f"/vulnerabilities/{vid}/patch", {}).status_code == 409
    assert post(agent, f"/vulnerabilities/{vid}/reopen", {"note": "back"}).json()["state"] == "open"
    body = post(agent, f"/vulnerabilities/{vid}/patch", {}).json()
    assert (body["state"], body["clock"]["status"]) == ("patched", "met")
    assert post(agent, f"/vulnerabilities/{vid}/explode", {}).status_code == 422


def test_patched_by_a_change_of_the_customer(w):
    from servicepact.changes.services import request_change

    change = request_change(
        customer=w.customer,
        title="Upgrade OpenSSH",
        assets=[w.asset],
        planned_start=utc(2025, 6, 3, 1),
        planned_end=utc(2025, 6, 3, 2),
        actor=w.agent,
    )
    foreign = request_change(
        customer=w.other.customer,
        title="x",
        assets=[w.other.asset],
        planned_start=utc(2025, 6, 3, 1),
        planned_end=utc(2025, 6, 3, 2),
        actor=w.agent,
    )
    vid = new(w).json()["id"]
    agent = login(w.agent)
    assert post(agent, f"/vulnerabilities/{vid}/patch", {"change": foreign.pk}).status_code == 422
    assert post(agent, f"/vulnerabilities/{vid}/patch", {"change": 10**9}).status_code == 422
    body = post(agent, f"/vulnerabilities/{vid}/patch", {"change": change.pk}).json()
    assert (body["state"], body["patched_change"]) == ("patched", change.pk)


def test_csv_import_endpoint_all_or_nothing(w):
    agent = login(w.agent)
    good = "cve_id,title,cvss_vector,asset\nCVE-2024-6387,x,{},acme-srv01\n".format(VECTORS["high"])
    bad = good + "CVE-2024-6388,y,CVSS:3.1/nonsense,acme-srv01\n"
    response = agent.post(
        f"{BASE}/vulnerabilities/import/csv",
        {"file": SimpleUploadedFile("scan.csv", bad.encode()), "contract": w.contract.pk},
    )
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "lines", 3, "cvss_vector"]]
    assert Vulnerability.objects.count() == 0
    response = agent.post(
        f"{BASE}/vulnerabilities/import/csv",
        {"file": SimpleUploadedFile("scan.csv", good.encode()), "contract": w.contract.pk},
    )
    assert response.status_code == 201
    assert response.json()["advisories"] == ["CVE-2024-6387"]


def test_osv_import_endpoint(w):
    agent = login(w.agent)
    data = (SAMPLES / "osv-pypi-django-GHSA-jh3w-4vvf-mjgr.json").read_text()
    response = agent.post(
        f"{BASE}/vulnerabilities/import/osv?contract={w.contract.pk}",
        data,
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json() == {"advisories": ["CVE-2023-36053"], "vulnerabilities": []}
    assert (
        agent.post(
            f"{BASE}/vulnerabilities/import/osv", "{nope", content_type="application/json"
        ).status_code
        == 422
    )
    contact = login(w.contact.user)
    assert (
        contact.post(
            f"{BASE}/vulnerabilities/import/osv", data, content_type="application/json"
        ).status_code
        == 403
    )


def test_audits_findings_and_tenancy(w, clock):
    agent, contact, stranger = login(w.agent), login(w.contact.user), login(w.other.contact.user)
    response = post(
        agent,
        "/audits",
        {"contract": w.contract.pk, "kind": "pentest", "due_on": "2025-06-01", "auditor": "Cure53"},
    )
    assert response.status_code == 201
    aid = response.json()["id"]
    assert (
        post(
            agent, "/audits", {"contract": w.contract.pk, "kind": "tea", "due_on": "2025-06-01"}
        ).status_code
        == 422
    )
    finding = post(
        agent,
        f"/audits/{aid}/findings",
        {"title": "Default credentials on BMC", "severity": "critical", "assets": [w.asset.pk]},
    )
    assert finding.status_code == 201
    fid = finding.json()["id"]
    assert finding.json()["clock"]["target_seconds"] == 120 * 3600
    assert contact.get(f"{BASE}/audits/{aid}/findings").json()["count"] == 1
    assert contact.get(f"{BASE}/audits/findings/{fid}").status_code == 200
    assert stranger.get(f"{BASE}/audits/{aid}").status_code == 404
    assert stranger.get(f"{BASE}/audits/{aid}/findings").status_code == 404
    assert stranger.get(f"{BASE}/audits/findings/{fid}").status_code == 404
    assert stranger.get(f"{BASE}/audits").json()["count"] == 0
    body = post(agent, f"/audits/findings/{fid}/mitigate", {"mitigation": "BMC VLAN closed"}).json()
    assert body["state"] == "mitigated"
    done = post(agent, f"/audits/{aid}/done", {"performed_on": "2025-06-02"})
    assert done.json()["status"] == "done"
    assert post(agent, f"/audits/{aid}/done", {"performed_on": "2025-06-02"}).status_code == 409
    assert (
        post(contact, f"/audits/{aid}/findings", {"title": "x", "severity": "low"}).status_code
        == 403
    )


def test_a_naive_or_future_instant_is_a_422_on_its_field(w):
    vid = new(w).json()["id"]
    agent = login(w.agent)
    naive = post(agent, f"/vulnerabilities/{vid}/patch", {"at": "2025-06-02T11:00:00"})
    assert naive.status_code == 422
    assert naive.json()["detail"][0]["loc"] == ["body", "at"]
    future = post(agent, f"/vulnerabilities/{vid}/patch", {"at": "2030-01-01T00:00:00Z"})
    assert future.json()["detail"][0]["loc"] == ["body", "at"]
    assert new(w, cve_id="CVE-2024-0009", reported_at="2025-06-02T09:00:00").status_code == 422
    assert Vulnerability.objects.get(pk=vid).state == "open"
