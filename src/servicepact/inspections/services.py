"""Every write of inspections: plans, generated visits, results, photos, the signature.

Each function is one transaction. A failed checklist item opens one ticket
(``tickets.services.open_ticket``) the first time it fails, linked from its result; saving
the visit again never opens a second one (docs/inspections.md).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.files.base import File
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from servicepact.accounts.actors import Actor
from servicepact.accounts.models import Team
from servicepact.assets.models import Asset
from servicepact.contracts.models import Contract
from servicepact.core.config import option
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.services import save_validated
from servicepact.core.time import now as current_time
from servicepact.core.time import require_aware
from servicepact.customers.models import Customer
from servicepact.inspections.checks import ItemSpec, check_expectation, judge
from servicepact.inspections.choices import (
    ADVICE_MAX_CHARS,
    FAILED_ITEM_CATEGORY,
    FAILED_ITEM_CHANNEL,
    FAILED_ITEM_IMPACT,
    FAILED_ITEM_KIND,
    FAILED_ITEM_URGENCY,
    LABEL_MAX_CHARS,
    NOTE_MAX_CHARS,
    VALUE_MAX_CHARS,
    VisitAction,
    VisitStatus,
    allowed,
)
from servicepact.inspections.models import (
    ChecklistItem,
    InspectionPlan,
    Visit,
    VisitFile,
    VisitResult,
)
from servicepact.inspections.recurrence import occurrences, parse_rule
from servicepact.tickets.attachments import check_size, content_size, safe_name, store_file
from servicepact.tickets.models import Ticket
from servicepact.tickets.services import open_ticket

DEFAULT_HORIZON_DAYS = 120  # a quarterly plan always has its next visit scheduled
MAX_ITEMS = 100
SIGNATURE_TYPES = frozenset({"image/png", "image/jpeg"})


def horizon_days() -> int:
    return int(option("INSPECTION_HORIZON_DAYS", DEFAULT_HORIZON_DAYS))


@dataclass(frozen=True)
class ResultSpec:
    item_id: int
    value: str
    note: str = ""
    asset_id: int | None = None


# ---------------------------------------------------------------- plans


def _plan_customer(
    customer: Customer | None, contract: Contract | None, assets: Sequence[Asset]
) -> Customer:
    owner = contract.customer if contract is not None else customer
    if owner is None and assets:
        owner = assets[0].customer
    if owner is None:
        raise DomainValidationError({"contract": [_("give a contract or at least one asset")]})
    if customer is not None and customer.pk != owner.pk:
        raise DomainValidationError({"customer": [_("is not the contract's customer")]})
    for asset in assets:
        if asset.customer_id != owner.pk:
            raise DomainValidationError(
                {"assets": [_("%(asset)s belongs to another customer") % {"asset": asset}]}
            )
    return owner


def _check_items(items: Sequence[ItemSpec]) -> None:
    if not items:
        raise DomainValidationError({"items": [_("a checklist needs at least one item")]})
    if len(items) > MAX_ITEMS:
        raise DomainValidationError({"items": [_("at most %(n)d items") % {"n": MAX_ITEMS}]})
    for n, spec in enumerate(items):
        label = spec.label.strip()
        if not label or len(label) > LABEL_MAX_CHARS:
            raise DomainValidationError(
                {f"items[{n}].label": [_("1 to %(n)d characters") % {"n": LABEL_MAX_CHARS}]}
            )
        check_expectation(spec.expectation, f"items[{n}]")


@transaction.atomic
def create_inspection_plan(
    *,
    name: str,
    rrule: str,
    starts_on: date,
    time_of_day: time,
    items: Sequence[ItemSpec],
    customer: Customer | None = None,
    contract: Contract | None = None,
    assets: Sequence[Asset] = (),
    team: Team | None = None,
    duration_minutes: int = 120,
    actor: Actor = None,
) -> InspectionPlan:
    """A plan for a contract (listing some of its assets) or for assets alone, with its
    checklist; the visits of the horizon are generated at once."""
    if time_of_day.tzinfo is not None:
        # A local time of day in the customer's zone: an offset would name another zone.
        raise DomainValidationError(
            {"time_of_day": [_("a local time without a UTC offset (the customer's time zone)")]}
        )
    parse_rule(rrule, starts_on=starts_on, at=time_of_day)
    owner = _plan_customer(customer, contract, assets)
    _check_items(items)
    plan = InspectionPlan(
        customer=owner,
        contract=contract,
        name=name.strip(),
        rrule=rrule.strip().removeprefix("RRULE:"),
        starts_on=starts_on,
        time_of_day=time_of_day.replace(second=0, microsecond=0),
        team=team,
        duration_minutes=duration_minutes,
    )
    save_validated(plan, exclude=["generated_until"])
    plan.assets.set(assets)
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            plan=plan,
            position=n + 1,
            label=spec.label.strip(),
            kind=spec.expectation.kind,
            expected_text=spec.expectation.expected_text.strip(),
            min_value=spec.expectation.min_value,
            max_value=spec.expectation.max_value,
            expected_yes=spec.expectation.expected_yes,
            unit=spec.expectation.unit.strip(),
        )
        for n, spec in enumerate(items)
    )
    generate_plan_visits(plan=plan, now=current_time())
    return plan


@transaction.atomic
def deactivate_inspection_plan(*, plan: InspectionPlan, actor: Actor = None) -> int:
    """Stops a plan: no more visits are generated, and its scheduled visits from now on
    that nothing was recorded on yet (no result, no file) are removed; past, performed and
    signed visits stay. Deactivating an inactive plan is a 409. Returns the visits removed."""
    locked = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    if not locked.is_active:
        raise TransitionError(_("the plan is inactive already"))
    untouched = Visit.objects.filter(
        plan=locked,
        status=VisitStatus.SCHEDULED,
        scheduled_at__gte=current_time(),
        results__isnull=True,
        files__isnull=True,
    )
    doomed = list(untouched.values_list("pk", flat=True))
    Visit.objects.filter(pk__in=doomed).delete()
    InspectionPlan.objects.filter(pk=locked.pk).update(is_active=False)
    plan.is_active = False
    return len(doomed)


# ---------------------------------------------------------------- generated visits


def generate_plan_visits(
    *, plan: InspectionPlan, now: datetime, since: datetime | None = None
) -> int:
    """Creates the plan's visits from ``now`` (or where the last run stopped; ``since`` to
    back-fill past ones: imports, the demo) to the horizon; an occurrence that has its visit
    already is skipped (insert-ignore on the unique (plan, occurs_on)). Returns the number
    of visits created."""
    require_aware(now, "now")
    until = now + timedelta(days=horizon_days())
    if since is not None:
        after = require_aware(since, "since")
    else:
        after = max(now, plan.generated_until) if plan.generated_until else now
    if plan.generated_until is not None:
        until = max(until, plan.generated_until)
    rows = [
        Visit(plan=plan, occurs_on=o.on, scheduled_at=o.at)
        for o in occurrences(
            rule_text=plan.rrule,
            starts_on=plan.starts_on,
            at=plan.time_of_day,
            tz=plan.customer.timezone,
            after=after,
            until=until,
        )
    ]
    before = Visit.objects.filter(plan=plan).count()
    Visit.objects.bulk_create(rows, ignore_conflicts=True)
    InspectionPlan.objects.filter(pk=plan.pk).update(generated_until=until)
    plan.generated_until = until
    return Visit.objects.filter(plan=plan).count() - before


def generate_visits(*, now: datetime | None = None, batch: int = 200) -> int:
    """The worker's step: active plans whose generated horizon lies before now + horizon
    (indexed ``generated_until``), claimed with ``skip_locked``; idempotent. Returns the
    number of visits created."""
    moment = now or current_time()
    horizon = moment + timedelta(days=horizon_days())
    created = 0
    with transaction.atomic():
        due = list(
            InspectionPlan.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("customer")
            .filter(is_active=True)
            .exclude(generated_until__gte=horizon)
            .order_by("generated_until", "pk")[:batch]
        )
        for plan in due:
            created += generate_plan_visits(plan=plan, now=moment)
    return created


# ---------------------------------------------------------------- results


def _locked(visit: Visit, action: str) -> Visit:
    locked = Visit.objects.select_for_update().select_related("plan__customer").get(pk=visit.pk)
    if not allowed(action, locked.status):
        raise TransitionError(
            _("a %(status)s visit does not allow this") % {"status": locked.get_status_display()}
        )
    return locked


def _result_asset(plan_assets: dict[int, Asset], asset_id: int | None, field: str) -> Asset | None:
    if not plan_assets:
        if asset_id is not None:
            raise DomainValidationError({field: [_("the plan lists no assets")]})
        return None
    if asset_id is None and len(plan_assets) == 1:
        return next(iter(plan_assets.values()))
    if asset_id not in plan_assets:
        raise DomainValidationError({field: [_("must be one of the plan's assets")]})
    return plan_assets[asset_id]


@transaction.atomic
def record_visit_results(
    *,
    visit: Visit,
    results: Sequence[ResultSpec],
    advice: str | None = None,
    actor: Actor = None,
    performed_at: datetime | None = None,
) -> Visit:
    """Stores (or corrects) results and the advice; the visit is then performed. Each item
    that fails for the first time opens a ticket, linked from its result (once: a result
    that has its ticket keeps it, whatever later saves find). 409 once signed."""
    locked = _locked(visit, VisitAction.RECORD)
    moment = current_time()
    at = require_aware(performed_at, "performed_at") if performed_at else moment
    if at > moment + timedelta(minutes=1):
        raise DomainValidationError({"performed_at": [_("must not be in the future")]})
    if advice is not None:
        if len(advice) > ADVICE_MAX_CHARS:
            raise DomainValidationError(
                {"advice": [_("at most %(n)d characters") % {"n": ADVICE_MAX_CHARS}]}
            )
        locked.advice = advice.strip()
    items = {i.pk: i for i in locked.plan.items.all()}
    plan_assets = {a.pk: a for a in locked.plan.assets.all()}
    existing = {(r.item_id, r.asset_id): r for r in locked.results.all()}
    opened: list[tuple[VisitResult, ChecklistItem, Asset | None]] = []
    for n, spec in enumerate(results):
        field = f"results[{n}]"
        item = items.get(spec.item_id)
        if item is None:
            raise DomainValidationError({f"{field}.item": [_("not an item of this plan")]})
        asset = _result_asset(plan_assets, spec.asset_id, f"{field}.asset")
        if len(spec.value) > VALUE_MAX_CHARS:
            raise DomainValidationError({f"{field}.value": [_("too long")]})
        if len(spec.note) > NOTE_MAX_CHARS:
            raise DomainValidationError({f"{field}.note": [_("too long")]})
        value, passed = judge(item.expectation, spec.value, f"{field}.value")
        key = (item.pk, asset.pk if asset else None)
        row = existing.get(key) or VisitResult(visit=locked, item=item, asset=asset)
        row.value, row.passed, row.note, row.recorded_at = value, passed, spec.note.strip(), moment
        row.save()
        existing[key] = row
        if not passed and row.ticket_id is None:
            opened.append((row, item, asset))
    for row, item, asset in opened:
        row.ticket = _open_failed_item_ticket(locked, item, row, asset, actor)
        row.save(update_fields=["ticket"])
    if locked.status == VisitStatus.SCHEDULED:
        locked.status, locked.performed_at = VisitStatus.PERFORMED, at
        locked.performed_by = actor if getattr(actor, "pk", None) else None
    elif performed_at is not None:
        locked.performed_at = at
    save_validated(locked, exclude=["signature"])
    return locked


def _open_failed_item_ticket(
    visit: Visit, item: ChecklistItem, result: VisitResult, asset: Asset | None, actor: Actor
) -> Ticket:
    values = {
        "check": item.label,
        "value": result.value,
        "plan": visit.plan.name,
        "date": visit.occurs_on.isoformat(),
    }
    # The ticket's text is stored in the default language (the desk's and the customer's
    # record); the pages translate labels, not stored sentences.
    with translation.override(None):
        subject = _("Inspection: %(check)s failed (%(value)s)") % values
        description = (
            _("The inspection visit of %(date)s (plan %(plan)s) found %(check)s = %(value)s.")
            % values
        )
    if result.note:
        description = f"{description}\n\n{result.note}"
    return open_ticket(
        customer=visit.plan.customer,
        asset=asset,
        subject=subject[:200],
        description=description,
        channel=FAILED_ITEM_CHANNEL,
        category=FAILED_ITEM_CATEGORY,
        kind=FAILED_ITEM_KIND,
        impact=FAILED_ITEM_IMPACT,
        urgency=FAILED_ITEM_URGENCY,
        actor=actor,
    )


# ---------------------------------------------------------------- photos and signature


def _store(
    *,
    visit: Visit,
    name: str,
    content: bytes | File[bytes],
    content_type: str,
    actor: Actor,
    caption: str = "",
    result: VisitResult | None = None,
    is_signature: bool = False,
) -> VisitFile:
    size = content_size(content)
    check_size(size)
    filename = safe_name(name)
    kind = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    row = VisitFile(
        visit=visit,
        result=result,
        is_signature=is_signature,
        name=filename,
        content_type=kind.split(";")[0].strip().lower()[:150],
        size=size,
        caption=caption.strip()[:200],
        uploaded_by=actor if getattr(actor, "pk", None) else None,
        uploaded_at=current_time(),
    )
    return store_file(row, filename=filename, content=content)


@transaction.atomic
def add_visit_photo(
    *,
    visit: Visit,
    name: str,
    content: bytes | File[bytes],
    content_type: str = "",
    caption: str = "",
    result: VisitResult | None = None,
    actor: Actor = None,
) -> VisitFile:
    """A photo of the visit (optionally of one result): the ticket attachments' size limit
    and naming rules; 409 once signed."""
    locked = _locked(visit, VisitAction.ADD_PHOTO)
    if result is not None and result.visit_id != locked.pk:
        raise DomainValidationError({"result": [_("belongs to another visit")]})
    return _store(
        visit=locked,
        name=name,
        content=content,
        content_type=content_type,
        caption=caption,
        result=result,
        actor=actor,
    )


@transaction.atomic
def sign_visit(
    *,
    visit: Visit,
    signer_name: str,
    signed_at: datetime | None = None,
    signature: bytes | None = None,
    signature_type: str = "image/png",
    actor: Actor = None,
) -> Visit:
    """The customer's signature on the performed visit: the signer's name and the instant,
    optionally the drawn signature (PNG or JPEG). 409 unless performed (and once)."""
    locked = _locked(visit, VisitAction.SIGN)
    name = signer_name.strip()
    if not name or len(name) > 100:
        raise DomainValidationError({"signer_name": [_("1 to 100 characters")]})
    moment = current_time()
    at = require_aware(signed_at, "signed_at") if signed_at else moment
    if at > moment + timedelta(minutes=1):
        raise DomainValidationError({"signed_at": [_("must not be in the future")]})
    if locked.performed_at is not None and at < locked.performed_at:
        raise DomainValidationError({"signed_at": [_("must not be before the visit")]})
    if signature is not None:
        if signature_type not in SIGNATURE_TYPES:
            raise DomainValidationError({"signature": [_("must be a PNG or JPEG image")]})
        if not _looks_like(signature, signature_type):
            raise DomainValidationError({"signature": [_("is not a PNG or JPEG image")]})
        extension = "png" if signature_type == "image/png" else "jpg"
        locked.signature = _store(
            visit=locked,
            name=f"signature.{extension}",
            content=signature,
            content_type=signature_type,
            actor=actor,
            is_signature=True,
        )
    locked.signer_name, locked.signed_at, locked.status = name, at, VisitStatus.SIGNED
    locked.save(update_fields=["signer_name", "signed_at", "status", "signature", "updated_at"])
    return locked


def _looks_like(data: bytes, kind: str) -> bool:
    if kind == "image/png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    return data.startswith(b"\xff\xd8\xff")
