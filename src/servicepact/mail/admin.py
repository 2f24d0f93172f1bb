"""Mailboxes are configured here (IMAP settings; tokens from ``servicepact mailbox``); received
messages are a read-only record."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from servicepact.core.admin import ReadOnlyAdmin
from servicepact.mail.models import InboundMessage, Mailbox, MailDomain


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin[Mailbox]):
    list_display = ["name", "address", "customer", "imap_host", "is_active", "last_polled_at"]
    list_filter = ["is_active"]
    readonly_fields = ["token_prefix", "uidvalidity", "last_uid", "last_polled_at", "last_error"]
    exclude = ["token_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # `servicepact mailbox create` makes the token and shows it once


@admin.register(MailDomain)
class MailDomainAdmin(admin.ModelAdmin[MailDomain]):
    list_display = ["domain", "customer"]
    search_fields = ["domain", "customer__name"]


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "sender", "subject", "outcome", "ticket", "mailbox"]
    list_filter = ["outcome", "mailbox"]
    search_fields = ["sender", "subject", "message_id"]
    exclude = ["raw"]
