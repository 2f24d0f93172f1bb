"""Knowledge-base writes: articles and their versions, ticket links, views; handover packs
and their sign-off; training sessions, attendance and acknowledgement. Each one transaction."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from servicepact.accounts.actors import Actor
from servicepact.assets.models import Asset
from servicepact.contracts.models import Contract, ServicePlan
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.time import now as current_time
from servicepact.core.time import require_aware
from servicepact.customers.models import Contact, Customer
from servicepact.customers.selectors import contact_for
from servicepact.kb.choices import (
    BODY_MAX_CHARS,
    REQUIRED_DOCUMENTS,
    TITLE_MAX_CHARS,
    ArticleKind,
    HandoverDocument,
    Language,
    Visibility,
)
from servicepact.kb.models import (
    Article,
    ArticleTicket,
    ArticleVersion,
    ArticleView,
    HandoverItem,
    HandoverPack,
    TrainingAttendance,
    TrainingSession,
)
from servicepact.kb.text import prepare
from servicepact.tickets.attachments import check_size, safe_name
from servicepact.tickets.choices import EventKind, Status
from servicepact.tickets.models import Ticket

ARTICLE_FIELDS = (
    "kind",
    "visibility",
    "customer",
    "language",
    "translation_of",
    "title",
    "body",
    "workaround",
    "review_due",
)


def _user(actor: Actor) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _check_article(article: Article) -> None:
    errors: dict[str, list[str]] = {}
    if article.kind not in ArticleKind.values:
        errors["kind"] = [
            _("Choose one of: %(values)s.") % {"values": ", ".join(ArticleKind.values)}
        ]
    if article.language not in Language.values:
        errors["language"] = [
            _("Choose one of: %(values)s.") % {"values": ", ".join(Language.values)}
        ]
    if article.visibility not in Visibility.values:
        errors["visibility"] = [
            _("Choose one of: %(values)s.") % {"values": ", ".join(Visibility.values)}
        ]
    elif article.visibility == Visibility.CUSTOMER and article.customer_id is None:
        errors["customer"] = [_("An article for one customer needs that customer.")]
    elif article.visibility != Visibility.CUSTOMER and article.customer_id is not None:
        errors["customer"] = [_("Only an article for one customer names a customer.")]
    if not (article.title or "").strip():
        errors["title"] = [_("This field is required.")]
    elif len(article.title) > TITLE_MAX_CHARS:
        errors["title"] = [_("At most %(n)d characters.") % {"n": TITLE_MAX_CHARS}]
    if not (article.body or "").strip():
        errors["body"] = [_("This field is required.")]
    for name in ("body", "workaround"):
        if len(getattr(article, name) or "") > BODY_MAX_CHARS:
            errors[name] = [_("At most %(n)d characters.") % {"n": BODY_MAX_CHARS}]
    original = article.translation_of
    if original is not None:
        errors.update(_check_translation(article, original))
    if errors:
        raise DomainValidationError(errors)


def _check_translation(article: Article, original: Article) -> dict[str, list[str]]:
    if original.translation_of_id is not None:
        return {"translation_of": [_("Link to the original article, not to a translation.")]}
    if original.pk == article.pk:
        return {"translation_of": [_("An article cannot be its own translation.")]}
    family = Article.objects.filter(translation_of=original).exclude(pk=article.pk)
    if original.language == article.language or family.filter(language=article.language).exists():
        return {"translation_of": [_("That article already has a version in this language.")]}
    return {}


def _index(article: Article) -> None:
    article.search_title = prepare(article.title)
    article.search_body = prepare(f"{article.body}\n{article.workaround}")


def _version(article: Article, *, actor: Actor, note: str, at: datetime) -> ArticleVersion:
    return ArticleVersion.objects.create(
        article=article,
        number=article.version,
        title=article.title,
        body=article.body,
        workaround=article.workaround,
        note=note[:300],
        author=_user(actor),
        created_at=at,
    )


def _clean_models(asset_models: Sequence[str]) -> list[str]:
    return sorted({m.strip()[:100] for m in asset_models if m.strip()})


def _set_links(
    article: Article, assets: Iterable[Asset] | None, services: Iterable[ServicePlan] | None
) -> None:
    if assets is not None:
        article.assets.set(list(assets))
    if services is not None:
        article.services.set(list(services))


@transaction.atomic
def create_article(
    *,
    kind: str,
    title: str,
    body: str,
    actor: Actor,
    language: str = Language.ENGLISH,
    visibility: str = Visibility.INTERNAL,
    customer: Customer | None = None,
    workaround: str = "",
    review_due: date | None = None,
    translation_of: Article | None = None,
    assets: Iterable[Asset] | None = None,
    asset_models: Sequence[str] | None = None,
    services: Iterable[ServicePlan] | None = None,
    note: str = "",
    at: datetime | None = None,
) -> Article:
    """A new article and its version 1."""
    moment = at or current_time()
    article = Article(
        kind=kind,
        title=(title or "").strip(),
        body=body or "",
        language=language,
        visibility=visibility,
        customer=customer,
        workaround=workaround or "",
        review_due=review_due,
        translation_of=translation_of,
        created_at=moment,
        updated_at=moment,
        created_by=_user(actor),
    )
    if asset_models is not None:
        article.asset_models = _clean_models(asset_models)
    _check_article(article)
    _index(article)
    article.save()
    _version(article, actor=actor, note=note, at=moment)
    _set_links(article, assets, services)
    return article


@transaction.atomic
def update_article(
    *,
    article: Article,
    actor: Actor,
    note: str = "",
    assets: Iterable[Asset] | None = None,
    asset_models: Sequence[str] | None = None,
    services: Iterable[ServicePlan] | None = None,
    at: datetime | None = None,
    **changes: Any,
) -> Article:
    """Changes the article and appends the next version (text fields; links and visibility
    changes are recorded as a version too, so the history shows who changed what and when)."""
    unknown = set(changes) - set(ARTICLE_FIELDS)
    if unknown:
        raise DomainValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    locked = Article.objects.select_for_update().get(pk=article.pk)
    for name, value in changes.items():
        setattr(locked, name, value.strip() if name == "title" and value else value)
    _check_article(locked)
    moment = at or current_time()
    locked.version += 1
    locked.updated_at = moment
    if asset_models is not None:
        locked.asset_models = _clean_models(asset_models)
    _index(locked)
    locked.save()
    _version(locked, actor=actor, note=note, at=moment)
    _set_links(locked, assets, services)
    return locked


@transaction.atomic
def delete_article(*, article: Article, actor: Actor) -> None:
    """Deletes the article with its versions, links and views; its translations stay (they
    lose the link to it)."""
    Article.objects.filter(pk=article.pk).delete()


def _ticket_solution(ticket: Ticket) -> str:
    """The text that solved the ticket: its resolution, else the last proposed solution."""
    for event in ticket.events.filter(
        kind__in=[EventKind.RESOLVED, EventKind.SOLUTION_PROPOSED]
    ).order_by("-at", "-id")[:5]:
        text = str(event.data.get("resolution") or event.data.get("solution") or "").strip()
        if text:
            return text
    return ""


@transaction.atomic
def article_from_ticket(*, ticket: Ticket, actor: Actor, at: datetime | None = None) -> Article:
    """One step from a resolved ticket to an internal troubleshooting article: the title is the
    subject, the body the problem and the solution; linked to the ticket as "solved it"."""
    if ticket.status not in (Status.RESOLVED, Status.CLOSED):
        raise TransitionError(
            _("Only a resolved or closed ticket becomes an article; %(number)s is %(status)s.")
            % {"number": ticket.number, "status": ticket.get_status_display()}
        )
    solution = _ticket_solution(ticket) or _("(no resolution was recorded)")
    body = "\n\n".join(
        [
            f"## {_('Problem')}",
            ticket.description.strip() or ticket.subject,
            f"## {_('Solution')}",
            solution,
            _("From ticket %(number)s.") % {"number": ticket.number},
        ]
    )
    article = create_article(
        kind=ArticleKind.TROUBLESHOOTING,
        title=ticket.subject,
        body=body,
        actor=actor,
        visibility=Visibility.INTERNAL,
        assets=[ticket.asset] if ticket.asset else None,
        asset_models=[ticket.asset.model] if ticket.asset else None,
        note=_("From ticket %(number)s.") % {"number": ticket.number},
        at=at,
    )
    link_ticket(article=article, ticket=ticket, solved=True, actor=actor, at=at)
    return article


@transaction.atomic
def link_ticket(
    *, article: Article, ticket: Ticket, solved: bool, actor: Actor, at: datetime | None = None
) -> ArticleTicket:
    """Links an article to a ticket; ``solved`` the first time counts one more "solved it"."""
    link, _created = ArticleTicket.objects.select_for_update().get_or_create(
        article=article,
        ticket=ticket,
        defaults={"solved": False, "linked_by": _user(actor), "linked_at": at or current_time()},
    )
    if solved and not link.solved:
        link.solved = True
        link.save(update_fields=["solved"])
        Article.objects.filter(pk=article.pk).update(solved_count=F("solved_count") + 1)
    return link


def record_view(
    *, article: Article, contact: Contact, suggested: bool, at: datetime | None = None
) -> ArticleView:
    return ArticleView.objects.create(
        article=article, contact=contact, suggested=suggested, viewed_at=at or current_time()
    )


# --- handover ------------------------------------------------------------------------------


@transaction.atomic
def create_handover_pack(
    *,
    contract: Contract,
    actor: Actor,
    due_on: date | None = None,
    owner: Any = None,
    at: datetime | None = None,
) -> HandoverPack:
    """The contract's pack with one item per required document (``REQUIRED_DOCUMENTS``)."""
    if HandoverPack.objects.filter(contract=contract).exists():
        raise TransitionError(_("This contract already has a handover pack."))
    pack = HandoverPack.objects.create(
        contract=contract, created_at=at or current_time(), created_by=_user(actor)
    )
    HandoverItem.objects.bulk_create(
        HandoverItem(pack=pack, document=doc, title=str(doc.label), owner=owner, due_on=due_on)
        for doc in REQUIRED_DOCUMENTS
    )
    return pack


