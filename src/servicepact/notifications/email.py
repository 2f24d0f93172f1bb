"""One notification e-mail, as receivers expect it.

* multipart: a plain-text part (the body, then the link) and an HTML part rendered from the
  same content by ``notifications/email.html``;
* ``Auto-Submitted: auto-generated`` (RFC 3834: no auto-replies, no vacation notices);
* ``Message-ID`` ``<notification-<row id>@<domain>>``, the same on every retry, so a receiver
  that gets a message twice can tell; the sender is ``DEFAULT_FROM_EMAIL``;
* threading per ticket: every message about ticket 123 is ``In-Reply-To`` and ``References``
  ``<ticket-123@<domain>>``, so mail clients show one conversation per ticket; a message that
  answers the customer's own e-mail (the acknowledgement of a ticket opened by e-mail: its
  payload's ``reply_to``) is ``In-Reply-To`` that e-mail's Message-ID, and its
  ``References`` are the ticket's root, the e-mail's own references and its Message-ID, so
  it threads in the customer's mail client under what they sent;
* ``Reply-To`` the support mailbox (``SERVICEPACT["MAIL_REPLY_TO"]``) on customer e-mails
  about a ticket, so an answer from the mail client reaches inbound e-mail (docs/mail.md);
* a link to the ticket: the portal page for customers, the desk page for staff;
* rendered in the row's language (the recipient's, ``language_for``), which
  ``Content-Language`` names.

``<domain>`` is ``mail_domain()``: ``SERVICEPACT_MAIL_DOMAIN``, else the domain of
``DEFAULT_FROM_EMAIL``.
"""

from __future__ import annotations

import re
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from servicepact.core.config import option
from servicepact.notifications.choices import Audience
from servicepact.notifications.models import Notification

DELIVERY_HEADER = "X-ServicePact-Delivery"
MSG_ID = re.compile(r"<[^<>\s]{1,900}>")


def mail_domain() -> str:
    """The domain of Message-IDs: ``SERVICEPACT_MAIL_DOMAIN``, else the sender's domain."""
    configured = getattr(settings, "SERVICEPACT_MAIL_DOMAIN", "")
    if configured:
        return str(configured)
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return address.rpartition("@")[2] or "localhost"


def thread_root(ticket_id: int) -> str:
    """The Message-ID every message about a ticket refers to (the thread's root)."""
    return f"<ticket-{ticket_id}@{mail_domain()}>"


def message_id(row: Notification) -> str:
    return f"<notification-{row.pk}@{mail_domain()}>"


def ticket_link(row: Notification) -> str:
    """The ticket's page for this recipient: the portal for customers, the desk for staff."""
    if row.ticket_id is None:
        return ""
    name = "portal:ticket" if row.audience == Audience.CUSTOMER else "desk:ticket"
    return str(option("SITE_URL", "")).rstrip("/") + reverse(name, args=[row.ticket_id])


def headers(row: Notification) -> dict[str, str]:
    values = {
        "Message-ID": message_id(row),
        "Auto-Submitted": "auto-generated",
        "Content-Language": row.language or settings.LANGUAGE_CODE,
        DELIVERY_HEADER: row.idempotency_key,
    }
    if row.ticket_id is not None:
        values["In-Reply-To"] = values["References"] = thread_root(row.ticket_id)
        parent = _message_ids((row.payload or {}).get("reply_to"))
        if parent:
            earlier = _message_ids((row.payload or {}).get("reply_references"))
            chain = [thread_root(row.ticket_id), *earlier, parent[0]]
            values["In-Reply-To"] = parent[0]
            values["References"] = " ".join(dict.fromkeys(chain))
        reply_to = str(option("MAIL_REPLY_TO", "") or "")
        if reply_to and row.audience == Audience.CUSTOMER:
            values["Reply-To"] = reply_to
    return values


def _message_ids(value: object) -> list[str]:
    """Message-IDs (``<...>``, no spaces or brackets inside: nothing that could break a
    header line) from a payload value: one id or a list of them."""
    items = value if isinstance(value, list) else [value]
    return [str(v) for v in items if isinstance(v, str) and MSG_ID.fullmatch(v)]


def link_label(row: Notification) -> str:
    if row.audience == Audience.CUSTOMER:
        return _("Follow the ticket in the customer portal:")
    return _("Open the ticket in the service desk:")


def build_email(row: Notification) -> EmailMultiAlternatives:
    """The message for one outbox row, rendered in the row's language."""
    with translation.override(row.language or settings.LANGUAGE_CODE):
        # A body that already quotes the ticket's page (conversation messages do) keeps it there.
        link = "" if (url := ticket_link(row)) and url in row.body else url
        label = link_label(row) if link else ""
        text = row.body + (f"\n\n{label}\n{link}" if link else "")
        context = {
            "subject": row.subject,
            "paragraphs": [p for p in row.body.split("\n\n") if p.strip()],
            "link": link,
            "link_label": label,
            "language": translation.get_language(),
        }
        html = render_to_string("notifications/email.html", context)
    message = EmailMultiAlternatives(
        subject=row.subject, body=text, to=[row.recipient], headers=headers(row)
    )
    message.attach_alternative(html, "text/html")
    return message


def send_email(row: Notification) -> None:
    build_email(row).send(fail_silently=False)
