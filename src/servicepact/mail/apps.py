from __future__ import annotations

from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "servicepact.mail"
    label = "mail"
