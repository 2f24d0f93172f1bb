"""All writes of dispatch: depots, engineers and work orders (keyword-only, one transaction
each). A work order moves by ``fieldservice.transitions``; its dispatch and first arrival are
the ticket's own stages (``tickets.services.dispatch_engineer``, ``record_onsite_arrival``),
its on-site time a billing work log (``billing.services.log_work``)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from servicepact.accounts.actors import Actor
from servicepact.billing.choices import WorkType
from servicepact.billing.services import log_work
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.services import save_validated
from servicepact.core.time import now as current_time
from servicepact.core.time import require_aware
from servicepact.fieldservice.choices import (
    REASON_MAX,
    SIGNATURE_MAX_BYTES,
    SIGNER_MAX,
    SKILL_MAX,
    SKILLS_MAX,
    VISIT_MAX_MINUTES,
    WORK_DONE_MAX,
    WorkOrderStatus,
)
from servicepact.fieldservice.models import Depot, Engineer, WorkOrder
from servicepact.fieldservice.transitions import TRANSITIONS
from servicepact.tickets import services as ticket_services
from servicepact.tickets import transitions as ticket_transitions
from servicepact.tickets.choices import EventKind
from servicepact.tickets.models import Ticket

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _require_staff(actor: Actor, what: str) -> None:
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied(_("Only provider staff may %(what)s.") % {"what": what})


def _text(field: str, value: str, limit: int, *, required: str = "") -> str:
    value = value.strip()
    if required and not value:
        raise DomainValidationError({field: [required]})
    if len(value) > limit:
        raise DomainValidationError({field: [_("at most %(limit)d characters") % {"limit": limit}]})
    return value


def _instant(
    at: datetime | None, field: str, *, not_before: datetime | None = None, after: str = ""
) -> datetime:
    """An instant a person reports: now by default; a given one must be aware, not in the
    future and not before ``not_before`` (``after`` names it in the message)."""
    moment = current_time()
    if at is None:
        at = moment
    require_aware(at, field)
    if at > moment:
        raise DomainValidationError({field: [_("must not be in the future")]})
    if not_before is not None and at < not_before:
        raise DomainValidationError({field: [_("must not be before %(what)s") % {"what": after}]})
    return at


def _skills(skills: Iterable[Any]) -> list[str]:
    """Skill tags: lower-case slugs, each once, in the order given."""
    tags: list[str] = []
    for raw in skills:
        tag = str(raw).strip().lower()
        if not re.fullmatch(r"[a-z0-9][-a-z0-9_]*", tag) or len(tag) > SKILL_MAX:
            raise DomainValidationError(
                {
                    "skills": [
                        _("%(tag)r is not a tag (a-z, 0-9, - and _, at most %(max)d characters)")
                        % {"tag": str(raw), "max": SKILL_MAX}
                    ]
                }
            )
        if tag not in tags:
            tags.append(tag)
    if len(tags) > SKILLS_MAX:
        raise DomainValidationError({"skills": [_("at most %(max)d tags") % {"max": SKILLS_MAX}]})
    return tags


@transaction.atomic
def create_depot(*, name: str, timezone: str, address: str = "", active: bool = True) -> Depot:
    depot = Depot(name=name.strip(), timezone=timezone, address=address.strip(), active=active)
    save_validated(depot)
    return depot


@transaction.atomic
def create_engineer(
    *,
    user: Any,
    home_depot: Depot,
    timezone: str = "",
    skills: Iterable[str] = (),
    active: bool = True,
) -> Engineer:
    """A staff user becomes an engineer; the zone defaults to the home depot's."""
    if not (getattr(user, "is_staff", False) and getattr(user, "is_active", False)):
        raise DomainValidationError({"user": [_("an engineer is an active staff user")]})
    engineer = Engineer(
        user=user,
        home_depot=home_depot,
        timezone=timezone or home_depot.timezone,
        skills=_skills(skills),
        active=active,
    )
    save_validated(engineer)
    return engineer


