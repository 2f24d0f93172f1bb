"""Knowledge-base reads, scoped by tenancy: articles, handover packs, training sessions.

A contact reads public articles and its own customer's; internal articles never. Another
customer's article, pack or session is a 404, like everything outside a contact's tenancy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from servicepact.customers.selectors import contact_for, is_staff, scope_to_customer
from servicepact.kb.choices import Visibility
from servicepact.kb.models import Article, ArticleView, HandoverPack, TrainingSession
from servicepact.tickets.models import Ticket

# A contact who opens a suggested article and files no ticket within this many minutes was
# helped by the article: a deflected ticket (docs/knowledge-base.md, "Deflection").
DEFLECTION_MINUTES = 30


def visible_articles(user: Any) -> QuerySet[Article]:
    """Staff: every article; a contact: public and its customer's; anyone else: none."""
    qs = Article.objects.select_related("customer")
    if is_staff(user):
        return qs
    contact = contact_for(user)
    if contact is None:
        return qs.none()
    return qs.filter(
        Q(visibility=Visibility.PUBLIC)
        | Q(visibility=Visibility.CUSTOMER, customer_id=contact.customer_id)
    )


def get_article(user: Any, pk: int) -> Article:
    article = visible_articles(user).filter(pk=pk).first()
    if article is None:
        raise Http404(_("No such article"))
    return article


def translations(user: Any, article: Article) -> list[Article]:
    """The other languages of the same article (its family: original and translations)."""
    root = article.translation_of_id or article.pk
    return list(
        visible_articles(user)
        .filter(Q(pk=root) | Q(translation_of_id=root))
        .exclude(pk=article.pk)
        .order_by("language")
    )


def stale_filter(today: date) -> Q:
    """Articles whose review date has come: flagged in the desk until reviewed (edited)."""
    return Q(review_due__isnull=False, review_due__lte=today)


@dataclass(frozen=True)
class Deflection:
    suggested_views: int
    deflected: int
    pending: int


def deflection(start: datetime, end: datetime, now: datetime) -> Deflection:
    """Views opened from the suggestions in [start, end): deflected when the same contact
    opened no ticket from the view until ``DEFLECTION_MINUTES`` after it; pending while that
    time has not passed yet. All counted in SQL."""
    window = timedelta(minutes=DEFLECTION_MINUTES)
    views = ArticleView.objects.filter(suggested=True, viewed_at__gte=start, viewed_at__lt=end)
    filed = Ticket.objects.filter(
        contact_id=OuterRef("contact_id"),
        opened_at__gte=OuterRef("viewed_at"),
        opened_at__lte=OuterRef("viewed_at") + window,
    )
    decided = views.filter(viewed_at__lte=now - window)
    return Deflection(
        suggested_views=views.count(),
        deflected=decided.filter(~Exists(filed)).count(),
        pending=views.filter(viewed_at__gt=now - window).count(),
    )


def packs_for(user: Any) -> QuerySet[HandoverPack]:
    qs = HandoverPack.objects.select_related("contract", "contract__customer", "signed_off_by")
    return scope_to_customer(qs, user, field="contract__customer")


def get_pack(user: Any, pk: int) -> HandoverPack:
    pack = packs_for(user).filter(pk=pk).first()
    if pack is None:
        raise Http404(_("No such handover pack"))
    return pack


def trainings_for(user: Any) -> QuerySet[TrainingSession]:
    qs = TrainingSession.objects.select_related("contract", "contract__customer")
    return scope_to_customer(qs, user, field="contract__customer")


def get_training(user: Any, pk: int) -> TrainingSession:
    session = trainings_for(user).filter(pk=pk).first()
    if session is None:
        raise Http404(_("No such training session"))
    return session
