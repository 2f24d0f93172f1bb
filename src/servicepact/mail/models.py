"""Inbound e-mail: mailboxes, the customers' mail domains and every message received.

A ``Mailbox`` is one customer-facing address. Mail reaches it by IMAP polling (the worker,
``servicepact mail fetch``) or by a provider pushing the raw message to
``POST /api/v1/mail/inbound`` with the mailbox's token (stored as SHA-256 only, like API
tokens). Every message is kept as an ``InboundMessage`` with its raw bytes and what became of
it, once: ``dedupe_key`` is unique (the SHA-256 of the Message-ID, else of the raw bytes).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from servicepact.customers.models import Contact, Customer
from servicepact.mail.choices import ImapSecurity, Outcome
from servicepact.tickets.models import Comment, Ticket
from servicepact.tickets.system_notes import render_notes


class Mailbox(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    address = models.EmailField(_("address"), unique=True)
    # A customer's own support address: only that customer's contacts and domains match.
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="mailboxes",
        verbose_name=_("customer"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    token_prefix = models.CharField(_("token prefix"), max_length=12, blank=True)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    # IMAP polling; no host: the mailbox only receives pushed mail.
    imap_host = models.CharField(_("IMAP host"), max_length=200, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(
        _("IMAP security"), max_length=10, choices=ImapSecurity.choices, default=ImapSecurity.SSL
    )
    imap_user = models.CharField(_("IMAP user"), max_length=200, blank=True)
    # The NAME of the environment variable holding the password: no secret in the database.
    imap_password_env = models.CharField(_("IMAP password variable"), max_length=100, blank=True)
    folder = models.CharField(_("IMAP folder"), max_length=200, default="INBOX")
    # Where polling stopped: messages with a UID above ``last_uid`` in this UIDVALIDITY are new.
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"), null=True, blank=True)
    last_uid = models.BigIntegerField(_("last UID fetched"), default=0)
    last_polled_at = models.DateTimeField(_("last polled at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"


class MailDomain(models.Model):
    """A customer's e-mail domain: unknown senders from it are matched to the customer."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="mail_domains", verbose_name=_("customer")
    )
    domain = models.CharField(_("domain"), max_length=253, unique=True)

    class Meta:
        ordering = ["domain"]
        verbose_name = _("customer mail domain")
        verbose_name_plural = _("customer mail domains")

    def __str__(self) -> str:
        return f"{self.domain} ({self.customer})"


class InboundMessage(models.Model):
    """One received message, its raw bytes and its outcome; never deleted by the product."""

    mailbox = models.ForeignKey(
        Mailbox,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("mailbox"),
    )
    dedupe_key = models.CharField(_("deduplication key"), max_length=64, unique=True)
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True)
    sender = models.CharField(_("sender"), max_length=320, blank=True)
    sender_name = models.CharField(_("sender name"), max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    received_at = models.DateTimeField(_("received at"), db_index=True)
    raw = models.BinaryField(_("raw message"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    reason = models.TextField(_("reason"), blank=True)
    # The system's notes behind ``reason`` (``[{"kind", "params"}]``, ``tickets.system_notes``):
    # ``reason_text`` shows them in the reader's language; ``reason`` stays the English copy.
    reason_notes = models.JSONField(_("reason notes"), default=list, blank=True)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    contact = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact"),
    )
    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_messages",
        verbose_name=_("ticket"),
    )
    comment = models.ForeignKey(
        Comment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("comment"),
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            # Threading: a reply's References name an earlier inbound message.
            models.Index(fields=["message_id"], name="inbound_message_id_idx"),
            # The desk's triage list.
            models.Index(
                fields=["received_at"],
                name="inbound_triage_idx",
                condition=models.Q(outcome__in=["triage", "failed"]),
            ),
        ]
        verbose_name = _("inbound e-mail")
        verbose_name_plural = _("inbound e-mails")

    @property
    def reason_text(self) -> str:
        """The reason in the active language (the stored English for a row written before
        ``reason_notes`` and for failures, whose text is the exception's as raised)."""
        return render_notes(self.reason_notes, self.reason)

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject}"
