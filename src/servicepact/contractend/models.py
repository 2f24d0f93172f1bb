"""The end of a contract: one plan per contract end, from the before-lapse checklist (the
customer confirms the data export) to the exit (the provider's evidenced steps).
docs/contract-end.md."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicepact.assets.models import Asset
from servicepact.contractend.choices import BackupOutcome, EndReason, Phase, PlanStatus, StepCode
from servicepact.contracts.models import Contract


class ContractEndPlan(models.Model):
    """What happens to a customer's data when contract ``ends_on``: opened when the contract
    is about to lapse unrenewed (phase ``notice``) or once it has ended (phase ``exit``)."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="end_plans")
    ends_on = models.DateField(_("contract ends on"))
    reason = models.CharField(_("reason"), max_length=12, choices=EndReason.choices)
    phase = models.CharField(_("phase"), max_length=8, choices=Phase.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.OPEN
    )
    delete_after = models.DateField(_("data deleted after"))
    opened_at = models.DateTimeField(_("opened at"))
    export_confirmed_at = models.DateTimeField(_("export confirmed at"), null=True, blank=True)
    export_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    export_note = models.CharField(_("customer's note"), max_length=500, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["ends_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "ends_on"], name="endplan_unique_end")
        ]
        indexes = [
            # The desk's list: open plans whose export nobody confirmed yet.
            models.Index(
                fields=["ends_on"],
                name="endplan_unconfirmed_idx",
                condition=models.Q(status="open", export_confirmed_at__isnull=True),
            )
        ]
        verbose_name = _("contract end plan")
        verbose_name_plural = _("contract end plans")

    def __str__(self) -> str:
        return f"{self.contract.number} {self.ends_on.isoformat()}"


def evidence_path(instance: ContractEndStep, filename: str) -> str:
    import uuid

    return f"contract-end/{instance.plan_id}/{uuid.uuid4().hex}/{filename}"


class ContractEndStep(models.Model):
    """One exit step done by the provider, with its evidence (a note and an optional file)."""

    plan = models.ForeignKey(ContractEndPlan, on_delete=models.CASCADE, related_name="steps")
    code = models.CharField(_("step"), max_length=20, choices=StepCode.choices)
    due_on = models.DateField(_("due on"))
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=BackupOutcome.choices, blank=True
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("evidence"), blank=True)
    evidence = models.FileField(
        _("evidence file"), upload_to=evidence_path, max_length=400, blank=True
    )
    evidence_name = models.CharField(_("file name"), max_length=255, blank=True)

    class Meta:
        ordering = ["plan", "due_on", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="endstep_unique_code")]
        verbose_name = _("exit step")
        verbose_name_plural = _("exit steps")

    def __str__(self) -> str:
        return f"{self.plan}: {self.code}"


class RecordedBackup(models.Model):
    """A verified backup of an asset recorded by staff (the default backup-facts provider,
    ``contractend.backups``): where it is and when it was last verified."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="+")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+")
    taken_at = models.DateTimeField(_("taken at"))
    verified_at = models.DateTimeField(_("verified at"))
    location = models.CharField(_("location"), max_length=300)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["asset", "-verified_at"]
        indexes = [models.Index(fields=["contract", "asset", "verified_at"])]
        verbose_name = _("recorded backup")
        verbose_name_plural = _("recorded backups")

    def __str__(self) -> str:
        return f"{self.asset_id} {self.verified_at.isoformat()}"
