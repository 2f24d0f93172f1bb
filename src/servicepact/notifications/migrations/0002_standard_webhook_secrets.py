"""Standard Webhooks: ``whsec_`` secrets, a previous secret for rollovers, the recipient's language.

Stored secrets become ``whsec_`` + base64 of their own UTF-8 bytes: the HMAC key does not
change, so a receiver still checking the legacy ``X-ServicePact-Signature`` header with the
old secret keeps verifying, and the new form is what Standard Webhooks libraries expect.
"""

import base64

import servicepact.notifications.signing
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

PREFIX = "whsec_"


def to_standard(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    endpoints = apps.get_model("notifications", "WebhookEndpoint")
    for endpoint in endpoints.objects.exclude(secret__startswith=PREFIX).only("pk", "secret"):
        endpoint.secret = PREFIX + base64.b64encode(endpoint.secret.encode()).decode()
        endpoint.save(update_fields=["secret"])


def to_legacy(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    endpoints = apps.get_model("notifications", "WebhookEndpoint")
    for endpoint in endpoints.objects.filter(secret__startswith=PREFIX).only("pk", "secret"):
        key = base64.b64decode(endpoint.secret[len(PREFIX) :])
        try:
            legacy = key.decode()
        except UnicodeDecodeError:
            continue  # a random key made after the upgrade has no legacy text form
        if len(legacy) <= 128:
            endpoint.secret = legacy
            endpoint.save(update_fields=["secret"])


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="webhookendpoint",
            name="secret",
            field=models.CharField(
                default=servicepact.notifications.signing.new_secret,
                max_length=200,
                verbose_name="signing secret",
            ),
        ),
        migrations.AddField(
            model_name="webhookendpoint",
            name="previous_secret",
            field=models.CharField(
                blank=True, max_length=200, verbose_name="previous signing secret"
            ),
        ),
        migrations.AddField(
            model_name="webhookendpoint",
            name="previous_secret_expires_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="previous secret valid until"
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="language",
            field=models.CharField(blank=True, max_length=16, verbose_name="language"),
        ),
        migrations.RunPython(to_standard, to_legacy),
    ]
