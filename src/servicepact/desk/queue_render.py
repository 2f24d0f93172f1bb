"""The desk queue's rows as HTML without the template engine (issue 12).

Rendering 50 rows through Django's template engine was most of the queue's request: per row
some forty variable lookups, filters and ``translate`` tags. ``queue_rows_html`` writes the
same markup with string formatting: what does not change within a page (the column labels,
the countdown's texts and units, the ticket URL) is translated and built once, each row is
one f-string of its escaped values. The template it replaces is kept as the specification:
``desk/tests/test_queue_render.py`` renders both for varied rows, in English and Chinese,
and asserts byte equality (as ``core.widgets.QuickSelect`` is tested against ``Select``).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from servicepact.core.templatetags.sp_tags import (
    SHORT_DATETIME_FORMAT,
    bar_percent,
    countdown_duration,
    percent,
)
from servicepact.core.time import InstantFormat, duration_units, now
from servicepact.desk.queue import QueueRow

_PK = 987654321  # a stand-in id: the ticket URL is reversed once and the id put in its place


def _e(value: Any) -> str:
    """A value as ``{{ value }}`` writes it (also ``{% translate %}``: translated, escaped):
    Django's ``escape`` is ``html.escape`` of the text; safe strings are left as they are."""
    if type(value) is str:
        return html.escape(value)
    return str(conditional_escape(value))


@dataclass(frozen=True)
class _Page:
    """What every row of a page shares, in the active language."""

    sla: str
    ticket: str
    customer: str
    priority: str
    status: str
    assignee: str
    deadline: str
    used: str
    unassigned: str
    replied: str
    paused: str
    no_sla: str
    url_head: str
    url_tail: str
    countdown_attrs: str  # data-future, data-past, data-units of the countdown
    opened: str  # "opened %(when)s"
    left: str  # "%(duration)s left"
    overdue: str  # "%(duration)s overdue"
    share_used: str  # "%(metric)s: share of the target used"
    stamp: InstantFormat  # ``in_zone_short`` in the agent's zone, names and labels looked up once
    labels: dict[tuple[str, Any], str] = field(default_factory=dict)  # shown once, escaped

    def label(self, row: QueueRow, kind: str, value: Any) -> str:
        """A row's state, category or status label, escaped (each value once a page)."""
        key = (kind, value)
        found = self.labels.get(key)
        if found is None:
            found = self.labels[key] = _e(getattr(row, f"{kind}_label"))
        return found

    @classmethod
    def build(cls, agent_tz: str) -> _Page:
        head, tail = reverse("desk:ticket", args=[_PK]).split(str(_PK))
        attrs = 'data-future="{}" data-past="{}" data-units="{}"'.format(
            _e(gettext("%(duration)s left") % {"duration": "%s"}),
            _e(gettext("%(duration)s overdue") % {"duration": "%s"}),
            _e(" ".join(duration_units())),
        )
        return cls(
            sla=_e(gettext("SLA")),
            ticket=_e(gettext("Ticket")),
            customer=_e(gettext("Customer")),
            priority=_e(gettext("Priority")),
            status=_e(gettext("Status")),
            assignee=_e(gettext("Assignee")),
            deadline=_e(gettext("Next deadline")),
            used=_e(gettext("Target used")),
            unassigned=_e(gettext("Unassigned")),
            replied=_e(gettext("Customer replied")),
            paused=_e(gettext("Paused, no deadline")),
            no_sla=_e(gettext("No SLA (out of contract)")),
            url_head=head,
            url_tail=tail,
            countdown_attrs=attrs,
            opened=gettext("opened %(when)s"),
            left=gettext("%(duration)s left"),
            overdue=gettext("%(duration)s overdue"),
            share_used=gettext("%(metric)s: share of the target used"),
            stamp=InstantFormat(agent_tz or "UTC", SHORT_DATETIME_FORMAT),
        )


