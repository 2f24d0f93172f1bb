"""The outbox: e-mail, webhooks and in-app notifications (docs/worker.md)."""

from servicepact.notifications.language import language_for, language_relations

__all__ = ["language_for", "language_relations"]
