"""Contracts: create with KPIs and target overrides, amend (new version), list versions, lines."""

from __future__ import annotations

import pytest

from servicepact.assets.models import Asset, ContractLine
from servicepact.contracts.models import Contract, ContractVersion, KpiCommitment

from .conftest import ny, open_ticket

pytestmark = pytest.mark.django_db


def _contract(acme, **overrides):
    body = {
        "number": "ACME-2",
        "customer": acme.customer.pk,
        "plan": acme.plan.pk,
        "start_date": "2025-06-01",
        "end_date": "2026-05-31",
        "fee_amount": "1200.00",
        "grace_days": 15,
        "kpis": [
            {"kind": "availability", "target": "99.95"},
            {"kind": "patch_deadline", "target": "72", "severity": "critical"},
        ],
        "target_overrides": [{"priority": 2, "metric": "resolution", "target_minutes": 240}],
    }
    body.update(overrides)
    return body


def test_create_contract_with_kpis_and_overrides(staff, acme):
    """201: version 1 in force from local midnight of the start (EDT: 04:00 UTC); the override
    replaces the plan's P2 resolution (480 -> 240 min) and says where it comes from."""
    response = staff.post("/contracts", _contract(acme))
    assert response.status_code == 201
    body = response.json()
    assert (body["number"], body["status"], body["status_today"]) == ("ACME-2", "active", "active")
    assert (body["fee_amount"], body["current_version"]) == ("1200.00", 1)
    (v1,) = body["versions"]
    assert (v1["number"], v1["effective_from"], v1["reason"]) == (
        1,
        "2025-06-01T04:00:00Z",
        "Initial terms",
    )
    assert v1["created_by"]["username"] == "acme-agent"
    assert [(k["kind"], k["target"], k["unit"], k["severity"]) for k in v1["kpis"]] == [
        ("availability", "99.9500", "%", ""),
        ("patch_deadline", "72.0000", "h", "critical"),
    ]
    p2_res = [t for t in v1["targets"] if (t["priority"], t["metric"]) == (2, "resolution")]
    assert (p2_res[0]["target_minutes"], p2_res[0]["source"]) == (240, "contract ACME-2 v1")
    p1_fr = [t for t in v1["targets"] if (t["priority"], t["metric"]) == (1, "first_response")]
    assert (p1_fr[0]["target_minutes"], p1_fr[0]["source"]) == (30, "plan Acme Plan")
    assert [t["metric"] for t in v1["target_overrides"]] == ["resolution"]
    assert v1["priority_names"] == {
        "1": "Absolute priority",
        "2": "Urgent",
        "3": "High",
        "4": "Normal",
    }


def test_bad_kpi_is_named_and_nothing_is_written(staff, acme):
    """kpis[0] availability 120 % -> 422 at body.kpis[0].target; no contract, no version."""
    before = (Contract.objects.count(), ContractVersion.objects.count())
    response = staff.post(
        "/contracts", _contract(acme, kpis=[{"kind": "availability", "target": "120"}])
    )
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["body", "kpis", 0, "target"],
            "msg": "availability is a percentage in (0, 100]",
            "type": "invalid",
        }
    ]
    assert (Contract.objects.count(), ContractVersion.objects.count()) == before


def test_contact_may_not_create_a_contract(acme, acme_contact):
    """Visible-but-not-allowed: 403 for a contact, even for its own customer."""
    response = acme_contact.post("/contracts", _contract(acme))
    assert response.status_code == 403
    assert response.json() == {"detail": "Only provider staff may create contracts."}
    assert not Contract.objects.filter(number="ACME-2").exists()


def test_amend_adds_a_version_and_lists_versions(staff, acme, clock):
    """POST versions -> 201 v2 with the new override; KPIs carried over; list has v1, v2."""
    created = staff.post("/contracts", _contract(acme)).json()
    url = f"/contracts/{created['id']}/versions"
    amended = staff.post(
        url,
        {
            "effective_from": "2025-07-01T00:00:00-04:00",
            "reason": "Stricter P2",
            "target_overrides": [{"priority": 2, "metric": "resolution", "target_minutes": 120}],
        },
    )
    assert amended.status_code == 201
    v2 = amended.json()
    assert (v2["number"], v2["effective_from"], v2["reason"]) == (
        2,
        "2025-07-01T04:00:00Z",
        "Stricter P2",
    )
    assert [t["target_minutes"] for t in v2["target_overrides"]] == [120]
    assert [k["kind"] for k in v2["kpis"]] == ["availability", "patch_deadline"]
    listed = staff.get(url).json()
    assert (listed["count"], [v["number"] for v in listed["items"]]) == (2, [1, 2])
    assert staff.get(f"{url}/2").json() == v2
    assert staff.get(f"{url}/3").status_code == 404
    assert staff.get(f"/contracts/{created['id']}").json()["current_version"] == 1


def test_amend_needs_an_aware_instant_and_a_reason(staff, acme):
    """A naive effective_from and an empty reason are both 422 on their field."""
    url = f"/contracts/{acme.contract.pk}/versions"
    naive = staff.post(url, {"effective_from": "2025-07-01T00:00:00", "reason": "x"})
    assert naive.status_code == 422
    assert naive.json()["detail"][0]["loc"] == ["body", "effective_from"]
    no_reason = staff.post(url, {"effective_from": "2025-07-01T00:00:00Z", "reason": " "})
    assert no_reason.json()["detail"][0]["loc"] == ["body", "reason"]
    assert ContractVersion.objects.filter(contract=acme.contract).count() == 1


