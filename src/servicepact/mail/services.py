"""Writes of inbound e-mail: mailboxes and their tokens, customers' mail domains, and
``receive_message``, the one path of every received message (IMAP and the push endpoint).

``receive_message(raw=..., mailbox=...)``, exactly once per message:

1. The deduplication key (SHA-256 of the Message-ID, else of the raw bytes) is inserted with
   the raw message first; a message already received answers "duplicate" with what it became
   (a concurrent insert of the same key waits for the other transaction, then finds its row).
2. In a savepoint: parse (``mail.parsing``); never open anything for auto-replies, bounces,
   bulk or list mail and our own messages (ignored, with the reason).
3. The sender -> a contact (its address, or its portal user's), else a customer by the
   address's domain (``MailDomain``), the sender then becoming a contact of it (no portal
   account, no statements); nobody -> kept for triage on the desk. A mailbox with a customer
   matches only that customer's contacts and domains.
4. The ticket it answers: In-Reply-To/References naming our messages (``<ticket-N@…>``,
   ``<notification-N@…>``) or an earlier inbound message, else ``[SP-000123]`` in the subject.
   Only a ticket of the sender's customer counts (tenancy: a reference to another customer's
   ticket is ignored and a new ticket is opened for the sender's customer); a closed ticket
   gets a new ticket too. Found -> a public reply from the customer; else a new ticket
   (channel e-mail), acknowledged to the sender by e-mail so the conversation can continue there.
5. Anything that fails in step 2-4 rolls back to the savepoint and the message is kept as
   "failed" with the reason: never lost, never half-processed.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from servicepact.accounts.actors import Actor, actor_name
from servicepact.accounts.services import hash_token, new_hashed_token
from servicepact.core.config import option
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.services import save_validated
from servicepact.core.time import now as current_time
from servicepact.customers.models import Contact, Customer
from servicepact.customers.services import create_contact
from servicepact.mail.choices import ImapSecurity, Outcome
from servicepact.mail.models import InboundMessage, Mailbox, MailDomain
from servicepact.mail.parsing import (
    Attachment,
    ParsedMail,
    Unparseable,
    dedupe_key,
    own_reference,
    parse,
    quick_message_id,
)
from servicepact.notifications import language_for
from servicepact.notifications.choices import Audience
from servicepact.notifications.email import mail_domain
from servicepact.notifications.models import Notification
from servicepact.notifications.services import Message, notify_email
from servicepact.tickets import services as tickets
from servicepact.tickets import system_notes as notes
from servicepact.tickets.attachments import add_attachment, max_bytes
from servicepact.tickets.choices import SUBJECT_MAX_CHARS, TEXT_MAX_CHARS, Category, Channel, Status
from servicepact.tickets.models import Comment, Ticket
from servicepact.tickets.system_notes import SystemNote

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "spm_"
TICKET_TAG = re.compile(r"\[(SP-\d{6,})\]", re.IGNORECASE)
REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|aw|sv|fw|fwd|wg|antw|答复|回复|转发|回覆)\s*(?:\[\d+\])?\s*[:：]\s*)+",
    re.IGNORECASE,
)


# ---------------------------------------------------------------- mailboxes and domains


def new_token() -> tuple[str, str, str]:
    """(raw token, prefix, SHA-256): the raw token is shown once and never stored."""
    return new_hashed_token(TOKEN_PREFIX)


@transaction.atomic
def create_mailbox(
    *,
    name: str,
    address: str,
    customer: Customer | None = None,
    imap_host: str = "",
    imap_port: int | None = None,
    imap_security: str = ImapSecurity.SSL,
    imap_user: str = "",
    imap_password_env: str = "",
    folder: str = "INBOX",
) -> tuple[Mailbox, str]:
    """Creates a mailbox; returns it with its raw inbound token (shown once, stored hashed)."""
    raw, prefix, digest = new_token()
    if imap_port is None:
        imap_port = 993 if imap_security == ImapSecurity.SSL else 143
    mailbox = Mailbox(
        name=name.strip(),
        address=address.strip().lower(),
        customer=customer,
        token_prefix=prefix,
        token_hash=digest,
        imap_host=imap_host.strip(),
        imap_port=imap_port,
        imap_security=imap_security,
        imap_user=imap_user.strip(),
        imap_password_env=imap_password_env.strip(),
        folder=folder.strip() or "INBOX",
    )
    errors: dict[str, list[str]] = {}
    if mailbox.imap_host and not (mailbox.imap_user and mailbox.imap_password_env):
        errors["imap_user"] = [_("IMAP polling needs a user and the password's variable name")]
    if errors:
        raise DomainValidationError(errors)
    save_validated(mailbox)
    return mailbox, raw


@transaction.atomic
def rotate_mailbox_token(*, mailbox: Mailbox) -> str:
    """Replaces the inbound token; the old one stops working at once."""
    raw, prefix, digest = new_token()
    Mailbox.objects.filter(pk=mailbox.pk).update(token_prefix=prefix, token_hash=digest)
    mailbox.token_prefix, mailbox.token_hash = prefix, digest
    return raw


def authenticate_mailbox(raw: str) -> Mailbox | None:
    """The active mailbox with this token, or None (the API answers 401)."""
    return (
        Mailbox.objects.select_related("customer")
        .filter(token_hash=hash_token(raw), is_active=True)
        .first()
    )


@transaction.atomic
def add_mail_domain(*, customer: Customer, domain: str) -> MailDomain:
    """Unknown senders of ``domain`` are matched to ``customer`` from now on."""
    cleaned = domain.strip().lower().lstrip("@")
    if not re.fullmatch(r"[a-z0-9.-]+\.[a-z0-9-]+", cleaned):
        raise DomainValidationError({"domain": [_("must be a domain name such as example.com")]})
    taken = MailDomain.objects.filter(domain=cleaned).select_related("customer").first()
    if taken is not None:
        raise DomainValidationError(
            {"domain": [_("already belongs to %(customer)s") % {"customer": taken.customer.name}]}
        )
    return MailDomain.objects.create(customer=customer, domain=cleaned)


# ---------------------------------------------------------------- receiving


@dataclass(frozen=True)
class Received:
    """What the push endpoint answers and the poller counts."""

    message: InboundMessage
    ignored: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ticket": self.message.ticket_id,
            "comment": self.message.comment_id,
            "ignored": self.ignored,
        }


def own_addresses() -> frozenset[str]:
    """Addresses we send from: a message from one of them is a loop."""
    found = {a.lower() for a in Mailbox.objects.values_list("address", flat=True)}
    for configured in (settings.DEFAULT_FROM_EMAIL, option("MAIL_REPLY_TO", "")):
        address = parseaddr(str(configured or ""))[1].lower()
        if address:
            found.add(address)
    return frozenset(found)


def receive_message(
    *, raw: bytes, mailbox: Mailbox | None, received_at: datetime | None = None
) -> Received:
    """Processes one raw message exactly once (see the module docstring)."""
    moment = received_at or current_time()
    key = dedupe_key(quick_message_id(raw), raw)
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = InboundMessage.objects.create(
                    mailbox=mailbox,
                    dedupe_key=key,
                    received_at=moment,
                    raw=raw,
                    outcome=Outcome.FAILED,
                    reason="being processed",
                    reason_notes=[SystemNote(notes.MAIL_PROCESSING).as_data()],
                )
        except IntegrityError:
            earlier = InboundMessage.objects.get(dedupe_key=key)
            when = earlier.received_at.isoformat()
            return Received(earlier, ignored=f"duplicate: already received at {when}")
        try:
            with transaction.atomic():
                _process(row, raw, mailbox)
        except Unparseable as exc:
            _failed(row, f"unparseable: {exc}")
        except DomainValidationError as exc:
            _failed(row, f"refused: {exc}")
        except Exception as exc:  # kept with the reason, never lost; the log has the trace
            logger.exception("inbound message %s failed", row.pk)
            _failed(row, f"{type(exc).__name__}: {exc}")
        # Everything but the raw bytes, stored once above.
        row.save(
            update_fields=[
                f.name for f in InboundMessage._meta.concrete_fields if f.name not in ("id", "raw")
            ]
        )
    ignored = None
    if row.outcome not in (Outcome.TICKET, Outcome.COMMENT):
        ignored = f"{row.outcome}: {row.reason}"
    return Received(row, ignored=ignored)


def _failed(row: InboundMessage, reason: str) -> None:
    # The exception's text as raised (not translated): no notes, every language shows it.
    row.outcome, row.reason, row.reason_notes = Outcome.FAILED, reason[:2000], []
    row.ticket = row.comment = row.customer = row.contact = None


def _process(row: InboundMessage, raw: bytes, mailbox: Mailbox | None) -> None:
    parsed = parse(raw, own_domain=mail_domain(), own_addresses=own_addresses())
    row.message_id = parsed.message_id
    row.sender, row.sender_name = parsed.sender, parsed.sender_name
    row.subject = parsed.subject[:500]
    if parsed.loop_reason:
        row.outcome = Outcome.IGNORED
        _set_reason(row, [parsed.loop_note] if parsed.loop_note else [])
        return
    customer, contact, why = match_sender(parsed.sender, mailbox)
    row.customer, row.contact = customer, contact
    if customer is None:
        row.outcome = Outcome.TRIAGE
        _set_reason(row, why)
        return
    if contact is None:  # a new person of a known domain: from now on a contact
        contact = create_contact(
            customer=customer,
            name=parsed.sender_name or parsed.sender.partition("@")[0],
            email=parsed.sender,
            receives_statements=False,
        )
        row.contact = contact
    ticket, note = find_ticket(parsed, customer)
    author = contact.user if contact is not None and contact.user_id else None
    if ticket is not None:
        comment = tickets.add_comment(
            ticket=ticket,
            author=author,
            body=_body(parsed),
            # Without a portal account the contact itself is recorded as the writer.
            contact=contact if author is None else None,
        )
        left_out = _attach(parsed.attachments, ticket, comment, author)
        row.outcome, row.ticket, row.comment = Outcome.COMMENT, ticket, comment
        _set_reason(row, note + left_out)
        return
    ticket, left_out = _open(parsed, customer, contact, author)
    row.outcome, row.ticket = Outcome.TICKET, ticket
    _set_reason(row, note + left_out)
    acknowledge(ticket, parsed, contact)


def _open(
    parsed: ParsedMail,
    customer: Customer,
    contact: Contact | None,
    actor: Actor,
    opened_at: datetime | None = None,
) -> tuple[Ticket, list[SystemNote]]:
    """A ticket from an e-mail (channel e-mail, category other) with its files; the note
    naming files left out."""
    ticket = tickets.open_ticket(
        customer=customer,
        contact=contact,
        subject=ticket_subject(parsed.subject),
        description=_body(parsed, required=False),
        channel=Channel.EMAIL,
        category=Category.OTHER,
        actor=actor,
        opened_at=opened_at,
    )
    return ticket, _attach(parsed.attachments, ticket, None, actor)


def match_sender(
    address: str, mailbox: Mailbox | None
) -> tuple[Customer | None, Contact | None, list[SystemNote]]:
    """(customer, contact, why not): a contact by address, else a customer by domain."""
    contacts = Contact.objects.filter(
        Q(email__iexact=address) | Q(user__email__iexact=address), customer__is_active=True
    ).select_related("customer", "user")
    domains = MailDomain.objects.filter(domain=address.rpartition("@")[2].lower())
    if mailbox is not None and mailbox.customer_id:
        contacts = contacts.filter(customer_id=mailbox.customer_id)
        domains = domains.filter(customer_id=mailbox.customer_id)
    found = list(contacts.order_by("pk")[:10])
    customers = {c.customer_id for c in found}
    if len(customers) > 1:
        return None, None, [SystemNote(notes.MAIL_SEVERAL_CUSTOMERS, {"sender": address})]
    if found:
        return found[0].customer, found[0], []
    domain = domains.select_related("customer").filter(customer__is_active=True).first()
    if domain is not None:
        return domain.customer, None, []
    return None, None, [SystemNote(notes.MAIL_UNKNOWN_SENDER, {"sender": address})]


def find_ticket(parsed: ParsedMail, customer: Customer) -> tuple[Ticket | None, list[SystemNote]]:
    """The sender's customer's open (or resolved) ticket this message answers, and a note."""
    candidates = referenced_tickets(parsed)
    found: list[SystemNote] = []
    for ticket in candidates:
        if ticket.customer_id != customer.pk:
            found.append(SystemNote(notes.MAIL_OTHER_CUSTOMER, {"ticket": ticket.number}))
            continue
        if ticket.status == Status.CLOSED:
            found.append(SystemNote(notes.MAIL_CLOSED_TICKET, {"ticket": ticket.number}))
            continue
        return ticket, found
    return None, found


def referenced_tickets(parsed: ParsedMail) -> list[Ticket]:
    """Tickets named by the threading headers (newest reference first), then by the subject."""
    domain = mail_domain()
    ids: list[int] = []
    for mid in parsed.references:
        own = own_reference(mid, domain)
        found: int | None = None
        if own and own[0] == "ticket":
            found = own[1]
        elif own:
            found = (
                Notification.objects.filter(pk=own[1]).values_list("ticket_id", flat=True).first()
            )
        else:
            found = (
                InboundMessage.objects.filter(message_id=mid, ticket__isnull=False)
                .values_list("ticket_id", flat=True)
                .first()
            )
        if found is not None and found not in ids:
            ids.append(found)
    rows = {t.pk: t for t in Ticket.objects.filter(pk__in=ids)}
    ordered = [rows[i] for i in ids if i in rows]
    numbers = [n.upper() for n in TICKET_TAG.findall(parsed.subject)]
    ordered += [t for t in Ticket.objects.filter(number__in=numbers) if t not in ordered]
    return ordered


def ticket_subject(subject: str) -> str:
    """The subject without reply prefixes and ticket tags; a placeholder when empty."""
    cleaned = TICKET_TAG.sub("", REPLY_PREFIX.sub("", subject)).strip()
    cleaned = REPLY_PREFIX.sub("", cleaned).strip()
    if not cleaned:
        return _("(no subject)")
    return cleaned[:SUBJECT_MAX_CHARS]


def _body(parsed: ParsedMail, *, required: bool = True) -> str:
    text = parsed.text or parsed.full_text
    if len(text) > TEXT_MAX_CHARS:
        text = text[: TEXT_MAX_CHARS - 60].rstrip() + "\n\n" + _("[…the e-mail was longer]")
    if not text and required:
        return _("(The e-mail had no text.)")
    return text


def _attach(
    files: list[Attachment], ticket: Ticket, comment: Comment | None, author: Actor
) -> list[SystemNote]:
    """The message's files on the ticket or the reply. One over the size limit is left out
    and named in the returned note (the raw message, kept, still holds it)."""
    limit = max_bytes()
    left_out: list[SystemNote] = []
    for item in files:
        if len(item.content) > limit:
            params = {"name": item.name, "size": len(item.content)}
            left_out.append(SystemNote(notes.MAIL_LEFT_OUT, params))
            continue
        add_attachment(
            ticket=ticket,
            comment=comment,
            name=item.name,
            content=item.content,
            content_type=item.content_type,
            actor=author,
        )
    return left_out


def _set_reason(row: InboundMessage, found: list[SystemNote]) -> None:
    """The row's English ``reason`` and its notes (``reason_text`` shows them translated)."""
    row.reason = "; ".join(note.english() for note in found)
    row.reason_notes = [note.as_data() for note in found]


