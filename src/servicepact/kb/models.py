"""Knowledge base (articles, versions, links, views), handover packs and training sessions.

Search columns: ``search_title`` and ``search_body`` hold the article's text prepared for the
full-text index (``kb.text.prepare``: words lower-cased, Chinese as character bigrams). The
index itself lives in the database, outside the ORM (migration 0002): on SQLite an FTS5 table
``kb_article_fts`` kept by triggers, on PostgreSQL a generated ``search_vector`` column with a
GIN index. docs/adr/0015-kb-search.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicepact.assets.models import Asset
from servicepact.billing.models import ImmutableRow
from servicepact.contracts.models import Contract, ServicePlan
from servicepact.customers.models import Contact, Customer
from servicepact.kb.choices import (
    TITLE_MAX_CHARS,
    ArticleKind,
    HandoverDocument,
    Language,
    Visibility,
)
from servicepact.tickets.models import Ticket


class Article(models.Model):
    """The current text of an article; every edit also appends an ``ArticleVersion``.

    Visibility: internal (staff only), one customer (``customer`` set), or public to every
    customer's contacts. A translation points at its original (``translation_of``); the
    original and its translations form one family, at most one article per language.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ArticleKind.choices)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="kb_articles",
        verbose_name=_("customer"),
    )
    language = models.CharField(
        _("language"), max_length=10, choices=Language.choices, default=Language.ENGLISH
    )
    translation_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="translations",
        verbose_name=_("translation of"),
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_CHARS)
    body = models.TextField(_("body (Markdown)"))
    workaround = models.TextField(_("workaround (Markdown)"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    review_due = models.DateField(_("review due"), null=True, blank=True)
    assets = models.ManyToManyField(
        Asset, blank=True, related_name="kb_articles", verbose_name=_("assets")
    )
    asset_models = models.JSONField(_("asset models"), default=list, blank=True)
    services = models.ManyToManyField(
        ServicePlan, blank=True, related_name="kb_articles", verbose_name=_("services")
    )
    solved_count = models.PositiveIntegerField(_("solved it"), default=0)
    search_title = models.TextField(editable=False, default="")
    search_body = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(visibility=Visibility.CUSTOMER, customer__isnull=False)
                    | (~models.Q(visibility=Visibility.CUSTOMER) & models.Q(customer__isnull=True))
                ),
                name="kb_article_customer_iff_customer_visibility",
            ),
        ]
        indexes = [
            models.Index(fields=["visibility", "customer"], name="kb_article_visibility_idx"),
            models.Index(fields=["review_due"], name="kb_article_review_idx"),
        ]
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def __str__(self) -> str:
        return f"{self.number}: {self.title}"

    @property
    def number(self) -> str:
        return f"KB-{self.pk:05d}" if self.pk else "KB-new"


class ArticleVersion(ImmutableRow):
    """One saved state of an article: who wrote it and when. Never changed or deleted."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=TITLE_MAX_CHARS)
    body = models.TextField(_("body (Markdown)"))
    workaround = models.TextField(_("workaround (Markdown)"), blank=True)
    note = models.CharField(_("change note"), max_length=300, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="kb_version_unique"),
        ]
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")


class ArticleTicket(models.Model):
    """An article used on a ticket; ``solved``: "this solved it" (counted on the article)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="ticket_links")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="kb_links")
    solved = models.BooleanField(_("solved it"), default=False)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    linked_at = models.DateTimeField(_("linked at"))

    class Meta:
        ordering = ["-linked_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "ticket"], name="kb_article_ticket_unique"),
        ]


class ArticleView(models.Model):
    """A contact opened an article; ``suggested``: from the suggestions while filing a ticket
    (those views are what deflection counts, ``kb.selectors.deflection``)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="views")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="kb_views")
    suggested = models.BooleanField(default=False)
    viewed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["suggested", "viewed_at"], name="kb_view_suggested_idx"),
        ]


class HandoverPack(models.Model):
    """A contract's handover: the required documents as a checklist, then the customer's
    sign-off (once every item is done)."""

    contract = models.OneToOneField(Contract, on_delete=models.CASCADE, related_name="handover")
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sign_off_note = models.CharField(_("sign-off note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("handover pack")
        verbose_name_plural = _("handover packs")

    def __str__(self) -> str:
        return f"{self.contract}"


class HandoverItem(models.Model):
    """One document of the pack: owner, due date, and once done, the document attached."""

    pack = models.ForeignKey(HandoverPack, on_delete=models.CASCADE, related_name="items")
    document = models.CharField(_("document"), max_length=20, choices=HandoverDocument.choices)
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    file = models.FileField(_("document file"), upload_to="handover/%Y/%m/", blank=True)
    name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=150, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)

    class Meta:
        ordering = ["pack", "id"]
        verbose_name = _("handover item")
        verbose_name_plural = _("handover items")


class TrainingSession(models.Model):
    """A training session for a contract's customer: who trained, who was invited, materials."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="trainings")
    topic = models.CharField(_("topic"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=60)
    trainer = models.CharField(_("trainer"), max_length=200)
    materials = models.TextField(_("materials (Markdown)"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["contract", "starts_at"], name="kb_training_contract_idx"),
        ]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")

    def __str__(self) -> str:
        return self.topic


class TrainingAttendance(models.Model):
    """An invited contact: attended (recorded by staff), acknowledged (by the contact)."""

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="attendees")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="trainings")
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        ordering = ["session", "contact__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "contact"], name="kb_attendance_unique"),
        ]
