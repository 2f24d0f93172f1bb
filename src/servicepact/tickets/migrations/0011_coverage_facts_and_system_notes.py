"""Facts behind text the system writes, so it is shown in the reader's language: a ticket's
coverage explanation (``coverage_facts``) and a system note's kind and parameters."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tickets", "0010_comment_contact_attachment")]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="coverage_facts",
            field=models.JSONField(blank=True, default=dict, verbose_name="coverage facts"),
        ),
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
