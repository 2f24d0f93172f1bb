"""Portal pages of the knowledge base, the handover and training (issue 19).

- ``kb/``: search (ranked, English and Chinese) or the latest articles the contact may read.
- ``kb/<id>/``: one article, rendered safely; ``?from=suggest`` records a suggested view,
  which deflection counts (``kb.selectors.deflection``).
- ``kb/suggest/``: the htmx fragment of matching articles while a ticket is being filed.
- ``contracts/<id>/handover/``: the checklist, the documents, the sign-off.
- ``trainings/``: the sessions the contact is invited to; acknowledge one.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicepact.accounts.actors import actor_of
from servicepact.contracts.selectors import get_contract
from servicepact.core.errors import TransitionError
from servicepact.core.pagination import paginate_page
from servicepact.kb import services
from servicepact.kb.models import HandoverItem, HandoverPack
from servicepact.kb.render import render_markdown
from servicepact.kb.search import search_articles
from servicepact.kb.selectors import (
    get_article,
    get_training,
    packs_for,
    trainings_for,
    translations,
    visible_articles,
)
from servicepact.portal.access import contact_required
from servicepact.tickets.attachments import download_response

SUGGESTIONS = 5
PER_PAGE = 25


@require_GET
@contact_required
def kb_home(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    context: dict[str, object] = {"q": query, "query": ""}
    if query:
        context["rows"] = search_articles(request.user, query, limit=PER_PAGE)
        context["page"] = None
    else:
        qs = visible_articles(request.user).order_by("-updated_at", "-id")
        page = paginate_page(qs, page=request.GET.get("page"), per_page=PER_PAGE)
        context["page"] = page
        context["rows"] = page.items
    return render(request, "portal/kb/home.html", context)


@require_GET
@contact_required
def kb_article(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_article(request.user, pk)
    suggested = request.GET.get("from") == "suggest"
    services.record_view(article=article, contact=request.contact, suggested=suggested)  # type: ignore[attr-defined]
    return render(
        request,
        "portal/kb/article.html",
        {
            "article": article,
            "body": render_markdown(article.body),
            "workaround": render_markdown(article.workaround),
            "translations": translations(request.user, article),
            "suggested": suggested,
            "tz": request.contact.local_timezone,  # type: ignore[attr-defined]
        },
    )


@require_GET
@contact_required
def kb_suggest(request: HttpRequest) -> HttpResponse:
    """Articles matching the subject typed so far (public and the customer's own)."""
    subject = request.GET.get("subject", "").strip()[:200]
    found = search_articles(request.user, subject, limit=SUGGESTIONS) if len(subject) >= 2 else []
    return render(request, "portal/kb/_suggestions.html", {"suggestions": found})


def _pack(request: HttpRequest, contract_pk: int) -> HandoverPack:
    contract = get_contract(request.user, contract_pk)
    pack = packs_for(request.user).filter(contract=contract).first()
    if pack is None:
        raise Http404(_("No such handover pack"))
    return pack


@require_http_methods(["GET", "POST"])
@contact_required
def handover(request: HttpRequest, pk: int) -> HttpResponse:
    pack = _pack(request, pk)
    error = ""
    if request.method == "POST":
        try:
            services.sign_off_handover(
                pack=pack,
                actor=actor_of(request),
                note=request.POST.get("note", "")[:300],
            )
        except (TransitionError, PermissionDenied) as exc:
            error = str(getattr(exc, "message", exc))
        else:
            messages.success(request, _("Thank you: the handover is signed off."))
            return redirect("portal:handover", pk=pk)
    items = HandoverItem.objects.filter(pack=pack).select_related("owner").order_by("id")
    return render(
        request,
        "portal/kb/handover.html",
        {
            "pack": pack,
            "items": items,
            "complete": not any(i.done_at is None for i in items),
            "error": error,
            "tz": request.contact.local_timezone,  # type: ignore[attr-defined]
        },
        status=409 if error else 200,
    )


@require_GET
def handover_document(request: HttpRequest, pk: int) -> FileResponse:
    """A handover document as a download (nosniff, never rendered). No login decorator (they
    answer pages, not files): ``packs_for`` scopes it, so a stranger or another customer's
    contact gets a 404."""
    item = HandoverItem.objects.filter(pk=pk, pack__in=packs_for(request.user)).first()
    if item is None or not item.file:
        raise Http404(_("No such document"))
    return download_response(item)


@require_GET
@contact_required
def training_list(request: HttpRequest) -> HttpResponse:
    contact = request.contact  # type: ignore[attr-defined]
    qs = (
        trainings_for(request.user)
        .filter(attendees__contact=contact)
        .prefetch_related("attendees")
        .order_by("-starts_at", "-id")
    )
    page = paginate_page(qs, page=request.GET.get("page"), per_page=PER_PAGE)
    rows = [
        (
            s,
            render_markdown(s.materials),
            next(a for a in s.attendees.all() if a.contact_id == contact.pk),
        )
        for s in page.items
    ]
    return render(
        request,
        "portal/kb/trainings.html",
        {"page": page, "rows": rows, "tz": contact.local_timezone},
    )


@require_POST
@contact_required
def training_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_training(request.user, pk)
    try:
        services.acknowledge_training(session=session, contact=request.contact)  # type: ignore[attr-defined]
    except TransitionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you: your acknowledgement is recorded."))
    return redirect("portal:trainings")
