"""The statement page shows the latest breaches; every breach is in CSV/JSON and paged."""

from __future__ import annotations

import json
import re

import pytest

from servicepact.billing.testing import june_month, ny
from servicepact.core.time import now as current_time
from servicepact.reports.formats import BREACH_PAGE_SIZE, TOP_BREACHES, breach_list
from servicepact.reports.models import Statement
from servicepact.reports.statement import build_statement

pytestmark = pytest.mark.django_db

MANY = 450  # three pages of 200


def _breach(i: int) -> dict:
    # Lateness cycles so that the latest ones are spread through the deadline order.
    late = (i * 37) % 1000 * 60
    return {
        "ticket": f"T-{i:04d}",
        "ticket_id": i,
        "priority": 1,
        "metric": "restore",
        "metric_label": "Restore",
        "deadline": f"2025-06-{1 + i % 28:02d}T10:00:00+00:00",
        "breached_by_seconds": late,
        "breached_by": f"{late // 60} min",
        "stopped": True,
        "cause": f"cause {i}",
        "excluded": False,
        "excluded_because": "",
    }


@pytest.fixture
def june_many(clock):
    """June closed with a stored statement carrying MANY breaches."""
    june = june_month(clock)
    clock.at(ny(2025, 7, 2, 9))
    snapshot = build_statement(june.contract, "2025-06")
    snapshot["breaches"] = [_breach(i) for i in range(MANY)]
    Statement.objects.create(
        contract=june.contract, period="2025-06", snapshot=snapshot, generated_at=current_time()
    )
    return june


def _url(june, query=""):
    return f"/reports/portal/contracts/{june.contract.pk}/statement/?period=2025-06{query}"


def _tickets(html: str) -> list[str]:
    return re.findall(r"<td>(T-\d{4}) \(P1\)</td>", html)


def test_the_page_shows_the_latest_breaches_only(client, june_many):
    client.force_login(june_many.world.contact.user)
    html = client.get(_url(june_many)).content.decode()
    expected = sorted((_breach(i) for i in range(MANY)), key=lambda b: -b["breached_by_seconds"])[
        :TOP_BREACHES
    ]
    assert _tickets(html) == [b["ticket"] for b in expected]
    assert f'id="fig-breaches">{MANY}<' in html
    assert f"The {TOP_BREACHES} latest of {MANY} breaches" in html
    assert "breaches_page=1" in html


def test_every_breach_is_in_the_pages_csv_and_json(client, june_many):
    client.force_login(june_many.world.contact.user)
    everyone = [f"T-{i:04d}" for i in range(MANY)]
    paged = []
    for page in (1, 2, 3):
        html = client.get(_url(june_many, f"&breaches_page={page}")).content.decode()
        assert f"Page {page} of 3 of the {MANY} breaches" in html
        assert ('rel="next"' in html) == (page < 3)
        assert ('rel="prev"' in html) == (page > 1)
        paged += _tickets(html)
    assert paged == everyone
    assert len(_tickets(client.get(_url(june_many, "&breaches_page=1")).content.decode())) == (
        BREACH_PAGE_SIZE
    )
    data = json.loads(client.get(_url(june_many, "&format=json")).content)
    assert [b["ticket"] for b in data["breaches"]] == everyone
    csv = client.get(_url(june_many, "&format=csv")).content.decode()
    assert all(f"\n{t}," in csv for t in everyone)


@pytest.mark.parametrize("page", ["0", "4", "x", "-1", ""])
def test_a_page_that_does_not_exist_is_a_404_naming_the_field(client, june_many, page):
    client.force_login(june_many.world.contact.user)
    response = client.get(_url(june_many, f"&breaches_page={page}"))
    assert response.status_code == 404
    assert "<strong>breaches_page</strong>" in response.content.decode()


def test_a_month_with_few_breaches_lists_them_all_in_deadline_order():
    rows = [_breach(i) for i in range(TOP_BREACHES)]
    shown = breach_list(rows)
    assert shown["rows"] == rows and not shown["top"] and shown["count"] == TOP_BREACHES
    more = [*rows, _breach(TOP_BREACHES)]
    top = breach_list(more)
    assert top["top"] and len(top["rows"]) == TOP_BREACHES
    assert breach_list(more, everything=True)["rows"] == more


def test_equal_lateness_keeps_the_deadline_order():
    rows = [{**_breach(i), "breached_by_seconds": 60} for i in range(TOP_BREACHES + 10)]
    assert breach_list(rows)["rows"] == rows[:TOP_BREACHES]
    with pytest.raises(ValueError):
        breach_list(rows, page=2)
    assert breach_list([], page=1)["rows"] == []
