"""Reads with tenancy: staff see everything, a contact its own customer's rows (404 else)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from servicepact.customers.selectors import scope_to_customer
from servicepact.security.models import Finding, SecurityAudit, Vulnerability


def vulnerabilities_for(user: Any) -> QuerySet[Vulnerability]:
    rows = Vulnerability.objects.select_related("advisory", "contract", "customer")
    return scope_to_customer(rows, user).order_by("-reported_at", "-id")


def get_vulnerability(user: Any, pk: int) -> Vulnerability:
    row = vulnerabilities_for(user).filter(pk=pk).first()
    if row is None:
        raise Http404(_("No such vulnerability"))
    return row


def audits_for(user: Any) -> QuerySet[SecurityAudit]:
    rows = SecurityAudit.objects.select_related("contract", "customer")
    return scope_to_customer(rows, user).order_by("-due_on", "-id")


def get_audit(user: Any, pk: int) -> SecurityAudit:
    row = audits_for(user).filter(pk=pk).first()
    if row is None:
        raise Http404(_("No such audit"))
    return row


def findings_for(user: Any) -> QuerySet[Finding]:
    rows = Finding.objects.select_related("audit", "contract", "customer")
    return scope_to_customer(rows, user).order_by("-reported_at", "-id")


def get_finding(user: Any, pk: int) -> Finding:
    row = findings_for(user).filter(pk=pk).first()
    if row is None:
        raise Http404(_("No such finding"))
    return row
