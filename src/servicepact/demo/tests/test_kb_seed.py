"""The demo's knowledge base (demo/kb_seed.py): a customer's engineer finds the disk SOP in
both languages; one handover is signed off, one under way; the training is in its month's
statement. (Run on the test worlds: the whole ``seed_demo`` takes minutes.)"""

from __future__ import annotations

from types import SimpleNamespace

from servicepact.core.testing import ny
from servicepact.demo.kb_seed import seed_knowledge
from servicepact.kb.models import HandoverPack, TrainingSession
from servicepact.kb.search import search_articles
from servicepact.reports.statement import build_statement
from servicepact.tickets.testing import acme, globex  # noqa: F401 (fixtures)


def test_demo_knowledge_base_and_handover(clock, acme, globex):  # noqa: F811
    clock.at(ny(2025, 7, 15, 9))
    customers = [
        SimpleNamespace(
            customer=w.customer, contract=w.contract, contact=w.contact, extra_contacts=[]
        )
        for w in (acme, globex)
    ]
    seed_knowledge(customers, {"agent": acme.agent}, lambda _: None)
    for engineer in (acme.contact.user, globex.contact.user):
        english = search_articles(engineer, "disk replacement")
        chinese = search_articles(engineer, "更换硬盘")
        assert english[0].title == "Replace a failed disk in a RAID array"
        assert chinese[0].title == "更换 RAID 阵列中的故障硬盘"
        assert chinese[0].translation_of_id == english[0].pk
    assert HandoverPack.objects.get(contract=acme.contract).signed_off_by == acme.contact.user
    assert HandoverPack.objects.get(contract=globex.contract).signed_off_at is None
    session = TrainingSession.objects.get()
    assert [t["topic"] for t in build_statement(acme.contract, "2025-06")["training"]] == [
        session.topic
    ]
