"""The four metrics every installation measured before metrics were data, as rows with
exactly their former semantics (tickets.clocks' old tables). Reversible: the rows go."""

from __future__ import annotations

from typing import Any

from django.db import migrations

BUILTIN = (
    {
        "code": "first_response",
        "name": "First response",
        "name_zh": "首次响应",
        "description": "From the report until the ticket is acknowledged.",
        "start_event": "opened",
        "stop_events": ["acknowledged"],
        "end_events": [],
        "pause_statuses": [],
        "restart_on_reopen": False,
        "categories": [],
        "position": 10,
    },
    {
        "code": "on_site",
        "name": "On-site arrival",
        "name_zh": "工程师到场",
        "description": (
            "From the report until an engineer arrives on site (hardware tickets); not "
            "required when the ticket is resolved or closed before anyone arrived."
        ),
        "start_event": "opened",
        "stop_events": ["onsite_arrived"],
        "end_events": ["resolved", "closed"],
        "pause_statuses": [],
        "restart_on_reopen": False,
        "categories": ["hardware"],
        "position": 20,
    },
    {
        "code": "restore",
        "name": "Restore (workaround)",
        "name_zh": "恢复（临时解决方案）",
        "description": "From the report until the service is restored or the ticket resolved.",
        "start_event": "opened",
        "stop_events": ["restored", "resolved"],
        "end_events": [],
        "pause_statuses": ["waiting"],
        "restart_on_reopen": False,
        "categories": [],
        "position": 30,
    },
    {
        "code": "resolution",
        "name": "Resolution",
        "name_zh": "解决",
        "description": "From the report until the ticket is resolved; runs again when reopened.",
        "start_event": "opened",
        "stop_events": ["resolved"],
        "end_events": [],
        "pause_statuses": ["waiting"],
        "restart_on_reopen": True,
        "categories": [],
        "position": 40,
    },
)


def seed(apps: Any, schema_editor: Any) -> None:
    SlaMetric = apps.get_model("contracts", "SlaMetric")
    for row in BUILTIN:
        values = {k: v for k, v in row.items() if k != "code"}
        SlaMetric.objects.update_or_create(code=row["code"], defaults=values)


def unseed(apps: Any, schema_editor: Any) -> None:
    SlaMetric = apps.get_model("contracts", "SlaMetric")
    SlaMetric.objects.filter(code__in=[row["code"] for row in BUILTIN]).delete()


class Migration(migrations.Migration):
    dependencies = [("contracts", "0004_sla_metric_and_target_category")]

    operations = [migrations.RunPython(seed, unseed)]
