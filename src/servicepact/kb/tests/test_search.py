"""Ranked full-text search on the fixture corpus, English and Chinese, with tenancy.

The same tests run on SQLite FTS5 (the default suite) and on PostgreSQL (DATABASE_URL set).
"""

from __future__ import annotations

from django.db import connection

from servicepact.kb.search import Scope, search_articles
from servicepact.kb.text import prepare, query_terms


def titles(found):
    return [a.title for a in found]


def test_prepare_cuts_chinese_into_bigrams_and_lowercases_words():
    """Han runs become overlapping bigrams; Latin words stay whole, lower-cased."""
    assert prepare("更换RAID阵列的硬盘 Disk") == "更换 raid 阵列 列的 的硬 硬盘 disk"
    assert prepare("盘") == "盘"
    assert [t.text for t in query_terms("the disk 硬盘")] == ["disk", "硬盘"]


def test_english_query_ranks_the_title_match_first(corpus, acme):
    """ "disk replace" is in the SOP's title; the fan guide only mentions "disk" in its body
    and lacks "replace", so it is not found when some article has both words."""
    found = search_articles(acme.agent, "disk replacement")
    assert titles(found)[0] == corpus.disk_sop.title
    assert corpus.fan_guide not in found


def test_stemming_matches_other_word_forms(corpus, acme):
    found = search_articles(acme.agent, "replacing disks")
    assert titles(found)[0] == corpus.disk_sop.title


def test_chinese_word_is_found_inside_chinese_text(corpus, acme):
    """ "硬盘" appears in the Chinese SOP's title and body and in the fan guide's body: the
    title match ranks first; both are found; nothing else."""
    found = search_articles(acme.agent, "硬盘")
    assert titles(found)[0] == corpus.disk_sop_zh.title
    assert set(found) == {corpus.disk_sop_zh, corpus.fan_guide_zh}


def test_chinese_query_in_another_word_order_falls_back_to_any_term(corpus, acme):
    """ "更换硬盘" has the bigram "换硬", which no article contains: no article matches every
    term, so any term may match, and the SOP (更换 and 硬盘 in its title) ranks first."""
    found = search_articles(acme.agent, "更换硬盘")
    assert titles(found)[0] == corpus.disk_sop_zh.title


def test_chinese_faq_is_found_by_a_two_character_word(corpus, acme):
    found = search_articles(acme.agent, "密码")
    assert titles(found) == [corpus.vpn_faq_zh.title]


def test_mixed_query(corpus, acme):
    found = search_articles(acme.agent, "VPN 密码")
    assert titles(found) == [corpus.vpn_faq_zh.title]


def test_single_chinese_character_matches_as_a_prefix(corpus, acme):
    """ "噪" starts the bigram "噪音" of the fan guide."""
    assert titles(search_articles(acme.agent, "噪")) == [corpus.fan_guide_zh.title]


def test_contact_finds_public_and_own_customer_articles_only(corpus, acme, globex):
    """Acme's contact finds Acme's known error, never Globex's, never the internal manual."""
    assert corpus.acme_backup in search_articles(acme.contact.user, "quota")
    assert search_articles(globex.contact.user, "quota") == []
    assert search_articles(acme.contact.user, "磁盘配额") == []
    assert titles(search_articles(globex.contact.user, "磁盘配额")) == [
        corpus.globex_backup_zh.title
    ]
    assert search_articles(acme.contact.user, "vendor escalation") == []
    assert titles(search_articles(acme.agent, "vendor escalation")) == [corpus.internal_disk.title]


def test_contact_search_of_disk_lists_only_visible_articles(corpus, acme):
    found = search_articles(acme.contact.user, "disk")
    assert corpus.internal_disk not in found
    assert found[0] == corpus.disk_sop


def test_public_only_scope_and_strangers(corpus, acme, django_user_model):
    stranger = django_user_model.objects.create_user("nobody", password="x")
    assert search_articles(stranger, "disk") == []
    public = search_articles(scope=Scope(public_only=True), query="quota")
    assert public == []


def test_limit_is_applied_in_sql(corpus, acme, django_assert_max_num_queries):
    """Two queries at most: the ranked ids (LIMIT) and the articles of those ids."""
    with django_assert_max_num_queries(2):
        found = search_articles(acme.agent, "disk", limit=1)
    assert len(found) == 1


def test_edits_are_indexed_and_deletes_leave_the_index(corpus, acme):
    from servicepact.kb.services import update_article

    update_article(article=corpus.vpn_faq, actor=acme.agent, title="Reset a forgotten token")
    assert titles(search_articles(acme.agent, "forgotten token")) == ["Reset a forgotten token"]
    corpus.fan_guide.delete()
    assert search_articles(acme.agent, "firmware fan") == []


def test_operators_in_queries_are_plain_words(corpus, acme):
    """FTS5/tsquery syntax in a query is not interpreted (no error, no injection)."""
    assert search_articles(acme.agent, 'disk" OR "x* NEAR(a b) & | !') != []
    assert search_articles(acme.agent, "!!! ***") == []


def test_backend_index_exists(db):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE 'kb_article_fts%'")
            names = {row[0] for row in cursor.fetchall()}
            assert {"kb_article_fts", "kb_article_fts_insert", "kb_article_fts_update"} <= names
        else:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'kb_article'")
            assert "kb_article_search_gin" in {row[0] for row in cursor.fetchall()}
