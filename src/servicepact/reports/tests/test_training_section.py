"""Training sessions appear in the statement of the month in which they happened."""

from __future__ import annotations

from servicepact.core.testing import ny
from servicepact.kb import services
from servicepact.reports.statement import build_statement
from servicepact.tickets.testing import acme  # noqa: F401 (fixture)


def test_sessions_in_their_month_only(clock, acme):  # noqa: F811
    clock.at(ny(2025, 7, 15, 9))
    for topic, at in (("RAID basics", ny(2025, 6, 30, 23)), ("Backups", ny(2025, 7, 1, 0, 30))):
        session = services.create_training(
            contract=acme.contract,
            topic=topic,
            starts_at=at,
            trainer="Li Wei",
            attendees=[acme.contact],
            actor=acme.agent,
        )
    services.record_attendance(session=session, attended={acme.contact.pk: True}, actor=acme.agent)
    june = build_statement(acme.contract, "2025-06")
    july = build_statement(acme.contract, "2025-07")
    assert [t["topic"] for t in june["training"]] == ["RAID basics"]
    assert june["training"][0]["attended"] == 0
    assert [
        (t["topic"], t["invited"], t["attended"], t["acknowledged"]) for t in july["training"]
    ] == [("Backups", 1, 1, 0)]
    assert build_statement(acme.contract, "2025-05")["training"] == []


def test_statement_page_shows_the_section(clock, acme):  # noqa: F811
    from servicepact.tickets.testing import login

    clock.at(ny(2025, 7, 15, 9))
    services.create_training(
        contract=acme.contract,
        topic="RAID basics",
        starts_at=ny(2025, 6, 10, 9),
        trainer="Li Wei",
        actor=acme.agent,
    )
    page = login(acme.contact.user).get(
        f"/reports/portal/contracts/{acme.contract.pk}/statement/?period=2025-06"
    )
    assert page.status_code == 200, page.status_code
    assert "RAID basics" in page.content.decode()
