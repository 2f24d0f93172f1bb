"""The queue's rows written by ``desk.queue_render`` are byte for byte what the rows' template
wrote (kept as ``queue_rows_template.html``, the specification): for rows of every kind (each
SLA state, breached and on track countdowns, with and without asset, assignee, full name,
customer reply; markup in the subject, the customer's and the assignee's names), in English
and Chinese, with the pages line, and an empty queue."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from django.template import engines
from django.template.loader import render_to_string
from django.utils import translation

from servicepact.customers.models import Customer
from servicepact.desk.queue import Queue, QueueRow, build_queue
from servicepact.tickets import services as ts
from servicepact.tickets.choices import Category
from servicepact.tickets.models import Ticket
from servicepact.tickets.sla_state import SlaState

from .conftest import ny

pytestmark = pytest.mark.django_db

REFERENCE = Path(__file__).with_name("queue_rows_template.html")


def _both(queue: Queue, agent_tz: str, language: str) -> tuple[str, str]:
    context = {"queue": queue, "agent_tz": agent_tz, "query": "priority=1", "next_query": "x=1"}
    with translation.override(language):
        template = engines["django"].from_string(REFERENCE.read_text())
        return template.render(context), render_to_string("desk/_queue_rows.html", context)


def _world(clock, acme, globex):
    clock.at(ny(2025, 3, 3, 9))
    acme.agent.first_name, acme.agent.last_name = "Ann <b>", "O'Hara & Co"
    acme.agent.save()
    Customer.objects.filter(pk=globex.customer.pk).update(name='Globex "<Intl>" & Sons')
    made = []
    for i, priority in enumerate((2, 3, 4, 1, 1, 4)):
        made.append(
            ts.open_ticket(
                customer=acme.customer if i % 2 else globex.customer,
                asset=acme.asset if i % 2 else None,
                subject=f"<script>alert({i})</script> & 'quotes' \"{i}\"",
                priority=priority,
                category=Category.NETWORK,
            )
        )
    ts.acknowledge_ticket(ticket=made[0], actor=acme.agent)
    ts.assign_ticket(ticket=made[0], actor=acme.agent, assignee=acme.agent)
    ts.acknowledge_ticket(ticket=made[1], actor=acme.agent)
    ts.assign_ticket(ticket=made[1], actor=acme.agent, assignee=globex.agent)  # no full name
    ts.pause_ticket(ticket=made[1], actor=acme.agent, reason="logs")
    Ticket.objects.filter(pk=made[2].pk).update(customer_replied_at=ny(2025, 3, 3, 9, 5))
    # Later: some first responses breached (P1: 30 min), others at risk or on track.
    clock.at(ny(2025, 3, 3, 10, 40))
    return made


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("zone", ["Europe/Berlin", "Asia/Shanghai"])
def test_rows_equal_the_template(clock, acme, globex, language, zone):
    _world(clock, acme, globex)
    queue = build_queue(acme.agent, {}, ny(2025, 3, 3, 10, 40))
    states = {row.state for row in queue.rows}
    assert {SlaState.BREACHED, SlaState.PAUSED} <= states
    # Rows of the states the data above does not reach, and rows without a clock.
    first, second = queue.rows[0], queue.rows[-1]
    extra = [
        replace(first, state=SlaState.NO_SLA, clock=None),
        replace(first, state=SlaState.MET, clock=None),
        replace(second, state=SlaState.AT_RISK),
        replace(second, state=SlaState.ON_TRACK),
    ]
    paged = replace(queue, rows=[*queue.rows, *extra], after="abc", next_cursor="def")
    reference, fast = _both(paged, zone, language)
    assert "<script>" not in fast and "countdown-past" in fast and "countdown-future" in fast
    assert fast == reference


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_empty_queue_equals_the_template(db, language):
    empty = Queue(rows=[], total=0, counts=[])
    reference, fast = _both(empty, "UTC", language)
    assert fast == reference


def test_a_row_is_what_the_template_writes_for_it(clock, acme, globex):
    """Each row alone as well (a difference shows which row differs)."""
    _world(clock, acme, globex)
    queue = build_queue(acme.agent, {}, ny(2025, 3, 3, 10, 40))
    for row in queue.rows:
        single: list[QueueRow] = [row]
        reference, fast = _both(replace(queue, rows=single), "America/New_York", "en")
        assert fast == reference, row.ticket.subject


@pytest.mark.parametrize("chosen", [None, "globex", "bogus"])
def test_customer_filter_options_equal_the_model_choices(acme, globex, chosen):
    """The filter's customers read as (id, name) values give the options that customer
    instances gave (names with markup, the chosen one selected, a bad value)."""
    from django import forms

    from servicepact.core.widgets import QuickSelect
    from servicepact.desk.forms import QueueFilterForm

    Customer.objects.filter(pk=globex.customer.pk).update(name='Globex "<Intl>" & Sons')
    field = QueueFilterForm.base_fields["customer"]

    class Instances(forms.Form):
        customer = forms.ModelChoiceField(
            label=field.label,
            queryset=field.queryset,
            required=False,
            empty_label=field.empty_label,
            widget=QuickSelect,
        )

    value = {"globex": str(globex.customer.pk), "bogus": "x", None: ""}[chosen]
    data = {"customer": value}
    fast = str(QueueFilterForm(data)["customer"])
    assert fast == str(Instances(data)["customer"])
    assert "Globex &quot;&lt;Intl&gt;&quot; &amp; Sons" in fast
    assert (f'value="{globex.customer.pk}" selected' in fast) == (chosen == "globex")
