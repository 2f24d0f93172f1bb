"""Escalation policies (per plan, overridable per contract) and contract events.

A policy is a list of steps; each step is a threshold in percent of a clock's target (100 is
the breach) and the actions it triggers. A contract's own policy replaces its plan's; without
either, ``DEFAULT_STEPS`` apply (50, 75, 90 and 100 %).

Imported at the end of ``contracts/models.py`` so that Django registers the models; FKs are
strings so that this module never imports ``models.py`` back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from servicepact.core.errors import DomainValidationError
from servicepact.core.models import ImmutableModelError, TimeStampedModel


class EscalationPolicy(TimeStampedModel):
    plan = models.OneToOneField(
        "contracts.ServicePlan",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="escalation_policy",
        verbose_name=_("service plan"),
    )
    contract = models.OneToOneField(
        "contracts.Contract",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="escalation_policy",
        verbose_name=_("contract"),
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(plan__isnull=False, contract__isnull=True)
                    | Q(plan__isnull=True, contract__isnull=False)
                ),
                name="escalationpolicy_plan_xor_contract",
            ),
        ]
        verbose_name = _("escalation policy")
        verbose_name_plural = _("escalation policies")

    def __str__(self) -> str:
        owner = f"plan {self.plan_id}" if self.plan_id else f"contract {self.contract_id}"
        return f"Escalation policy of {owner}"


class EscalationStep(models.Model):
    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="steps")
    percent = models.PositiveSmallIntegerField(
        # xgettext:no-python-format
        _("threshold (% of the target)"),
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    notify_assignee = models.BooleanField(_("notify the assignee"), default=False)
    notify_team = models.BooleanField(_("notify the team"), default=False)
    notify_service_manager = models.BooleanField(_("notify the service manager"), default=False)
    notify_customer = models.BooleanField(_("notify the customer contact"), default=False)
    raise_priority = models.BooleanField(_("raise the priority one level"), default=False)
    reassign_team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reassign to team"),
    )

    class Meta:
        ordering = ["policy", "percent"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "percent"], name="escalationstep_unique_percent"
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=1, percent__lte=100), name="escalationstep_percent_range"
            ),
        ]
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")

    def __str__(self) -> str:
        return f"{self.percent} %"


class ContractEventKind(models.TextChoices):
    STATUS_CHANGED = "status_changed", _("Status changed")
    RENEWED = "renewed", _("Renewed")
    RENEWAL_REMINDER = "renewal_reminder", _("Renewal reminder sent")
    EXPORT_REMINDER = "export_reminder", _("Data export reminder sent")


class ContractEvent(models.Model):
    """An immutable fact in a contract's life (status change, renewal, reminder)."""

    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=ContractEventKind.choices)
    at = models.DateTimeField(_("at"))
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["contract", "at"])]
        verbose_name = _("contract event")
        verbose_name_plural = _("contract events")

    def __str__(self) -> str:
        return f"{self.at.isoformat()} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableModelError("contract events are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableModelError("contract events are immutable")


# ---------------------------------------------------------------- steps as plain values


@dataclass(frozen=True)
class Step:
    percent: int
    notify_assignee: bool = False
    notify_team: bool = False
    notify_service_manager: bool = False
    notify_customer: bool = False
    raise_priority: bool = False
    reassign_team_id: int | None = None


DEFAULT_STEPS: tuple[Step, ...] = (
    Step(50, notify_assignee=True),
    Step(75, notify_assignee=True, notify_team=True),
    Step(90, notify_assignee=True, notify_team=True, notify_service_manager=True),
    Step(
        100,
        notify_assignee=True,
        notify_team=True,
        notify_service_manager=True,
        notify_customer=True,
    ),
)
_STEP_FIELDS = (
    "percent",
    "notify_assignee",
    "notify_team",
    "notify_service_manager",
    "notify_customer",
    "raise_priority",
    "reassign_team_id",
)


def steps_for_contract(contract_id: int | None) -> tuple[Step, ...]:
    """The contract's own steps, else its plan's, else the defaults; ascending, always with 100.

    One query: both candidate policies are read together and the contract's wins.
    """
    if contract_id is None:
        return DEFAULT_STEPS
    rows = list(
        EscalationStep.objects.filter(
            Q(policy__contract_id=contract_id) | Q(policy__plan__contracts=contract_id)
        )
        .order_by("percent")
        .values_list("policy__contract_id", *_STEP_FIELDS)
    )
    own = [r[1:] for r in rows if r[0] is not None]
    chosen = own or [r[1:] for r in rows if r[0] is None]
    if not chosen:
        return DEFAULT_STEPS
    steps = [Step(*r) for r in chosen]
    if steps[-1].percent != 100:
        # The breach is always checked, even by a policy that says nothing about it.
        steps.append(Step(100))
    return tuple(steps)


def _validate_steps(steps: list[Mapping[str, Any]]) -> None:
    seen: set[int] = set()
    for i, step in enumerate(steps):
        percent = step.get("percent")
        if not isinstance(percent, int) or not 1 <= percent <= 100:
            raise DomainValidationError(
                {f"steps[{i}].percent": [gettext("must be a whole number from 1 to 100")]}
            )
        if percent in seen:
            raise DomainValidationError(
                {
                    f"steps[{i}].percent": [
                        gettext("%(percent)s %% appears twice") % {"percent": percent}
                    ]
                }
            )
        seen.add(percent)
        unknown = set(step) - {*_STEP_FIELDS, "reassign_team"}
        if unknown:
            raise DomainValidationError(
                {
                    f"steps[{i}]": [
                        gettext("unknown fields: %(choices)s")
                        % {"choices": ", ".join(sorted(unknown))}
                    ]
                }
            )


@transaction.atomic
def set_escalation_policy(
    *, steps: Iterable[Mapping[str, Any]], plan: Any = None, contract: Any = None
) -> EscalationPolicy:
    """Replaces the plan's (or the contract's) steps. ``steps``: dicts of Step fields."""
    if (plan is None) == (contract is None):
        raise DomainValidationError(
            {"plan": [gettext("exactly one of plan or contract is required")]}
        )
    rows = list(steps)
    _validate_steps(rows)
    policy, _created = EscalationPolicy.objects.get_or_create(plan=plan, contract=contract)
    policy.steps.all().delete()
    EscalationStep.objects.bulk_create([EscalationStep(policy=policy, **row) for row in rows])
    return policy
