from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def count_alerts(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    QueuedAlerts = apps.get_model("monitoring", "QueuedAlerts")
    for row in QueuedAlerts.objects.filter(processed_at__isnull=True).only("alerts"):
        QueuedAlerts.objects.filter(pk=row.pk).update(alert_count=len(row.alerts))


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0004_outage_planned")]

    operations = [
        migrations.AddField(
            model_name="queuedalerts",
            name="alert_count",
            field=models.PositiveIntegerField(default=0, verbose_name="alerts"),
        ),
        migrations.AddField(
            model_name="queuedalerts",
            name="claimed_by",
            field=models.CharField(blank=True, max_length=32, verbose_name="claimed by"),
        ),
        migrations.RunPython(count_alerts, migrations.RunPython.noop),
    ]
