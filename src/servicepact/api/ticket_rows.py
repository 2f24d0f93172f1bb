"""The ticket list's rows read as plain values and written as JSON at once (issue 12).

``GET /api/v1/tickets`` answered 50 rows by building ~450 model instances (the tickets and
eight related rows each, with the clocks prefetched) and letting django-ninja validate each
row against ``TicketList`` through its attribute getters before ``json.dumps``: about two
thirds of the request's CPU. Here a page is read with ``values()`` (one query for the rows and
their related names, one for the clock snapshots), each row is built in ``TicketList``'s field
order with the same rules as ``ticket_render.render_summary`` (the coverage explanation, the
contact's view of a monitoring subject, user names through an unsaved user), and the page is
encoded with ninja's own encoder. ``test_ticket_rows.py`` checks that the body equals, byte for
byte, what validating the model-built rows through ``TicketList`` gives.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja.responses import NinjaJSONEncoder

from servicepact.api.common import user_ref
from servicepact.api.ticket_render import metric_rank
from servicepact.assets.coverage import explain
from servicepact.core.pagination import PageQuery, api_page
from servicepact.tickets.choices import Channel
from servicepact.tickets.models import SlaClock, Ticket

ROW_FIELDS = (
    "id", "number", "kind", "status", "subject", "channel", "category", "impact", "urgency",
    "priority", "priority_name", "waiting_reason", "support_level", "opened_at", "acknowledged_at",
    "resolved_at", "closed_at", "next_deadline_at", "coverage", "coverage_explanation",
    "coverage_facts", "coverage_expires_on", "contract_id", "customer_id", "customer__name",
    "contact_id", "contact__name", "asset_id", "asset__hostname", "site_id", "site__name",
    "assignee_id", "assignee__username", "assignee__first_name", "assignee__last_name",
    "team_id", "team__name", "contract__number", "contract_version_id",
    "contract_version__number", "warranty_id",
)  # fmt: skip
CLOCK_FIELDS = (
    "ticket_id", "metric", "state", "target_seconds", "deadline_at", "breached_at",
    "evaluated_at",
)  # fmt: skip


def _ref(pk: int | None, value: Any, attr: str = "name") -> dict[str, Any] | None:
    return None if pk is None else {"id": pk, attr: value}


def _subject(row: dict[str, Any], staff: bool) -> str:
    """``Ticket.customer_subject`` for contacts (a monitoring alert's name stays internal)."""
    if staff or row["channel"] != Channel.MONITORING:
        return str(row["subject"])
    if row["asset_id"] is not None:
        return str(_("Monitoring alert on %(host)s") % {"host": row["asset__hostname"]})
    return str(_("Monitoring alert"))


def ticket_page(tickets: QuerySet[Ticket], paging: PageQuery, *, staff: bool) -> dict[str, Any]:
    """The ``TicketList`` envelope of ``tickets`` (ordered newest first) as plain values."""
    result = api_page(
        tickets.select_related(None).prefetch_related(None).values(*ROW_FIELDS), paging
    )
    rows: list[dict[str, Any]] = result["items"]
    clocks: dict[int, list[tuple[Any, ...]]] = {}
    if rows:
        found = (
            SlaClock.objects.filter(ticket_id__in=[r["id"] for r in rows])
            .order_by("metric")
            .values_list(*CLOCK_FIELDS)
        )
        for clock in found:
            clocks.setdefault(clock[0], []).append(clock)
    users: dict[int, Any] = {}
    User = get_user_model()
    rank = metric_rank()
    levels = {k: str(v) for k, v in Ticket._meta.get_field("support_level").flatchoices}
    items = []
    for r in rows:
        assignee = None
        if r["assignee_id"] is not None:
            user = users.get(r["assignee_id"])
            if user is None:
                user = users[r["assignee_id"]] = User(
                    pk=r["assignee_id"],
                    username=r["assignee__username"],
                    first_name=r["assignee__first_name"],
                    last_name=r["assignee__last_name"],
                )
            assignee = user_ref(user)
        facts = r["coverage_facts"] or {}
        own = sorted(clocks.get(r["id"], []), key=lambda c: rank.get(c[1], len(rank)))
        items.append(
            {
                "id": r["id"],
                "number": r["number"],
                "kind": r["kind"],
                "status": r["status"],
                "subject": _subject(r, staff),
                "customer": {"id": r["customer_id"], "name": r["customer__name"]},
                "contact": _ref(r["contact_id"], r["contact__name"]),
                "asset": _ref(r["asset_id"], r["asset__hostname"], "hostname"),
                "site": _ref(r["site_id"], r["site__name"]),
                "channel": r["channel"],
                "category": r["category"],
                "impact": r["impact"],
                "urgency": r["urgency"],
                "priority": r["priority"],
                "priority_name": r["priority_name"],
                "waiting_reason": r["waiting_reason"],
                "support_level": r["support_level"],
                "support_level_label": levels.get(r["support_level"], str(r["support_level"])),
                "assignee": assignee,
                "team": _ref(r["team_id"], r["team__name"]),
                "opened_at": r["opened_at"],
                "acknowledged_at": r["acknowledged_at"],
                "resolved_at": r["resolved_at"],
                "closed_at": r["closed_at"],
                "next_deadline_at": r["next_deadline_at"],
                "coverage": {
                    "status": r["coverage"],
                    "explanation": explain(facts, r["coverage_explanation"]),
                    "explanation_code": str(facts.get("code", "")),
                    "contract_id": r["contract_id"],
                    "contract_number": r["contract__number"],
                    "version": r["contract_version__number"]
                    if r["contract_version_id"] is not None
                    else None,
                    "expires_on": r["coverage_expires_on"],
                    "warranty_id": r["warranty_id"],
                },
                "clocks": [
                    {
                        "metric": c[1],
                        "state": c[2],
                        "target_seconds": c[3],
                        "deadline": c[4],
                        "breached_at": c[5],
                        "evaluated_at": c[6],
                    }
                    for c in own
                ],
            }
        )
    # ``ListOut``'s envelope: count, count_exact only when false, next only when there is one.
    envelope: dict[str, Any] = {"count": result["count"]}
    if result["count_exact"] is not True:
        envelope["count_exact"] = result["count_exact"]
    if result["next"] is not None:
        envelope["next"] = result["next"]
    envelope["items"] = items
    return envelope


def json_response(data: Any) -> HttpResponse:
    """``data`` as django-ninja's JSON renderer writes it (same encoder, same content type)."""
    return HttpResponse(
        json.dumps(data, cls=NinjaJSONEncoder), content_type="application/json; charset=utf-8"
    )