def _countdown(page: _Page, deadline: datetime) -> str:
    """``{% countdown deadline %}`` (``sp_tags.countdown``) with the page's shared texts."""
    moment = now()
    state = "past" if deadline <= moment else "future"
    stamp = _e(deadline.isoformat())
    seconds = int((deadline - moment).total_seconds())  # as sp_tags.countdown_text
    if seconds >= 0:
        text = _e(page.left % {"duration": countdown_duration(seconds)})
    else:
        text = _e(page.overdue % {"duration": countdown_duration(-seconds)})
    return (
        f'<time class="countdown countdown-{state}" datetime="{stamp}" data-deadline="{stamp}" '
        f"{page.countdown_attrs}>{text}</time>"
    )


def _row(page: _Page, row: QueueRow) -> str:
    t = row.ticket
    state = _e(row.state)
    asset = f"{_e(t.asset.hostname)} · " if t.asset else ""
    opened = page.opened % {"when": _e(page.stamp(t.opened_at))}
    replied = ""
    if t.customer_replied_at:
        replied = (
            ' <span class="tag tag-replied" data-testid="customer-replied" '
            f'title="{_e(page.stamp(t.customer_replied_at))}">{page.replied}</span>'
        )
    if t.assignee:
        who = _e(t.assignee.get_full_name() or t.assignee.get_username())
    else:
        who = f'<span class="muted">{page.unassigned}</span>'
    clock = row.clock
    if clock:
        deadline_at = clock.deadline_at
        assert deadline_at is not None  # next_clock: a running clock with a deadline
        label = _e(clock.label)
        deadline = (
            f"\n      \n        {_countdown(page, deadline_at)}\n"
            f'        <span class="sub">{label} · {_e(page.stamp(deadline_at))}</span>\n'
            "      \n    "
        )
        width = bar_percent(clock.fraction)
        aria = page.share_used % {"metric": label}
        meter = (
            "\n      \n      "
            f'<div class="meter meter-{_e(clock.tone)}" role="progressbar" aria-valuemin="0" '
            f'aria-valuemax="100" aria-valuenow="{width}"\n'
            f'           aria-label="{aria}">\n'
            f'        <span class="meter-fill w-pct-{width}"></span>\n'
            '        <span class="meter-tick" aria-hidden="true"></span>\n'
            "      </div>\n"
            f'      <span class="sub">{_e(percent(clock.fraction))}</span>\n'
            "      \n    "
        )
    else:
        if row.state == "paused":
            deadline = f'\n      <span class="muted">{page.paused}</span>\n      \n    '
        elif row.state == "no_sla":
            deadline = f'\n      <span class="muted">{page.no_sla}</span>\n      \n    '
        else:
            deadline = '\n      <span class="muted">—</span>\n    '
        meter = "\n      \n    "
    return (
        "\n  \n"
        f'  <tr class="row-{state}" data-ticket="{t.pk}">\n'
        f'    <td data-label="{page.sla}"><span class="state state-{state}">'
        f"{page.label(row, 'state', row.state)}</span></td>\n"
        f'    <td class="col-ticket" data-label="{page.ticket}">\n'
        f'      <a class="ticket-link" href="{page.url_head}{t.pk}{page.url_tail}">'
        f'<span class="ticket-no">{_e(t.number)}</span> {_e(t.subject)}</a>\n'
        f'      <span class="sub">{asset}{page.label(row, "category", t.category)} · {opened}</span>\n'
        "    </td>\n"
        f'    <td data-label="{page.customer}">{_e(t.customer.name)}</td>\n'
        f'    <td data-label="{page.priority}"><span class="prio prio-{t.priority}">'
        f'P{t.priority}</span> <span class="sub">{_e(t.priority_name)}</span></td>\n'
        f'    <td data-label="{page.status}"><span class="status status-{_e(t.status)}">'
        f"{page.label(row, 'status', t.status)}</span>{replied}</td>\n"
        f'    <td data-label="{page.assignee}">{who}</td>\n'
        f'    <td class="col-deadline" data-label="{page.deadline}">{deadline}</td>\n'
        f'    <td class="col-meter" data-label="{page.used}">{meter}</td>\n'
        "  </tr>\n"
        "  \n"
        "  "
    )


def queue_rows_html(rows: Sequence[QueueRow], agent_tz: str) -> SafeString:
    """The ``<tr>`` of each row, exactly as the rows' template wrote them."""
    page = _Page.build(agent_tz)
    return mark_safe("".join(_row(page, row) for row in rows))