def test_contract_list_filters(staff, acme, globex):
    """Filter by customer and by status; an unknown status is a 422 on the query field."""
    listed = staff.get("/contracts", customer=globex.customer.pk).json()
    assert [c["number"] for c in listed["items"]] == ["GLOBEX-1"]
    assert staff.get("/contracts", status="draft").json()["count"] == 0
    assert staff.get("/contracts", status="active,grace").json()["count"] == 2
    bogus = staff.get("/contracts", status="bogus")
    assert (bogus.status_code, bogus.json()["detail"][0]["loc"]) == (422, ["query", "status"])


def test_add_asset_to_contract_creates_a_line(staff, acme):
    """POST /contracts/{id}/lines -> 201; the asset's detail lists the line."""
    contract = staff.post("/contracts", _contract(acme)).json()
    line = staff.post(
        f"/contracts/{contract['id']}/lines", {"asset": acme.asset.pk, "start_date": "2025-06-15"}
    )
    assert line.status_code == 201
    assert line.json() == {
        "id": line.json()["id"],
        "contract": {"id": contract["id"], "number": "ACME-2"},
        "asset": {"id": acme.asset.pk, "hostname": "acme-srv01"},
        "start_date": "2025-06-15",
        "end_date": None,
    }
    lines = staff.get(f"/contracts/{contract['id']}/lines").json()
    assert lines["count"] == 1
    asset = staff.get(f"/assets/{acme.asset.pk}").json()
    assert [(x["contract"]["number"], x["start_date"]) for x in asset["contract_lines"]] == [
        ("ACME-1", "2025-01-01"),
        ("ACME-2", "2025-06-15"),
    ]


def test_line_for_another_customers_asset_or_outside_the_term_is_422(staff, acme, globex):
    """Globex's asset on Acme's contract names asset; a start before the term names start_date."""
    before = ContractLine.objects.count()
    url = f"/contracts/{acme.contract.pk}/lines"
    other = staff.post(url, {"asset": globex.asset.pk})
    assert other.status_code == 422
    assert other.json()["detail"][0]["loc"] == ["body", "asset"]
    early = staff.post(url, {"asset": acme.asset.pk, "start_date": "2024-12-31"})
    assert early.json()["detail"][0]["loc"] == ["body", "start_date"]
    overlap = staff.post(url, {"asset": acme.asset.pk, "start_date": "2025-03-01"})
    assert overlap.json()["detail"][0]["msg"] == (
        "acme-srv01 already has a line on ACME-1 in these dates"
    )
    assert ContractLine.objects.count() == before


def test_terminate_and_activate(staff, acme):
    """Terminating sets the date and reason; a draft contract activates once (twice: 409)."""
    terminated = staff.post(
        f"/contracts/{acme.contract.pk}/terminate", {"on": "2025-09-30", "reason": "Moved out"}
    ).json()
    assert (terminated["terminated_on"], terminated["termination_reason"]) == (
        "2025-09-30",
        "Moved out",
    )
    draft = staff.post("/contracts", _contract(acme, activate=False)).json()
    assert (draft["status"], draft["activated_at"]) == ("draft", None)
    activated = staff.post(f"/contracts/{draft['id']}/activate")
    assert activated.json()["activated_at"] == "2025-06-02T12:00:00Z"
    again = staff.post(f"/contracts/{draft['id']}/activate")
    assert again.status_code == 409
    assert again.json() == {"detail": "contract ACME-2 is already activated"}


def test_asset_count_untouched_by_contract_reads(staff, acme):
    """Reading contracts writes nothing."""
    before = Asset.objects.count(), KpiCommitment.objects.count()
    staff.get(f"/contracts/{acme.contract.pk}")
    staff.get("/contracts")
    assert (Asset.objects.count(), KpiCommitment.objects.count()) == before


def test_retroactive_amendment_recomputes_open_tickets(staff, acme, clock):
    """ADR 0002: a ticket opened Mon 09:00 under v1 (P2 resolution 480 min, due 17:00) moves
    to v2 in force since June 1 (240 min): due 13:00, and the move is recorded with the reason."""
    clock.at(ny(2025, 6, 2, 9))
    ticket = open_ticket(acme)
    clock.at(ny(2025, 6, 2, 10))
    response = staff.post(
        f"/contracts/{acme.contract.pk}/versions",
        {
            "effective_from": "2025-06-01T00:00:00-04:00",
            "reason": "Stricter P2",
            "target_overrides": [{"priority": 2, "metric": "resolution", "target_minutes": 240}],
        },
    )
    assert response.status_code == 201
    detail = staff.get(f"/tickets/{ticket.pk}").json()
    assert detail["coverage"]["version"] == 2
    resolution = {c["metric"]: c for c in detail["clocks"]}["resolution"]
    assert (resolution["deadline"], resolution["target_source"]) == (
        "2025-06-02T17:00:00Z",
        "contract ACME-1 v2",
    )
    (moved,) = [e for e in detail["events"] if e["kind"] == "deadline_moved"]
    assert moved["data"] == {
        "metric": "resolution",
        "before": "2025-06-02T21:00:00+00:00",
        "after": "2025-06-02T17:00:00+00:00",
        "reason": "contract ACME-1 v2: Stricter P2",
        "reason_note": {
            "kind": "terms_moved",
            "params": {"contract": "ACME-1", "version": 2, "reason": "Stricter P2"},
        },
    }