def acknowledge(ticket: Ticket, parsed: ParsedMail, contact: Contact | None) -> None:
    """Tells the sender the ticket's number; answers to it thread into the ticket."""
    from django.utils import translation

    language = language_for(contact)
    with translation.override(language):
        values = {"number": ticket.number, "subject": ticket.subject}
        message = Message(
            event="ticket.opened_by_email",
            subject=_("[%(number)s] We received your request: %(subject)s") % values,
            body=_(
                "We opened ticket %(number)s for your e-mail. Reply to this message to add to "
                "it; keep [%(number)s] in the subject."
            )
            % values,
            # Threads on the customer's e-mail (notifications.email.headers).
            payload={
                "ticket": {"id": ticket.pk, "number": ticket.number},
                "reply_to": parsed.message_id,
                "reply_references": list(reversed(parsed.references)),
            },
            ticket_id=ticket.pk,
            contract_id=ticket.contract_id,
        )
    notify_email(
        key=f"mail:opened:{ticket.pk}",
        address=parsed.sender,
        message=message,
        audience=Audience.CUSTOMER,
        language=language,
    )


# ---------------------------------------------------------------- triage (the desk)


def _triaged(message: InboundMessage) -> InboundMessage:
    row = InboundMessage.objects.select_for_update().get(pk=message.pk)
    if row.outcome != Outcome.TRIAGE:
        raise TransitionError(
            f"this e-mail is {Outcome(row.outcome).label!s}: only one waiting for triage can be"
        )
    return row


@transaction.atomic
def open_ticket_from_message(
    *, message: InboundMessage, customer: Customer, actor: Actor
) -> Ticket:
    """Triage: an unknown sender's e-mail becomes a ticket of the customer staff chose."""
    row = _triaged(message)
    parsed = parse(bytes(row.raw), own_domain=mail_domain(), own_addresses=own_addresses())
    ticket, left_out = _open(parsed, customer, None, actor, opened_at=row.received_at)
    row.outcome, row.ticket, row.customer = Outcome.TICKET, ticket, customer
    _set_reason(row, [SystemNote(notes.MAIL_TRIAGED, {"who": actor_name(actor)}), *left_out])
    row.save(update_fields=["outcome", "ticket", "customer", "reason", "reason_notes"])
    return ticket


@transaction.atomic
def dismiss_message(*, message: InboundMessage, actor: Actor) -> InboundMessage:
    """Triage: the e-mail needs no ticket (spam, a newsletter); kept, out of the list."""
    row = _triaged(message)
    row.outcome = Outcome.RESOLVED
    _set_reason(row, [SystemNote(notes.MAIL_DISMISSED, {"who": actor_name(actor)})])
    row.save(update_fields=["outcome", "reason", "reason_notes"])
    return row