def _open_pack(pack: HandoverPack) -> HandoverPack:
    locked = HandoverPack.objects.select_for_update().get(pk=pack.pk)
    if locked.signed_off_at is not None:
        raise TransitionError(_("The handover is signed off; it can no longer change."))
    return locked


@transaction.atomic
def add_handover_item(
    *,
    pack: HandoverPack,
    title: str,
    actor: Actor,
    document: str = HandoverDocument.OTHER,
    owner: Any = None,
    due_on: date | None = None,
) -> HandoverItem:
    _open_pack(pack)
    if document not in HandoverDocument.values:
        raise DomainValidationError(
            {
                "document": [
                    _("Choose one of: %(values)s.") % {"values": ", ".join(HandoverDocument.values)}
                ]
            }
        )
    if not title.strip():
        raise DomainValidationError({"title": [_("This field is required.")]})
    return HandoverItem.objects.create(
        pack=pack, document=document, title=title.strip()[:200], owner=owner, due_on=due_on
    )


@transaction.atomic
def plan_handover_item(
    *, item: HandoverItem, actor: Actor, owner: Any = None, due_on: date | None = None
) -> HandoverItem:
    """Sets the item's owner (a staff member) and due date."""
    _open_pack(item.pack)
    if owner is not None and not owner.is_staff:
        raise DomainValidationError({"owner": [_("The owner must be a member of staff.")]})
    item.owner = owner
    item.due_on = due_on
    item.save(update_fields=["owner", "due_on"])
    return item


