from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tickets", "0010_comment_contact_attachment")]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="coverage_facts",
            field=models.JSONField(blank=True, default=dict, verbose_name="coverage facts"),
        ),
    ]
