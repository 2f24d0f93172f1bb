"""Knowledge base, handover and training API, mounted at /api/v1 (docs/api.md, "Knowledge base").

- ``/kb/articles``: staff create, read, change (each change a new version) and delete; a
  contact reads public articles and its own customer's (internal ones never: 404).
- ``GET /kb/search?q=``: ranked full-text search, English and Chinese (docs/knowledge-base.md).
- ``/contracts/{id}/handover``, ``/handover-items/{id}``: the pack, its documents, the sign-off.
- ``/trainings``: sessions, attendance, the contact's acknowledgement.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import StringConstraints

from servicepact.accounts.actors import actor_of
from servicepact.accounts.auth import api_auth
from servicepact.assets.models import Asset
from servicepact.contracts.models import ServicePlan
from servicepact.contracts.selectors import get_contract
from servicepact.core.api_schema import (
    ApiIn,
    BodyId,
    Id,
    IdFilter,
    Text,
    idempotent,
    model_int,
    model_text,
    reads,
    writes,
)
from servicepact.core.errors import DomainValidationError
from servicepact.core.pagination import ListOut, PageQuery, api_page
from servicepact.core.time import local_date, now
from servicepact.customers.models import Contact, Customer
from servicepact.customers.selectors import contact_for, is_staff
from servicepact.kb import services
from servicepact.kb.choices import BODY_MAX_CHARS
from servicepact.kb.models import Article, HandoverItem, HandoverPack, TrainingSession
from servicepact.kb.render import render_markdown
from servicepact.kb.search import MAX_LIMIT, search_articles
from servicepact.kb.selectors import (
    get_article,
    get_pack,
    get_training,
    packs_for,
    stale_filter,
    trainings_for,
    visible_articles,
)
from servicepact.tickets.attachments import check_size, download_response
from servicepact.tickets.selectors import get_ticket

router = Router(tags=["knowledge base"], auth=api_auth())

# The choices (kb.choices), spelled out: mypy needs literal types (kb/tests/test_api.py checks
# they match the choices).
Kind = Literal["faq", "sop", "manual", "troubleshooting", "known_error", "release_note"]
Lang = Literal["en", "zh-hans"]
Vis = Literal["internal", "customer", "public"]
Title = Annotated[str, model_text(Article, "title")]
Body = Annotated[str, StringConstraints(max_length=BODY_MAX_CHARS)]
Note = Annotated[str, model_text(HandoverPack, "sign_off_note")]
Topic = Annotated[str, model_text(TrainingSession, "topic")]
Trainer = Annotated[str, model_text(TrainingSession, "trainer")]
Minutes = Annotated[int, model_int(TrainingSession, "duration_minutes")]
ModelName = Annotated[str, StringConstraints(max_length=100)]
SearchText = Annotated[Text, StringConstraints(min_length=1)]


def require_staff(request: HttpRequest, what: str) -> None:
    if not is_staff(request.user):
        raise PermissionDenied(_("Only provider staff may %(what)s.") % {"what": what})


def reference(qs: Any, pk: int | None, field: str) -> Any:
    """An id in a body, resolved within what the caller may see; else a 422 on ``field``."""
    if pk is None:
        return None
    row = qs.filter(pk=pk).first()
    if row is None:
        raise DomainValidationError({field: [_("No such object: %(id)s.") % {"id": pk}]})
    return row


def references(qs: Any, ids: list[int] | None, field: str) -> list[Any] | None:
    if ids is None:
        return None
    rows = list(qs.filter(pk__in=ids))
    missing = sorted(set(ids) - {r.pk for r in rows})
    if missing:
        raise DomainValidationError({field: [_("No such object: %(id)s.") % {"id": missing}]})
    return rows


# --- articles ------------------------------------------------------------------------------


class ArticleOut(Schema):
    id: int
    number: str
    kind: str
    visibility: str
    customer: int | None
    language: str
    translation_of: int | None
    title: str
    body: str
    body_html: str
    workaround: str
    workaround_html: str
    version: int
    review_due: date | None
    solved_count: int
    asset_models: list[str]
    created_at: datetime
    updated_at: datetime


class ArticleList(ListOut):
    items: list[ArticleOut]
    count: int


class ArticleIn(ApiIn):
    kind: Kind
    title: Title
    body: Body
    language: Lang = "en"
    visibility: Vis = "internal"
    customer: BodyId | None = None
    workaround: Body = ""
    review_due: date | None = None
    translation_of: BodyId | None = None
    assets: list[BodyId] | None = None
    asset_models: list[ModelName] | None = None
    services: list[BodyId] | None = None
    note: Annotated[str, StringConstraints(max_length=300)] = ""


class ArticlePatch(ApiIn):
    kind: Kind | None = None
    title: Title | None = None
    body: Body | None = None
    language: Lang | None = None
    visibility: Vis | None = None
    customer: BodyId | None = None
    workaround: Body | None = None
    review_due: date | None = None
    translation_of: BodyId | None = None
    assets: list[BodyId] | None = None
    asset_models: list[ModelName] | None = None
    services: list[BodyId] | None = None
    note: Annotated[str, StringConstraints(max_length=300)] = ""


class ArticleVersionOut(Schema):
    number: int
    title: str
    body: str
    workaround: str
    note: str
    author: str | None
    created_at: datetime


class ArticleVersionList(Schema):
    items: list[ArticleVersionOut]
    count: int


class LinkIn(ApiIn):
    ticket: BodyId
    solved: bool = False


class LinkOut(Schema):
    article: int
    ticket: int
    solved: bool
    solved_count: int


class SearchHit(Schema):
    id: int
    number: str
    kind: str
    language: str
    visibility: str
    title: str
    rank: float
    url: str


class SearchOut(Schema):
    items: list[SearchHit]
    count: int


class ArticleDeletedOut(Schema):
    id: int
    deleted: bool


def article_out(article: Article) -> dict[str, Any]:
    return {
        "id": article.pk,
        "number": article.number,
        "kind": article.kind,
        "visibility": article.visibility,
        "customer": article.customer_id,
        "language": article.language,
        "translation_of": article.translation_of_id,
        "title": article.title,
        "body": article.body,
        "body_html": str(render_markdown(article.body)),
        "workaround": article.workaround,
        "workaround_html": str(render_markdown(article.workaround)),
        "version": article.version,
        "review_due": article.review_due,
        "solved_count": article.solved_count,
        "asset_models": list(article.asset_models or []),
        "created_at": article.created_at,
        "updated_at": article.updated_at,
    }


def _links(payload: ArticleIn | ArticlePatch) -> dict[str, Any]:
    return {
        "assets": references(Asset.objects.all(), payload.assets, "assets"),
        "services": references(ServicePlan.objects.all(), payload.services, "services"),
        "asset_models": payload.asset_models,
    }


@router.get(
    "/kb/articles",
    response=reads(ArticleList, 422),
    operation_id="kb_articles_list",
    summary="List knowledge-base articles",
)
def list_articles(
    request: HttpRequest,
    paging: Query[PageQuery],
    kind: Text = "",
    language: Text = "",
    customer: IdFilter = None,
    stale: bool = False,
) -> dict[str, Any]:
    """Newest change first; ``stale``: review date reached (staff's review list)."""
    qs = visible_articles(request.user).order_by("-updated_at", "-id")
    if kind:
        qs = qs.filter(kind__in=kind.split(","))
    if language:
        qs = qs.filter(language=language)
    if customer is not None:
        qs = qs.filter(customer_id=customer)
    if stale:
        qs = qs.filter(stale_filter(local_date(now(), "UTC")))
    result = api_page(qs, paging)
    result["items"] = [article_out(a) for a in result["items"]]
    return result


@router.post(
    "/kb/articles",
    response=writes(ArticleOut, status=201),
    operation_id="kb_articles_create",
    summary="Write an article (staff)",
)
@idempotent
def create_article(request: HttpRequest, payload: ArticleIn) -> Status[Any]:
    require_staff(request, "write articles")
    article = services.create_article(
        kind=payload.kind,
        title=payload.title,
        body=payload.body,
        language=payload.language,
        visibility=payload.visibility,
        customer=reference(Customer.objects.all(), payload.customer, "customer"),
        workaround=payload.workaround,
        review_due=payload.review_due,
        translation_of=reference(Article.objects.all(), payload.translation_of, "translation_of"),
        note=payload.note,
        actor=actor_of(request),
        **_links(payload),
    )
    return Status(201, article_out(article))


@router.get(
    "/kb/articles/{article_id}",
    response=reads(ArticleOut, 404, 422),
    operation_id="kb_articles_get",
    url_name="kb_articles_get",
    summary="Read an article",
)
def read_article(request: HttpRequest, article_id: Id) -> dict[str, Any]:
    return article_out(get_article(request.user, article_id))


@router.patch(
    "/kb/articles/{article_id}",
    response=writes(ArticleOut, 404),
    operation_id="kb_articles_update",
    summary="Change an article (staff; a new version)",
)
def update_article(request: HttpRequest, article_id: Id, payload: ArticlePatch) -> dict[str, Any]:
    article = get_article(request.user, article_id)
    require_staff(request, "change articles")
    fields = payload.dict(exclude_unset=True)
    changes: dict[str, Any] = {}
    for name in ("kind", "title", "body", "language", "visibility", "workaround", "review_due"):
        if name not in fields:
            continue
        if fields[name] is None and name != "review_due":  # only the review date may be cleared
            raise DomainValidationError({name: [_("This field may not be null.")]})
        changes[name] = fields[name]
    if "customer" in fields:
        changes["customer"] = reference(Customer.objects.all(), fields["customer"], "customer")
    if "translation_of" in fields:
        changes["translation_of"] = reference(
            Article.objects.all(), fields["translation_of"], "translation_of"
        )
    updated = services.update_article(
        article=article, actor=actor_of(request), note=payload.note, **_links(payload), **changes
    )
    return article_out(updated)


@router.api_operation(
    ["DELETE"],
    "/kb/articles/{article_id}",
    response=writes(ArticleDeletedOut, 404),
    operation_id="kb_articles_delete",
    summary="Delete an article and its versions (staff)",
)
def delete_article(request: HttpRequest, article_id: Id) -> dict[str, Any]:
    article = get_article(request.user, article_id)
    require_staff(request, "delete articles")
    services.delete_article(article=article, actor=actor_of(request))
    return {"id": article_id, "deleted": True}


@router.get(
    "/kb/articles/{article_id}/versions",
    response=reads(ArticleVersionList, 404, 422),
    operation_id="kb_articles_versions",
    summary="An article's versions, newest first",
)
def article_versions(request: HttpRequest, article_id: Id) -> dict[str, Any]:
    article = get_article(request.user, article_id)
    rows = article.versions.select_related("author").order_by("-number")
    items = [
        {
            "number": v.number,
            "title": v.title,
            "body": v.body,
            "workaround": v.workaround,
            "note": v.note,
            "author": v.author.get_username() if v.author else None,
            "created_at": v.created_at,
        }
        for v in rows
    ]
    return {"items": items, "count": len(items)}


@router.post(
    "/kb/articles/{article_id}/tickets",
    response=writes(LinkOut, 404),
    operation_id="kb_articles_link_ticket",
    summary="Link an article to a ticket; solved: this solved it",
)
def link_ticket(request: HttpRequest, article_id: Id, payload: LinkIn) -> dict[str, Any]:
    article = get_article(request.user, article_id)
    require_staff(request, "link articles to tickets")
    try:
        ticket = get_ticket(request.user, payload.ticket)
    except Http404:
        raise DomainValidationError({"ticket": [_("No such ticket.")]}) from None
    link = services.link_ticket(
        article=article, ticket=ticket, solved=payload.solved, actor=actor_of(request)
    )
    article.refresh_from_db(fields=["solved_count"])
    return {
        "article": article.pk,
        "ticket": ticket.pk,
        "solved": link.solved,
        "solved_count": article.solved_count,
    }


@router.get(
    "/kb/search",
    response=reads(SearchOut, 422),
    operation_id="kb_search",
    summary="Search articles (ranked; English and Chinese)",
)
def search(
    request: HttpRequest,
    q: SearchText,
    kind: Text = "",
    language: Text = "",
    limit: Annotated[int, Query(20, ge=1, le=MAX_LIMIT)] = 20,
) -> dict[str, Any]:
    """Best first; ``rank`` orders one answer only (its scale differs between databases)."""
    found = search_articles(request.user, q, limit=limit, kind=kind, language=language)
    items = [
        {
            "id": a.pk,
            "number": a.number,
            "kind": a.kind,
            "language": a.language,
            "visibility": a.visibility,
            "title": a.title,
            "rank": round(a.rank, 6),  # type: ignore[attr-defined]
            "url": reverse("api:kb_articles_get", args=[a.pk]),
        }
        for a in found
    ]
    return {"items": items, "count": len(items)}


# --- handover ------------------------------------------------------------------------------


class ItemOut(Schema):
    id: int
    document: str
    title: str
    owner: str | None
    due_on: date | None
    done: bool
    done_at: datetime | None
    file_name: str
    size: int
    download: str | None


class PackOut(Schema):
    id: int
    contract: int
    created_at: datetime
    complete: bool
    signed_off_at: datetime | None
    signed_off_by: str | None
    sign_off_note: str
    items: list[ItemOut]


class PackIn(ApiIn):
    due_on: date | None = None
    owner: BodyId | None = None


class ItemPatch(ApiIn):
    owner: BodyId | None = None
    due_on: date | None = None


class HandoverSignOffIn(ApiIn):
    note: Note = ""


def item_out(item: HandoverItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "document": item.document,
        "title": item.title,
        "owner": item.owner.get_username() if item.owner else None,
        "due_on": item.due_on,
        "done": item.done_at is not None,
        "done_at": item.done_at,
        "file_name": item.name,
        "size": item.size,
        "download": reverse("api:handover_items_document", args=[item.pk]) if item.file else None,
    }


def pack_out(pack: HandoverPack) -> dict[str, Any]:
    items = [item_out(i) for i in pack.items.select_related("owner").order_by("id")]
    return {
        "id": pack.pk,
        "contract": pack.contract_id,
        "created_at": pack.created_at,
        "complete": all(i["done"] for i in items),
        "signed_off_at": pack.signed_off_at,
        "signed_off_by": pack.signed_off_by.get_username() if pack.signed_off_by else None,
        "sign_off_note": pack.sign_off_note,
        "items": items,
    }


def _pack_of_contract(request: HttpRequest, contract_id: int) -> HandoverPack:
    contract = get_contract(request.user, contract_id)
    pack = packs_for(request.user).filter(contract=contract).first()
    if pack is None:
        raise Http404(_("No such handover pack"))
    return pack


def _item(request: HttpRequest, item_id: int) -> HandoverItem:
    item = (
        HandoverItem.objects.select_related("pack", "pack__contract", "owner")
        .filter(pk=item_id, pack__in=packs_for(request.user))
        .first()
    )
    if item is None:
        raise Http404(_("No such handover item"))
    return item


@router.get(
    "/contracts/{contract_id}/handover",
    response=reads(PackOut, 404, 422),
    operation_id="handover_get",
    summary="A contract's handover pack",
)
def read_pack(request: HttpRequest, contract_id: Id) -> dict[str, Any]:
    return pack_out(_pack_of_contract(request, contract_id))


@router.post(
    "/contracts/{contract_id}/handover",
    response=writes(PackOut, 404, 409, status=201),
    operation_id="handover_create",
    summary="Start a contract's handover pack (staff)",
)
@idempotent
def create_pack(request: HttpRequest, contract_id: Id, payload: PackIn) -> Status[Any]:
    contract = get_contract(request.user, contract_id)
    require_staff(request, "start a handover")
    owner = reference(get_user_model().objects.filter(is_staff=True), payload.owner, "owner")
    pack = services.create_handover_pack(
        contract=contract, actor=actor_of(request), due_on=payload.due_on, owner=owner
    )
    return Status(201, pack_out(pack))


@router.patch(
    "/handover-items/{item_id}",
    response=writes(ItemOut, 404, 409),
    operation_id="handover_items_update",
    summary="Set a handover item's owner and due date (staff)",
)
def plan_item(request: HttpRequest, item_id: Id, payload: ItemPatch) -> dict[str, Any]:
    item = _item(request, item_id)
    require_staff(request, "plan the handover")
    fields = payload.dict(exclude_unset=True)
    owner = reference(get_user_model().objects.filter(is_staff=True), fields.get("owner"), "owner")
    services.plan_handover_item(
        item=item,
        actor=actor_of(request),
        owner=owner if "owner" in fields else item.owner,
        due_on=fields.get("due_on", item.due_on),
    )
    return item_out(_item(request, item_id))


@router.post(
    "/handover-items/{item_id}/document",
    response=writes(ItemOut, 404, 409),
    operation_id="handover_items_complete",
    summary="Attach the document and mark the item done (staff; multipart)",
)
def complete_item(request: HttpRequest, item_id: Id, file: File[UploadedFile]) -> dict[str, Any]:
    """Multipart ``file``; over ``ATTACHMENT_MAX_BYTES``: 422 on ``file``."""
    item = _item(request, item_id)
    require_staff(request, "hand documents over")
    check_size(int(file.size or 0))
    services.complete_handover_item(
        item=item,
        name=file.name or "",
        content=file,
        content_type=file.content_type or "",
        actor=actor_of(request),
    )
    return item_out(_item(request, item_id))


@router.get(
    "/handover-items/{item_id}/document",
    response=reads(ItemOut, 404, 422),
    operation_id="handover_items_document",
    url_name="handover_items_document",
    summary="Download a handover document (as an attachment, never rendered)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file: Content-Disposition attachment, nosniff",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def item_document(request: HttpRequest, item_id: Id) -> FileResponse:
    item = _item(request, item_id)
    if not item.file:
        raise Http404(_("No document yet"))
    return document_response(item)


def document_response(item: HandoverItem) -> FileResponse:
    """The document as ``tickets.attachments.download_response`` serves files (nosniff,
    attachment, active types as opaque bytes)."""
    return download_response(item)


@router.post(
    "/contracts/{contract_id}/handover/sign-off",
    response=writes(PackOut, 404, 409),
    operation_id="handover_sign_off",
    summary="Sign the handover off (the customer's contact)",
)
def sign_off(request: HttpRequest, contract_id: Id, payload: HandoverSignOffIn) -> dict[str, Any]:
    pack = _pack_of_contract(request, contract_id)
    services.sign_off_handover(pack=pack, actor=actor_of(request), note=payload.note)
    return pack_out(get_pack(request.user, pack.pk))


# --- training ------------------------------------------------------------------------------


class AttendeeOut(Schema):
    contact: int
    name: str
    attended: bool | None
    acknowledged_at: datetime | None


class TrainingOut(Schema):
    id: int
    contract: int
    topic: str
    starts_at: datetime
    duration_minutes: int
    trainer: str
    materials: str
    materials_html: str
    attendees: list[AttendeeOut]


class TrainingList(ListOut):
    items: list[TrainingOut]
    count: int


class TrainingIn(ApiIn):
    contract: BodyId
    topic: Topic
    starts_at: datetime
    trainer: Trainer
    duration_minutes: Minutes = 60
    materials: Body = ""
    attendees: list[BodyId] = []


class AttendanceIn(ApiIn):
    attended: list[BodyId] = []
    absent: list[BodyId] = []


def training_out(session: TrainingSession) -> dict[str, Any]:
    return {
        "id": session.pk,
        "contract": session.contract_id,
        "topic": session.topic,
        "starts_at": session.starts_at,
        "duration_minutes": session.duration_minutes,
        "trainer": session.trainer,
        "materials": session.materials,
        "materials_html": str(render_markdown(session.materials)),
        "attendees": [
            {
                "contact": a.contact_id,
                "name": a.contact.name,
                "attended": a.attended,
                "acknowledged_at": a.acknowledged_at,
            }
            for a in session.attendees.all()
        ],
    }


@router.get(
    "/trainings",
    response=reads(TrainingList, 422),
    operation_id="trainings_list",
    summary="Training sessions",
)
def list_trainings(
    request: HttpRequest, paging: Query[PageQuery], contract: IdFilter = None
) -> dict[str, Any]:
    qs = trainings_for(request.user).prefetch_related("attendees__contact")
    if contract is not None:
        qs = qs.filter(contract_id=contract)
    result = api_page(qs.order_by("-starts_at", "-id"), paging)
    result["items"] = [training_out(s) for s in result["items"]]
    return result


@router.post(
    "/trainings",
    response=writes(TrainingOut, status=201),
    operation_id="trainings_create",
    summary="Plan a training session (staff)",
)
@idempotent
def create_training(request: HttpRequest, payload: TrainingIn) -> Status[Any]:
    require_staff(request, "plan training")
    try:
        contract = get_contract(request.user, payload.contract)
    except Http404:
        raise DomainValidationError({"contract": [_("No such contract.")]}) from None
    attendees = references(
        Contact.objects.filter(customer_id=contract.customer_id), payload.attendees, "attendees"
    )
    session = services.create_training(
        contract=contract,
        topic=payload.topic,
        starts_at=payload.starts_at,
        trainer=payload.trainer,
        duration_minutes=payload.duration_minutes,
        materials=payload.materials,
        attendees=attendees or [],
        actor=actor_of(request),
    )
    return Status(201, training_out(get_training(request.user, session.pk)))


@router.get(
    "/trainings/{training_id}",
    response=reads(TrainingOut, 404, 422),
    operation_id="trainings_get",
    summary="A training session",
)
def read_training(request: HttpRequest, training_id: Id) -> dict[str, Any]:
    return training_out(get_training(request.user, training_id))


@router.post(
    "/trainings/{training_id}/attendance",
    response=writes(TrainingOut, 404),
    operation_id="trainings_attendance",
    summary="Record who attended (staff)",
)
def attendance(request: HttpRequest, training_id: Id, payload: AttendanceIn) -> dict[str, Any]:
    session = get_training(request.user, training_id)
    require_staff(request, "record attendance")
    marks = {pk: False for pk in payload.absent} | {pk: True for pk in payload.attended}
    services.record_attendance(session=session, attended=marks, actor=actor_of(request))
    return training_out(get_training(request.user, training_id))


@router.post(
    "/trainings/{training_id}/acknowledge",
    response=writes(TrainingOut, 404, 409),
    operation_id="trainings_acknowledge",
    summary="Acknowledge a training (the invited contact)",
)
def acknowledge(request: HttpRequest, training_id: Id) -> dict[str, Any]:
    session = get_training(request.user, training_id)
    contact = contact_for(request.user)
    if contact is None:
        raise PermissionDenied(_("Only the invited contacts acknowledge a training."))
    services.acknowledge_training(session=session, contact=contact)
    return training_out(get_training(request.user, training_id))
