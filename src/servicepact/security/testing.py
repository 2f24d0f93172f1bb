"""Test worlds of the security app (its tests, the API's and the pages' may import them).

``secured(world)`` gives the world's contract (version 1) the patch deadlines of the issue's
hosting contract: critical 72 h and high 168 h, measured 24x7 (``calendar`` to change it);
rectification deadlines critical 120 h and high 240 h; an audit every 365 days; and
per-breach credits: a missed critical patch deadline 5 %, high 3 %, a finding 2 % (high).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from servicepact.contracts.models import ContractVersion, KpiCommitment
from servicepact.security.services import set_security_credits
from servicepact.tickets.testing import World

VECTORS = {
    # 9.8 critical: network, no privileges, no interaction, high C/I/A.
    "critical": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    # 7.5 high: network, availability only.
    "high": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
    # 5.3 medium: network, low confidentiality.
    "medium": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N",
}


def secured(
    w: World,
    *,
    calendar: str = "24x7",
    critical: int = 72,
    high: int = 168,
    credits: bool = True,
) -> ContractVersion:
    version = w.contract.versions.get(number=1)
    for kind, severity, hours in (
        ("patch_deadline", "critical", critical),
        ("patch_deadline", "high", high),
        ("rectification", "critical", 120),
        ("rectification", "high", 240),
    ):
        KpiCommitment.objects.create(
            contract_version=version,
            kind=kind,
            severity=severity,
            target=Decimal(hours),
            measurement_calendar=calendar,
        )
    KpiCommitment.objects.create(
        contract_version=version, kind="audit_frequency", target=Decimal(365)
    )
    if credits:
        set_security_credits(
            version=version,
            credits=[
                {"applies_to": "vulnerability", "severity": "critical", "credit_percent": "5"},
                {"applies_to": "vulnerability", "severity": "high", "credit_percent": "3"},
                {"applies_to": "finding", "severity": "high", "credit_percent": "2"},
            ],
        )
    return version


def advisory_args(severity: str = "critical", cve: str = "CVE-2024-6387") -> dict[str, Any]:
    return {"cve_id": cve, "title": f"A {severity} advisory", "cvss_vector": VECTORS[severity]}