@transaction.atomic
def complete_handover_item(
    *,
    item: HandoverItem,
    name: str,
    content: bytes | File[bytes],
    actor: Actor,
    content_type: str = "",
    at: datetime | None = None,
) -> HandoverItem:
    """Marks the item done with its document attached (size limit as ``tickets.attachments``;
    a file over it is a field error on ``file``, nothing stored). A new file replaces the old."""
    _open_pack(item.pack)
    size = len(content) if isinstance(content, bytes) else int(content.size or 0)
    check_size(size)
    if size == 0:
        raise DomainValidationError({"file": [_("The document is empty.")]})
    filename = safe_name(name)
    guessed = mimetypes.guess_type(filename)[0]
    kind = (content_type or guessed or "application/octet-stream").split(";")[0].strip().lower()
    previous = item.file.name if item.file else None
    item.file.save(
        filename, ContentFile(content) if isinstance(content, bytes) else content, save=False
    )
    item.name = filename
    item.content_type = kind[:150] or "application/octet-stream"
    item.size = size
    item.done_at = at or current_time()
    item.done_by = _user(actor)
    try:
        item.save()
    except Exception:
        item.file.storage.delete(item.file.name or "")
        raise
    if previous:
        transaction.on_commit(lambda: item.file.storage.delete(previous))
    return item