@transaction.atomic
def create_work_order(
    *,
    ticket: Ticket,
    engineer: Engineer,
    planned_arrival_at: datetime,
    actor: Actor,
    dispatched_at: datetime | None = None,
) -> WorkOrder:
    """Plans a visit of ``engineer`` for an open ticket. The first work order of a ticket is
    its dispatch: the ticket's dispatch stage is recorded at ``dispatched_at`` (default now),
    which stops the dispatch clock; a second visit leaves the ticket's stage alone."""
    _require_staff(actor, "dispatch engineers")
    errors: dict[str, list[str]] = {}
    if not engineer.active or not engineer.user.is_active:
        errors["engineer"] = [_("this engineer is not active")]
    require_aware(planned_arrival_at, "planned_arrival_at")
    if planned_arrival_at < ticket.opened_at:
        errors["planned_arrival_at"] = [_("must not be before the ticket was opened")]
    if errors:
        raise DomainValidationError(errors)
    moment = _instant(
        dispatched_at, "dispatched_at", not_before=ticket.opened_at, after=_("the ticket opened")
    )
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if not ticket_transitions.allowed("dispatch", ticket.status):
        raise TransitionError(
            _("cannot plan a visit for %(ticket)s: it is %(status)s")
            % {"ticket": ticket.number, "status": ticket.get_status_display()}
        )
    if not ticket_services.stage_recorded(ticket, EventKind.DISPATCHED):
        ticket_services.dispatch_engineer(
            ticket=ticket, actor=actor, engineer=engineer.name, at=moment
        )
    order = WorkOrder(
        ticket=ticket,
        engineer=engineer,
        planned_arrival_at=planned_arrival_at,
        dispatched_at=moment,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=current_time(),
    )
    save_validated(order)
    return order


def _move(order: WorkOrder, action: str, actor: Actor) -> WorkOrder:
    """Locks the work order and checks the transition table (409 otherwise)."""
    _require_staff(actor, "change work orders")
    order = (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("ticket", "engineer__user")
        .get(pk=order.pk)
    )
    move = TRANSITIONS[action]
    if order.status not in move.sources:
        names = ", ".join(str(WorkOrderStatus(s).label) for s in move.sources)
        raise TransitionError(
            _("cannot %(action)s work order %(order)s: it is %(status)s; allowed from: %(names)s")
            % {
                "action": action,
                "order": str(order),
                "status": order.get_status_display(),
                "names": names,
            }
        )
    if move.to is not None:
        order.status = move.to
    return order


@transaction.atomic
def start_travel(*, work_order: WorkOrder, actor: Actor, at: datetime | None = None) -> WorkOrder:
    order = _move(work_order, "travel", actor)
    order.travel_started_at = _instant(
        at, "at", not_before=order.dispatched_at, after=_("the dispatch")
    )
    order.save(update_fields=["status", "travel_started_at"])
    return order


@transaction.atomic
def record_arrival(*, work_order: WorkOrder, actor: Actor, at: datetime | None = None) -> WorkOrder:
    """The engineer is on site at ``at`` (default now; may be earlier, recorded afterwards).
    The ticket's first arrival stops its on-site clock at exactly that instant."""
    order = _move(work_order, "arrive", actor)
    start = order.travel_started_at or order.dispatched_at
    after = _("the travel start") if order.travel_started_at else _("the dispatch")
    order.arrived_at = _instant(at, "at", not_before=start, after=after)
    if not ticket_services.stage_recorded(order.ticket, EventKind.ONSITE_ARRIVED):
        ticket_services.record_onsite_arrival(
            ticket=order.ticket, actor=actor, at=order.arrived_at, engineer=order.engineer.name
        )
    order.save(update_fields=["status", "arrived_at"])
    return order


