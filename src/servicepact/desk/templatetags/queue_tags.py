"""``{% queue_rows_html rows agent_tz %}``: the desk queue's rows (``desk.queue_render``)."""

from __future__ import annotations

from collections.abc import Sequence

from django import template
from django.utils.safestring import SafeString

from servicepact.desk.queue import QueueRow
from servicepact.desk.queue_render import queue_rows_html as render_rows

register = template.Library()


@register.simple_tag
def queue_rows_html(rows: Sequence[QueueRow], agent_tz: str) -> SafeString:
    return render_rows(rows, agent_tz)
