"""deploy/prometheus: the alert rules are well-formed and read series ServicePact exports.

`promtool check rules` runs too when promtool is installed (it is not on CI: the Debian
package brings a whole Prometheus server for one check).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
RULES = DEPLOY / "servicepact-rules.yml"
DURATION = re.compile(r"\d+[smhd]")


def rules() -> list[dict]:
    doc = yaml.safe_load(RULES.read_text())
    assert list(doc) == ["groups"]
    (group,) = doc["groups"]
    assert group["name"] == "servicepact"
    return group["rules"]


def test_every_rule_has_the_fields_prometheus_requires():
    names = []
    for rule in rules():
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", rule["alert"])
        assert isinstance(rule["expr"], str) and rule["expr"].strip()
        assert DURATION.fullmatch(rule["for"]), rule["for"]
        assert rule["labels"]["severity"] in {"warning", "critical"}
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
        assert rule["expr"].count("(") == rule["expr"].count(")")
        names.append(rule["alert"])
    assert len(names) == len(set(names))
    # What the issue asks the rule file to cover.
    assert {
        "ServicePactWorkerLagging",
        "ServicePactWorkerLastPassTooOld",
        "ServicePactDeadLettersGrowing",
        "ServicePactNotReady",
    } <= set(names)


@pytest.mark.django_db
def test_the_rules_read_only_series_servicepact_exports():
    """Every ``servicepact_*`` name in an expression is in a real scrape of /metrics."""
    Client().get("/healthz")  # so the request series exist
    body = Client().get("/metrics").content.decode()
    exported = set()
    for family in text_string_to_metric_families(body):
        exported |= {s.name for s in family.samples} | {family.name}
    used = {n for rule in rules() for n in re.findall(r"servicepact_[a-z_]+", rule["expr"])}
    assert used, "no ServicePact series in the rules"
    assert used <= exported, used - exported


def test_the_scrape_example_loads_the_rules_file():
    doc = yaml.safe_load((DEPLOY / "scrape-config.example.yml").read_text())
    jobs = {job["job_name"]: job for job in doc["scrape_configs"]}
    assert jobs["servicepact"]["metrics_path"] == "/metrics"
    assert doc["rule_files"] == ["/etc/prometheus/servicepact-rules.yml"]


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed")
def test_promtool_accepts_the_rules():
    done = subprocess.run(
        ["promtool", "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