@transaction.atomic
def record_departure(
    *,
    work_order: WorkOrder,
    actor: Actor,
    at: datetime | None = None,
    work_done: str | None = None,
    log_time: bool = True,
) -> WorkOrder:
    """The engineer leaves: the visit is done. With ``log_time`` the on-site time (arrival to
    departure, whole minutes: seconds are dropped) becomes one billable on-site work log of
    the engineer starting at the arrival (billing decides what it costs); under a minute
    logs nothing. A visit is at most a day (a work log's limit)."""
    order = _move(work_order, "depart", actor)
    assert order.arrived_at is not None  # on site means arrived
    departed = _instant(at, "at", not_before=order.arrived_at, after=_("the arrival"))
    if departed - order.arrived_at > timedelta(minutes=VISIT_MAX_MINUTES):
        raise DomainValidationError(
            {"at": [_("a visit lasts at most 24 hours: plan another visit for the next day")]}
        )
    order.departed_at = departed
    fields = ["status", "departed_at"]
    if work_done is not None:
        order.work_done = _text("work_done", work_done, WORK_DONE_MAX)
        fields.append("work_done")
    minutes = order.on_site_minutes or 0
    if log_time and minutes >= 1:
        order.work_log = log_work(
            ticket=order.ticket,
            user=order.engineer.user,
            minutes=minutes,
            started_at=order.arrived_at,
            work_type=WorkType.ON_SITE,
            note=_("On-site visit %(order)s") % {"order": str(order)},
            actor=actor,
        )
        fields.append("work_log")
    order.save(update_fields=fields)
    return order


@transaction.atomic
def cancel_work_order(*, work_order: WorkOrder, actor: Actor, reason: str) -> WorkOrder:
    """A visit that will not happen (before arrival). A reason is required. The ticket's
    dispatch stage stays: the dispatch clock measured that someone was sent."""
    reason = _text("reason", reason, REASON_MAX, required=_("say why the visit is cancelled"))
    order = _move(work_order, "cancel", actor)
    order.cancelled_at = current_time()
    order.cancel_reason = reason
    order.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    return order


@transaction.atomic
def record_work_done(*, work_order: WorkOrder, actor: Actor, work_done: str) -> WorkOrder:
    """What the engineer did (replaces the text written before)."""
    text = _text("work_done", work_done, WORK_DONE_MAX, required=_("describe the work done"))
    order = _move(work_order, "work", actor)
    order.work_done = text
    order.save(update_fields=["work_done"])
    return order


@transaction.atomic
def sign_work_order(
    *,
    work_order: WorkOrder,
    actor: Actor,
    signer_name: str,
    signed_at: datetime | None = None,
    image: bytes | None = None,
) -> WorkOrder:
    """The customer's signature: who signed (required) and when (default now, not before the
    arrival); optionally the drawn signature as a PNG. Once per work order (409 after)."""
    errors: dict[str, list[str]] = {}
    name = signer_name.strip()
    if not name:
        errors["signer_name"] = [_("give the name of the person who signs")]
    elif len(name) > SIGNER_MAX:
        errors["signer_name"] = [_("at most %(limit)d characters") % {"limit": SIGNER_MAX}]
    if image is not None and not image.startswith(PNG_MAGIC):
        errors["signature_image"] = [_("must be a PNG image")]
    elif image is not None and len(image) > SIGNATURE_MAX_BYTES:
        errors["signature_image"] = [_("at most %(kb)d KB") % {"kb": SIGNATURE_MAX_BYTES // 1024}]
    if errors:
        raise DomainValidationError(errors)
    order = _move(work_order, "sign", actor)
    if order.signed_at is not None:
        raise TransitionError(_("work order %(order)s is already signed") % {"order": str(order)})
    assert order.arrived_at is not None  # on site or done means arrived
    order.signed_at = _instant(
        signed_at, "signed_at", not_before=order.arrived_at, after=_("the arrival")
    )
    order.signer_name = name
    fields = ["signer_name", "signed_at"]
    if image is not None:
        order.signature_image.save(f"{order.pk}.png", ContentFile(image), save=False)
        fields.append("signature_image")
    order.save(update_fields=fields)
    return order
