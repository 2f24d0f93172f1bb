"""The knowledge-base API: articles (staff CRUD, contacts read by visibility), search in both
languages, tenancy 404s and the usual error codes."""

from __future__ import annotations

import typing

from servicepact.accounts.services import create_api_token
from servicepact.kb import api as kb_api
from servicepact.kb.choices import ArticleKind, Language, Visibility
from servicepact.kb.models import Article, ArticleVersion

BASE = "/api/v1"


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=user)[1]}"}


def test_literal_types_match_the_choices():
    assert set(typing.get_args(kb_api.Kind)) == set(ArticleKind.values)
    assert set(typing.get_args(kb_api.Lang)) == set(Language.values)
    assert set(typing.get_args(kb_api.Vis)) == set(Visibility.values)


def test_staff_create_read_update_delete(client, acme):
    staff = bearer(acme.agent)
    body = {
        "kind": "sop",
        "title": "Replace a disk",
        "body": "Steps <script>alert(1)</script>",
        "visibility": "public",
        "assets": [acme.asset.pk],
        "asset_models": ["PowerEdge R740"],
    }
    created = client.post(f"{BASE}/kb/articles", body, content_type="application/json", **staff)
    assert created.status_code == 201, created.content
    article = created.json()
    assert article["version"] == 1
    assert "<script" not in article["body_html"]
    assert article["asset_models"] == ["PowerEdge R740"]
    pk = article["id"]

    patched = client.patch(
        f"{BASE}/kb/articles/{pk}",
        {"body": "New steps", "note": "clearer"},
        content_type="application/json",
        **staff,
    )
    assert patched.status_code == 200
    assert patched.json()["version"] == 2
    versions = client.get(f"{BASE}/kb/articles/{pk}/versions", **staff).json()
    assert [v["number"] for v in versions["items"]] == [2, 1]
    assert versions["items"][0]["author"] == acme.agent.username
    assert versions["items"][1]["body"] == "Steps <script>alert(1)</script>"

    deleted = client.delete(f"{BASE}/kb/articles/{pk}", **staff)
    assert deleted.json() == {"id": pk, "deleted": True}
    assert not Article.objects.filter(pk=pk).exists()
    assert not ArticleVersion.objects.filter(article_id=pk).exists()


def test_validation_errors_name_the_field(client, acme):
    staff = bearer(acme.agent)
    bad_kind = client.post(
        f"{BASE}/kb/articles",
        {"kind": "poem", "title": "x", "body": "y"},
        content_type="application/json",
        **staff,
    )
    assert bad_kind.status_code == 422
    assert bad_kind.json()["detail"][0]["loc"] == ["body", "kind"]
    no_customer = client.post(
        f"{BASE}/kb/articles",
        {"kind": "faq", "title": "x", "body": "y", "visibility": "customer"},
        content_type="application/json",
        **staff,
    )
    assert no_customer.status_code == 422
    assert no_customer.json()["detail"][0]["loc"] == ["body", "customer"]
    assert Article.objects.count() == 0


def test_contacts_read_by_visibility_and_cannot_write(client, corpus, acme, globex):
    acme_contact, globex_contact = bearer(acme.contact.user), bearer(globex.contact.user)
    url = f"{BASE}/kb/articles/{{}}"
    assert client.get(url.format(corpus.disk_sop.pk), **acme_contact).status_code == 200
    assert client.get(url.format(corpus.acme_backup.pk), **acme_contact).status_code == 200
    assert client.get(url.format(corpus.acme_backup.pk), **globex_contact).status_code == 404
    assert client.get(url.format(corpus.internal_disk.pk), **acme_contact).status_code == 404
    listed = client.get(f"{BASE}/kb/articles?limit=100", **globex_contact).json()
    ids = {a["id"] for a in listed["items"]}
    assert corpus.globex_backup_zh.pk in ids
    assert not {corpus.acme_backup.pk, corpus.internal_disk.pk} & ids
    assert listed["count"] == 7
    create = client.post(
        f"{BASE}/kb/articles",
        {"kind": "faq", "title": "x", "body": "y"},
        content_type="application/json",
        **acme_contact,
    )
    assert create.status_code == 403
    patch = client.patch(
        url.format(corpus.disk_sop.pk),
        {"title": "x"},
        content_type="application/json",
        **acme_contact,
    )
    assert patch.status_code == 403
    assert client.delete(url.format(corpus.acme_backup.pk), **globex_contact).status_code == 404


def test_search_in_english_and_chinese(client, corpus, acme, globex):
    contact = bearer(acme.contact.user)
    english = client.get(f"{BASE}/kb/search", {"q": "disk replacement"}, **contact).json()
    assert english["items"][0]["id"] == corpus.disk_sop.pk
    chinese = client.get(f"{BASE}/kb/search", {"q": "更换硬盘"}, **contact).json()
    assert chinese["items"][0]["id"] == corpus.disk_sop_zh.pk
    assert chinese["items"][0]["url"] == f"{BASE}/kb/articles/{corpus.disk_sop_zh.pk}"
    hidden = client.get(f"{BASE}/kb/search", {"q": "磁盘配额"}, **contact).json()
    assert hidden == {"items": [], "count": 0}
    other = client.get(f"{BASE}/kb/search", {"q": "磁盘配额"}, **bearer(globex.contact.user)).json()
    assert [i["id"] for i in other["items"]] == [corpus.globex_backup_zh.pk]
    only_zh = client.get(
        f"{BASE}/kb/search", {"q": "disk", "language": "zh-hans"}, **bearer(acme.agent)
    ).json()
    assert only_zh["count"] == 0


def test_search_needs_a_query(client, acme):
    response = client.get(f"{BASE}/kb/search", {"q": ""}, **bearer(acme.agent))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "q"]
    assert client.get(f"{BASE}/kb/search", {"q": "x"}).status_code == 401


def test_link_ticket_counts_solved_once(client, corpus, acme, globex):
    from servicepact.tickets.services import open_ticket

    ticket = open_ticket(customer=acme.customer, subject="Disk failed", actor=acme.agent)
    staff = bearer(acme.agent)
    url = f"{BASE}/kb/articles/{corpus.disk_sop.pk}/tickets"
    for _ in range(2):
        answer = client.post(
            url, {"ticket": ticket.pk, "solved": True}, content_type="application/json", **staff
        )
        assert answer.status_code == 200
    assert answer.json()["solved_count"] == 1
    missing = client.post(url, {"ticket": 999999}, content_type="application/json", **staff)
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "ticket"]
