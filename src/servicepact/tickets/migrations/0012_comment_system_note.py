from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tickets", "0011_ticket_coverage_facts")]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="system_kind",
            field=models.CharField(blank=True, max_length=40, verbose_name="system note kind"),
        ),
        migrations.AddField(
            model_name="comment",
            name="system_params",
            field=models.JSONField(blank=True, default=dict, verbose_name="system note parameters"),
        ),
    ]
