"""Desk and portal pages of backups and drills; tenancy (another customer's drill is a 404)."""

from __future__ import annotations

from django.test import Client

from servicepact.backups.models import Drill
from servicepact.backups.services import add_drill_evidence, record_drill
from servicepact.backups.tests.conftest import policy, post_runs, run, utc
from servicepact.tickets.testing import login


def _drill(w) -> Drill:
    return record_drill(
        contract=w.contract,
        kind="restore",
        scope="db01 full restore",
        started_at=utc(2025, 6, 20, 10),
        finished_at=utc(2025, 6, 20, 12),
        succeeded=True,
        achieved_rto_minutes=95,
    )


def test_portal_shows_last_good_backup_and_offsite_copy(acme, globex, generic_token, clock):
    clock.at(utc(2025, 6, 2, 6))
    policy(acme, offsite=True)
    policy(globex, name="globex nightly")
    post_runs(
        Client(), "generic", {"runs": [run("a", finished=utc(2025, 6, 2, 1, 40))]}, generic_token
    )
    page = login(acme.contact.user).get("/portal/backups/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "acme-srv01" in text and "no good backup yet" in text  # the off-site copy
    assert "5 hours old" in text or "5h" in text or "5 h" in text
    assert "globex" not in text


def test_portal_drill_sign_off_and_tenancy(acme, globex, clock):
    clock.at(utc(2025, 6, 21))
    drill = _drill(acme)
    add_drill_evidence(drill=drill, name="restore.log", content=b"restored 42 GB", actor=acme.agent)
    evidence = drill.evidence.get()
    other = login(globex.contact.user)
    assert other.get(f"/portal/drills/{drill.pk}/").status_code == 404
    assert other.post(f"/portal/drills/{drill.pk}/sign-off/").status_code == 404
    assert other.get(f"/portal/drills/{drill.pk}/evidence/{evidence.pk}/").status_code == 404
    assert "db01 full restore" not in other.get("/portal/drills/").content.decode()
    mine = login(acme.contact.user)
    assert "db01 full restore" in mine.get("/portal/drills/").content.decode()
    download = mine.get(f"/portal/drills/{drill.pk}/evidence/{evidence.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"restored 42 GB"
    response = mine.post(f"/portal/drills/{drill.pk}/sign-off/", {"note": "checked"})
    assert response.status_code == 302
    drill.refresh_from_db()
    assert drill.signed_off_by == acme.contact.user and drill.signoff_note == "checked"
    again = mine.post(f"/portal/drills/{drill.pk}/sign-off/")
    assert again.status_code == 409


def test_desk_pages(acme, generic_token, clock):
    clock.at(utc(2025, 6, 2, 6))
    policy(acme)
    post_runs(Client(), "generic", {"runs": [run("a"), run("x", host="nowhere")]}, generic_token)
    clock.at(utc(2025, 6, 21))
    drill = _drill(acme)
    desk = login(acme.agent)
    assert "acme-srv01" in desk.get("/desk/backups/").content.decode()
    runs = desk.get("/desk/backups/runs/?unmatched=1").content.decode()
    assert "nowhere" in runs
    assert "db01 full restore" in desk.get("/desk/drills/").content.decode()
    assert (
        desk.post(f"/desk/drills/{drill.pk}/findings/", {"text": "WAL archive gap"}).status_code
        == 302
    )
    assert drill.findings.get().ticket is not None
    assert desk.post(f"/desk/drills/{drill.pk}/findings/", {"text": ""}).status_code == 422
    contact = login(acme.contact.user)
    assert contact.get("/desk/backups/").status_code == 404
