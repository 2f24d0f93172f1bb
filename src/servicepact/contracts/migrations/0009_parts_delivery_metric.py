"""The parts_delivery metric (issue 18, spare parts): from the first part reserved or ordered
for a ticket until every part it waits for is delivered; not required when the ticket is
resolved or closed first. A row like the built-in ones (ADR 0009); a clock exists only where
a plan or contract gives it a target. Reversible: the row goes."""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

PARTS_DELIVERY = {
    "code": "parts_delivery",
    "name": "Parts delivery",
    "name_zh": "备件送达",
    "description": (
        "From the first spare part reserved or ordered for the ticket until every part it "
        "waits for is delivered; not required when the ticket is resolved or closed first."
    ),
    "start_event": "part_ordered",
    "stop_events": ["part_delivered"],
    "end_events": ["resolved", "closed"],
    "pause_statuses": [],
    "restart_on_reopen": False,
    "categories": [],
    "kinds": [],
    "position": 90,
}


def seed(apps: Any, schema_editor: Any) -> None:
    SlaMetric = apps.get_model("contracts", "SlaMetric")
    values = {k: v for k, v in PARTS_DELIVERY.items() if k != "code"}
    SlaMetric.objects.update_or_create(code=PARTS_DELIVERY["code"], defaults=values)


def unseed(apps: Any, schema_editor: Any) -> None:
    SlaMetric = apps.get_model("contracts", "SlaMetric")
    SlaMetric.objects.filter(code=PARTS_DELIVERY["code"]).delete()


class Migration(migrations.Migration):
    dependencies = [("contracts", "0008_kpicommitment_credit_percent")]

    operations = [
        migrations.AlterField(
            model_name="slametric",
            name="start_event",
            field=models.CharField(
                choices=[
                    ("opened", "Opened"),
                    ("acknowledged", "Acknowledged (first response)"),
                    ("fault_confirmed", "Fault confirmed"),
                    ("dispatched", "Engineer dispatched"),
                    ("onsite_arrived", "Engineer on site"),
                    ("solution_proposed", "Solution proposed"),
                    ("restored", "Service restored (workaround)"),
                    ("resolved", "Resolved"),
                    ("closed", "Closed"),
                    ("escalated_l2", "Escalated to 2nd level support"),
                    ("escalated_l3", "Escalated to 3rd level support"),
                    ("part_ordered", "Part reserved or ordered"),
                    ("part_delivered", "Part delivered"),
                ],
                default="opened",
                max_length=24,
                verbose_name="starts at",
            ),
        ),
        migrations.RunPython(seed, unseed),
    ]