@transaction.atomic
def sign_off_handover(
    *, pack: HandoverPack, actor: Actor, note: str = "", at: datetime | None = None
) -> HandoverPack:
    """The customer's sign-off: only a contact of the contract's customer (403 otherwise),
    only once every item is done (409 otherwise, naming what is missing)."""
    contact = contact_for(actor)
    if contact is None or contact.customer_id != pack.contract.customer_id:
        raise PermissionDenied(_("Only the customer's contacts sign the handover off."))
    locked = _open_pack(pack)
    missing = list(locked.items.filter(done_at__isnull=True).values_list("title", flat=True))
    if missing:
        raise TransitionError(
            _("Not every document is handed over yet: %(missing)s.")
            % {"missing": ", ".join(missing)}
        )
    locked.signed_off_at = at or current_time()
    locked.signed_off_by = _user(actor)
    locked.sign_off_note = (note or "")[:300]
    locked.save(update_fields=["signed_off_at", "signed_off_by", "sign_off_note"])
    return locked


# --- training ------------------------------------------------------------------------------


@transaction.atomic
def create_training(
    *,
    contract: Contract,
    topic: str,
    starts_at: datetime,
    trainer: str,
    actor: Actor,
    attendees: Iterable[Contact] = (),
    duration_minutes: int = 60,
    materials: str = "",
    at: datetime | None = None,
) -> TrainingSession:
    """A session for the contract's customer; attendees must be that customer's contacts."""
    errors: dict[str, list[str]] = {}
    require_aware(starts_at, "starts_at")
    if not topic.strip():
        errors["topic"] = [_("This field is required.")]
    if not trainer.strip():
        errors["trainer"] = [_("This field is required.")]
    if not 1 <= duration_minutes <= 24 * 60:
        errors["duration_minutes"] = [_("Between 1 and 1440 minutes.")]
    invited = list(attendees)
    strangers = [c.pk for c in invited if c.customer_id != contract.customer_id]
    if strangers:
        errors["attendees"] = [
            _("Not contacts of this contract's customer: %(ids)s.") % {"ids": strangers}
        ]
    if errors:
        raise DomainValidationError(errors)
    session = TrainingSession.objects.create(
        contract=contract,
        topic=topic.strip()[:200],
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        trainer=trainer.strip()[:200],
        materials=materials,
        created_at=at or current_time(),
        created_by=_user(actor),
    )
    TrainingAttendance.objects.bulk_create(
        TrainingAttendance(session=session, contact=c) for c in {c.pk: c for c in invited}.values()
    )
    return session


@transaction.atomic
def record_attendance(
    *, session: TrainingSession, attended: dict[int, bool], actor: Actor
) -> list[TrainingAttendance]:
    """Staff record who came: ``attended`` maps invited contact ids to present or absent."""
    rows = {r.contact_id: r for r in session.attendees.select_for_update()}
    unknown = sorted(set(attended) - set(rows))
    if unknown:
        raise DomainValidationError(
            {"attended": [_("Not invited to this session: %(ids)s.") % {"ids": unknown}]}
        )
    for contact_id, present in attended.items():
        rows[contact_id].attended = bool(present)
    TrainingAttendance.objects.bulk_update(list(rows.values()), ["attended"])
    return list(rows.values())


@transaction.atomic
def acknowledge_training(
    *, session: TrainingSession, contact: Contact, at: datetime | None = None
) -> TrainingAttendance:
    """The contact confirms it received the training (once; again changes nothing)."""
    row = session.attendees.select_for_update().filter(contact=contact).first()
    if row is None:
        raise TransitionError(_("You were not invited to this session."))
    moment = at or current_time()
    if moment < session.starts_at:
        raise TransitionError(_("A session can be acknowledged once it has started."))
    if row.acknowledged_at is None:
        row.acknowledged_at = moment
        row.save(update_fields=["acknowledged_at"])
    return row
