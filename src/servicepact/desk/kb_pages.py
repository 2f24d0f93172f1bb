"""Desk pages of the knowledge base, handover packs and training (issue 19).

Thin: forms parse, ``kb.services`` validates and writes (the same rules as the API), and its
field errors are shown on the forms.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicepact.accounts.actors import actor_of
from servicepact.accounts.selectors import staff_timezone
from servicepact.contracts.selectors import get_contract
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.pagination import paginate_page
from servicepact.core.time import local_date, now
from servicepact.customers.models import Contact, Customer
from servicepact.customers.selectors import is_staff
from servicepact.desk.access import staff_required
from servicepact.kb import services
from servicepact.kb.choices import ArticleKind, Language, Visibility
from servicepact.kb.models import Article, HandoverItem, HandoverPack, TrainingSession
from servicepact.kb.render import render_markdown
from servicepact.kb.search import search_articles
from servicepact.kb.selectors import DEFLECTION_MINUTES, deflection, stale_filter, translations
from servicepact.tickets.attachments import download_response
from servicepact.tickets.selectors import get_ticket

PER_PAGE = 50
DEFLECTION_DAYS = 30


class ArticleForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ArticleKind.choices)
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=Language.choices)
    visibility = forms.ChoiceField(label=gettext_lazy("Visibility"), choices=Visibility.choices)
    customer = forms.ModelChoiceField(
        label=gettext_lazy("Customer"),
        queryset=Customer.objects.order_by("name"),
        required=False,
        help_text=gettext_lazy("Only for an article of one customer."),
    )
    body = forms.CharField(
        label=gettext_lazy("Body (Markdown)"), widget=forms.Textarea(attrs={"rows": 14})
    )
    workaround = forms.CharField(
        label=gettext_lazy("Workaround (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("For a known error: how to work around it until it is fixed."),
    )
    review_due = forms.DateField(
        label=gettext_lazy("Review due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("The article is flagged as stale from this date until edited."),
    )
    translation_of = forms.ModelChoiceField(
        label=gettext_lazy("Translation of"),
        queryset=Article.objects.filter(translation_of__isnull=True).order_by("title"),
        required=False,
    )
    asset_models = forms.CharField(
        label=gettext_lazy("Asset models"),
        required=False,
        max_length=1000,
        help_text=gettext_lazy("Comma-separated, e.g. PowerEdge R740, ProLiant DL380."),
    )
    note = forms.CharField(label=gettext_lazy("Change note"), required=False, max_length=300)


def _article_values(form: ArticleForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data["asset_models"] = [m for m in data["asset_models"].split(",") if m.strip()]
    return data


def _form_errors(form: forms.Form, exc: DomainValidationError) -> None:
    for field, problems in exc.errors.items():
        form.add_error(field if field in form.fields else None, problems)


@require_GET
@staff_required
def kb_list(request: HttpRequest) -> HttpResponse:
    today = local_date(now(), staff_timezone(request.user))
    query = request.GET.get("q", "").strip()[:200]
    stale_only = request.GET.get("stale") == "1"
    context: dict[str, Any] = {"q": query, "stale_only": stale_only, "today": today, "query": ""}
    if query:
        context["rows"] = search_articles(request.user, query, limit=PER_PAGE)
        context["page"] = None
    else:
        qs = Article.objects.select_related("customer").order_by("-updated_at", "-id")
        if stale_only:
            qs = qs.filter(stale_filter(today))
        context["page"] = paginate_page(qs, page=request.GET.get("page"), per_page=PER_PAGE)
        context["rows"] = context["page"].items
        context["query"] = "stale=1" if stale_only else ""
    moment = now()
    context["stale_count"] = Article.objects.filter(stale_filter(today)).count()
    context["deflection"] = deflection(moment - timedelta(days=DEFLECTION_DAYS), moment, moment)
    context["deflection_days"] = DEFLECTION_DAYS
    context["deflection_minutes"] = DEFLECTION_MINUTES
    return render(request, "desk/kb/list.html", context)


@require_http_methods(["GET", "POST"])
@staff_required
def kb_new(request: HttpRequest) -> HttpResponse:
    form = ArticleForm(request.POST or None, initial={"visibility": Visibility.INTERNAL})
    if request.method == "POST" and form.is_valid():
        try:
            article = services.create_article(actor=actor_of(request), **_article_values(form))
        except DomainValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request, _("Article %(number)s is saved.") % {"number": article.number}
            )
            return redirect("desk:kb-article", pk=article.pk)
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "desk/kb/edit.html", {"form": form, "article": None}, status=status)


@require_http_methods(["GET", "POST"])
@staff_required
def kb_edit(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    initial = {
        name: getattr(article, name)
        for name in ("title", "kind", "language", "visibility", "customer", "body")
    } | {
        "workaround": article.workaround,
        "review_due": article.review_due,
        "translation_of": article.translation_of,
        "asset_models": ", ".join(article.asset_models or []),
    }
    form = ArticleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = _article_values(form)
        try:
            services.update_article(
                article=article,
                actor=actor_of(request),
                note=values.pop("note"),
                asset_models=values.pop("asset_models"),
                **values,
            )
        except DomainValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request, _("Article %(number)s is saved.") % {"number": article.number}
            )
            return redirect("desk:kb-article", pk=article.pk)
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "desk/kb/edit.html", {"form": form, "article": article}, status=status)


@require_GET
@staff_required
def kb_article(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article.objects.select_related("customer", "created_by"), pk=pk)
    today = local_date(now(), staff_timezone(request.user))
    return render(
        request,
        "desk/kb/article.html",
        {
            "article": article,
            "body": render_markdown(article.body),
            "workaround": render_markdown(article.workaround),
            "versions": article.versions.select_related("author").order_by("-number")[:20],
            "links": article.ticket_links.select_related("ticket").order_by("-linked_at")[:20],
            "translations": translations(request.user, article),
            "stale": article.review_due is not None and article.review_due <= today,
            "agent_tz": staff_timezone(request.user),
        },
    )


@require_POST
@staff_required
def kb_from_ticket(request: HttpRequest, pk: int) -> HttpResponse:
    """One step: an internal article prefilled from the resolved ticket, linked to it."""
    ticket = get_ticket(request.user, pk)
    try:
        article = services.article_from_ticket(ticket=ticket, actor=actor_of(request))
    except TransitionError as exc:
        messages.error(request, exc.message)
        return redirect("desk:ticket", pk=pk)
    messages.success(
        request,
        _("Article %(number)s is drafted from the ticket: check it and choose who may read it.")
        % {"number": article.number},
    )
    return redirect("desk:kb-edit", pk=article.pk)


# --- handover and training ----------------------------------------------------------------


class PlanItemForm(forms.Form):
    owner = forms.ModelChoiceField(
        label=gettext_lazy("Owner"),
        queryset=get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .order_by("username"),
        required=False,
    )
    due_on = forms.DateField(
        label=gettext_lazy("Due on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class TrainingForm(forms.Form):
    topic = forms.CharField(label=gettext_lazy("Topic"), max_length=200)
    starts_at = forms.DateTimeField(
        label=gettext_lazy("Starts (UTC)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    duration_minutes = forms.IntegerField(
        label=gettext_lazy("Duration (minutes)"), min_value=1, max_value=1440, initial=60
    )
    trainer = forms.CharField(label=gettext_lazy("Trainer"), max_length=200)
    attendees = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Attendees"), queryset=Contact.objects.none(), required=False
    )
    materials = forms.CharField(
        label=gettext_lazy("Materials (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, customer_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["attendees"]
        field.queryset = Contact.objects.filter(customer_id=customer_id).order_by("name")  # type: ignore[attr-defined]


def _handover_action(request: HttpRequest, contract: Any, pack: HandoverPack | None) -> None:
    """One POST of the handover page: create the pack, plan or complete an item, plan a
    training or record its attendance. Refusals raise (shown as messages)."""
    action = request.POST.get("action", "")
    actor = actor_of(request)
    if action == "create":
        services.create_handover_pack(contract=contract, actor=actor)
        return
    if action in ("plan", "upload"):
        item = get_object_or_404(HandoverItem, pk=request.POST.get("item") or 0, pack=pack)
        if action == "plan":
            plan = PlanItemForm(request.POST, prefix=f"i{item.pk}")
            if not plan.is_valid():
                raise DomainValidationError(
                    {k: [str(e) for e in v] for k, v in plan.errors.items()}
                )
            services.plan_handover_item(item=item, actor=actor, **plan.cleaned_data)
        else:
            upload = request.FILES.get("file")
            if upload is None:
                raise DomainValidationError({"file": [_("Choose the document to attach.")]})
            services.complete_handover_item(
                item=item,
                name=upload.name or "",
                content=upload,
                content_type=upload.content_type or "",
                actor=actor,
            )
        return
    if action == "attendance":
        session = get_object_or_404(
            TrainingSession, pk=request.POST.get("session") or 0, contract=contract
        )
        present = {int(v) for v in request.POST.getlist("attended") if v.isdigit()}
        marks = {a.contact_id: a.contact_id in present for a in session.attendees.all()}
        services.record_attendance(session=session, attended=marks, actor=actor)
        return
    raise Http404(_("No such action"))


@require_http_methods(["GET", "POST"])
@staff_required
def handover(request: HttpRequest, pk: int) -> HttpResponse:
    contract = get_contract(request.user, pk)
    pack = HandoverPack.objects.filter(contract=contract).first()
    training_form = TrainingForm(
        request.POST if request.POST.get("action") == "training" else None,
        customer_id=contract.customer_id,
    )
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "training":
                if not training_form.is_valid():
                    raise DomainValidationError({})
                data = dict(training_form.cleaned_data)
                services.create_training(contract=contract, actor=actor_of(request), **data)
            else:
                _handover_action(request, contract, pack)
        except DomainValidationError as exc:
            for field, problems in exc.errors.items():
                messages.error(request, f"{field}: {' '.join(str(p) for p in problems)}")
            status = 422
        except (TransitionError, PermissionDenied) as exc:
            messages.error(request, str(getattr(exc, "message", exc)))
            status = 409
        else:
            messages.success(request, _("Saved."))
            return redirect("desk:handover", pk=pk)
    items = list(pack.items.select_related("owner").order_by("id")) if pack else []
    sessions = (
        TrainingSession.objects.filter(contract=contract)
        .prefetch_related("attendees__contact")
        .order_by("-starts_at", "-id")[:50]
    )
    return render(
        request,
        "desk/kb/handover.html",
        {
            "contract": contract,
            "pack": pack,
            "items": [
                (i, PlanItemForm(initial={"owner": i.owner, "due_on": i.due_on}, prefix=f"i{i.pk}"))
                for i in items
            ],
            "sessions": sessions,
            "training_form": training_form,
            "agent_tz": staff_timezone(request.user),
        },
        status=status,
    )


@require_GET
def handover_document(request: HttpRequest, pk: int) -> FileResponse:
    """A handover document for staff (others: 404); a file, so no login redirect."""
    item = HandoverItem.objects.filter(pk=pk).first()
    if item is None or not item.file or not is_staff(request.user):
        raise Http404(_("No such document"))
    return download_response(item)
