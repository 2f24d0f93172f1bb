"""Desk and portal pages of the knowledge base, handover and training, with tenancy."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from servicepact.core.testing import ny
from servicepact.kb import services
from servicepact.kb.models import Article, ArticleTicket, ArticleView, HandoverPack, TrainingSession
from servicepact.kb.selectors import DEFLECTION_MINUTES, deflection
from servicepact.tickets import services as ts
from servicepact.tickets.testing import login


@pytest.fixture
def agent(acme):
    return login(acme.agent)


@pytest.fixture
def contact(acme):
    return login(acme.contact.user)


def test_portal_search_and_article_tenancy(corpus, contact, globex):
    page = contact.get("/portal/kb/", {"q": "更换硬盘"})
    assert page.status_code == 200
    assert corpus.disk_sop_zh.title in page.content.decode()
    assert contact.get(f"/portal/kb/{corpus.acme_backup.pk}/").status_code == 200
    assert contact.get(f"/portal/kb/{corpus.internal_disk.pk}/").status_code == 404
    assert contact.get(f"/portal/kb/{corpus.globex_backup_zh.pk}/").status_code == 404
    article = contact.get(f"/portal/kb/{corpus.disk_sop.pk}/").content.decode()
    assert f"/portal/kb/{corpus.disk_sop_zh.pk}/" in article  # the linked translation
    listing = contact.get("/portal/kb/").content.decode()
    assert corpus.internal_disk.title not in listing
    assert corpus.globex_backup_zh.title not in listing


def test_suggestions_while_filing_and_deflection(clock, corpus, acme, contact):
    """A suggested article opened with no ticket filed within DEFLECTION_MINUTES is a
    deflection; one followed by a ticket is not; one still inside the window is pending."""
    clock.at(ny(2025, 6, 9, 9))
    fragment = contact.get("/portal/kb/suggest/", {"subject": "disk replacement"}).content.decode()
    assert f"/portal/kb/{corpus.disk_sop.pk}/?from=suggest" in fragment
    assert contact.get("/portal/kb/suggest/", {"subject": ""}).content.decode().strip() == ""
    assert "kb-suggestions" in contact.get("/portal/tickets/new/").content.decode()

    contact.get(f"/portal/kb/{corpus.disk_sop.pk}/", {"from": "suggest"})  # 09:00, not filed
    clock.at(ny(2025, 6, 9, 10))
    contact.get(f"/portal/kb/{corpus.vpn_faq.pk}/", {"from": "suggest"})  # 10:00, then files
    clock.at(ny(2025, 6, 9, 10, 10))
    ts.open_ticket(
        customer=acme.customer, contact=acme.contact, subject="VPN", actor=acme.contact.user
    )
    contact.get(f"/portal/kb/{corpus.fan_guide.pk}/")  # not from a suggestion: not counted
    clock.at(ny(2025, 6, 9, 11))
    contact.get(f"/portal/kb/{corpus.fan_guide.pk}/", {"from": "suggest"})  # 11:00, pending
    assert ArticleView.objects.count() == 4
    moment = ny(2025, 6, 9, 11) + timedelta(minutes=DEFLECTION_MINUTES - 1)
    result = deflection(ny(2025, 6, 9), ny(2025, 6, 10), moment)
    assert (result.suggested_views, result.deflected, result.pending) == (3, 1, 1)


def test_contact_never_sees_desk_pages(corpus, contact):
    assert contact.get("/desk/kb/").status_code == 404
    assert contact.get(f"/desk/kb/{corpus.disk_sop.pk}/").status_code == 404


def test_desk_list_flags_stale_articles(clock, corpus, acme, agent):
    clock.at(ny(2025, 6, 9, 9))
    services.update_article(article=corpus.vpn_faq, actor=acme.agent, review_due=date(2025, 6, 1))
    page = agent.get("/desk/kb/", {"stale": "1"}).content.decode()
    assert corpus.vpn_faq.title in page
    assert corpus.disk_sop.title not in page
    assert 'data-testid="stale"' in page
    detail = agent.get(f"/desk/kb/{corpus.vpn_faq.pk}/").content.decode()
    assert 'data-testid="stale"' in detail
    search = agent.get("/desk/kb/", {"q": "vendor escalation"}).content.decode()
    assert corpus.internal_disk.title in search


def test_desk_writes_and_edits_with_versions(acme, agent):
    answer = agent.post(
        "/desk/kb/new/",
        {
            "title": "Replace a PSU",
            "kind": "sop",
            "language": "en",
            "visibility": "public",
            "body": "1. <img src=x onerror=alert(1)> Pull the PSU.",
            "asset_models": "PowerEdge R740, ",
        },
    )
    assert answer.status_code == 302
    article = Article.objects.get(title="Replace a PSU")
    assert article.asset_models == ["PowerEdge R740"]
    page = agent.get(f"/desk/kb/{article.pk}/").content.decode()
    assert "<img" not in page.split('class="card kb-body"')[1].split("</article>")[0]
    edit = agent.post(
        f"/desk/kb/{article.pk}/edit/",
        {
            "title": "Replace a PSU",
            "kind": "sop",
            "language": "en",
            "visibility": "public",
            "body": "v2",
            "note": "shorter",
        },
    )
    assert edit.status_code == 302
    assert list(article.versions.values_list("number", "note")) == [(2, "shorter"), (1, "")]
    bad = agent.post(
        "/desk/kb/new/",
        {"title": "x", "kind": "faq", "language": "en", "visibility": "customer", "body": "y"},
    )
    assert bad.status_code == 422


def test_article_from_a_resolved_ticket_in_one_step(acme, agent):
    ticket = ts.open_ticket(
        customer=acme.customer,
        asset=acme.asset,
        subject="Disk 3 failed",
        description="RAID degraded",
        actor=acme.agent,
    )
    assert agent.post(f"/desk/tickets/{ticket.pk}/kb-article/").status_code == 302
    assert Article.objects.count() == 0  # not resolved: refused
    ts.acknowledge_ticket(ticket=ticket, actor=acme.agent)
    ts.start_work(ticket=ticket, actor=acme.agent)
    ts.resolve_ticket(ticket=ticket, actor=acme.agent, resolution="Replaced disk 3; rebuild done.")
    assert (
        'data-testid="kb-from-ticket"' in agent.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    )
    answer = agent.post(f"/desk/tickets/{ticket.pk}/kb-article/")
    article = Article.objects.get()
    assert answer["Location"] == f"/desk/kb/{article.pk}/edit/"
    assert article.title == "Disk 3 failed"
    assert "Replaced disk 3; rebuild done." in article.body
    assert "RAID degraded" in article.body
    assert article.visibility == "internal"
    assert ArticleTicket.objects.get(article=article, ticket=ticket).solved is True
    assert Article.objects.get().solved_count == 1


def test_handover_tracked_to_sign_off_in_desk_and_portal(acme, globex, agent, contact):
    assert (
        agent.post(
            f"/desk/contracts/{acme.contract.pk}/handover/", {"action": "create"}
        ).status_code
        == 302
    )
    pack = HandoverPack.objects.get(contract=acme.contract)
    assert contact.get(f"/portal/contracts/{acme.contract.pk}/handover/").status_code == 200
    assert (
        login(globex.contact.user)
        .get(f"/portal/contracts/{acme.contract.pk}/handover/")
        .status_code
        == 404
    )
    early = contact.post(f"/portal/contracts/{acme.contract.pk}/handover/", {})
    assert early.status_code == 409
    for item in pack.items.all():
        upload = SimpleUploadedFile(
            f"{item.document}.pdf", b"%PDF x", content_type="application/pdf"
        )
        answer = agent.post(
            f"/desk/contracts/{acme.contract.pk}/handover/",
            {"action": "upload", "item": item.pk, "file": upload},
        )
        assert answer.status_code == 302
    first = pack.items.order_by("id").first()
    assert contact.get(f"/portal/handover-documents/{first.pk}/").status_code == 200
    assert (
        login(globex.contact.user).get(f"/portal/handover-documents/{first.pk}/").status_code == 404
    )
    assert contact.get(f"/desk/handover-documents/{first.pk}/").status_code == 404
    signed = contact.post(f"/portal/contracts/{acme.contract.pk}/handover/", {"note": "ok"})
    assert signed.status_code == 302
    pack.refresh_from_db()
    assert pack.signed_off_by == acme.contact.user
    assert (
        'data-testid="signed-off"'
        in agent.get(f"/desk/contracts/{acme.contract.pk}/handover/").content.decode()
    )


def test_training_planned_in_desk_acknowledged_in_portal(clock, acme, agent, contact):
    clock.at(ny(2025, 6, 9, 9))
    answer = agent.post(
        f"/desk/contracts/{acme.contract.pk}/handover/",
        {
            "action": "training",
            "topic": "RAID basics",
            "starts_at": "2025-06-09T12:00",
            "duration_minutes": "90",
            "trainer": "Li Wei",
            "attendees": [acme.contact.pk],
        },
    )
    assert answer.status_code == 302
    session = TrainingSession.objects.get()
    assert "RAID basics" in contact.get("/portal/trainings/").content.decode()
    clock.at(ny(2025, 6, 9, 10))
    assert contact.post(f"/portal/trainings/{session.pk}/acknowledge/").status_code == 302
    assert session.attendees.get().acknowledged_at is not None
    agent.post(
        f"/desk/contracts/{acme.contract.pk}/handover/",
        {"action": "attendance", "session": session.pk, "attended": [acme.contact.pk]},
    )
    assert session.attendees.get().attended is True
