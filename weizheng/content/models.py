"""Policies and news: the items an account publishes after 三审, their attachments, the links
between documents, the media library and the daily read and share counts."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from weizheng.core.review import Retractable, Reviewable


class Kind(models.TextChoices):
    POLICY = "policy", _("Policy document")
    NEWS = "news", _("News article")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", _("Chinese")
    EN = "en", _("English")


class Validity(models.TextChoices):
    IN_FORCE = "in_force", _("In force")
    AMENDED = "amended", _("Amended")
    REPEALED = "repealed", _("Repealed")


class Publication(models.TextChoices):
    UNPUBLISHED = "unpublished", _("Not published")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")
    RETRACTED = "retracted", _("Retracted")


class Item(Reviewable, Retractable):
    """A policy document or a news article in one language.

    The Chinese and English versions of one item share `group`; citizens are shown the version in
    their language and the other one, with a notice, when theirs is missing. Review state
    (Reviewable) and publication state are separate: an approved item is published at once or at
    `scheduled_at`, and may later be retracted with a reason.
    """

    account = models.ForeignKey(
        "wechat.OfficialAccount",
        verbose_name=_("official account"),
        on_delete=models.CASCADE,
        related_name="content_items",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.POLICY)
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.ZH_HANS
    )
    group = models.UUIDField(_("bilingual group"), default=uuid.uuid4, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    # Sanitised on save and again when shown: only the allow-list of content.sanitize survives.
    body = models.TextField(_("full text"), blank=True)

    # Policy documents (empty for news).
    document_number = models.CharField(
        _("document number"),
        max_length=64,
        blank=True,
        help_text=_("发文字号, e.g. 国办发〔2013〕100号."),
    )
    issuer = models.CharField(_("issuing body"), max_length=100, blank=True)
    topic = models.CharField(_("topic"), max_length=50, blank=True)
    written_on = models.DateField(_("date written"), null=True, blank=True)
    issued_on = models.DateField(_("date issued"), null=True, blank=True)
    effective_on = models.DateField(_("date effective"), null=True, blank=True)
    validity = models.CharField(
        _("validity"), max_length=10, choices=Validity.choices, default=Validity.IN_FORCE
    )

    # News articles.
    cover = models.ForeignKey(
        "content.MediaAsset",
        verbose_name=_("cover image"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    publication = models.CharField(
        _("publication"),
        max_length=12,
        choices=Publication.choices,
        default=Publication.UNPUBLISHED,
        db_index=True,
    )
    scheduled_at = models.DateTimeField(
        _("publish at"),
        null=True,
        blank=True,
        help_text=_("Empty: published as soon as the final review approves it."),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("content item")
        verbose_name_plural = _("content items")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "language"], name="content_item_one_version_per_language"
            ),
            models.UniqueConstraint(
                fields=["account", "language", "document_number"],
                condition=~models.Q(document_number=""),
                name="content_item_document_number_unique",
                violation_error_message=_("This account already has a document with this number."),
            ),
            models.CheckConstraint(
                condition=~models.Q(publication="published") | models.Q(published_at__isnull=False),
                name="content_item_published_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(publication="scheduled") | models.Q(scheduled_at__isnull=False),
                name="content_item_scheduled_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["account", "kind", "publication", "-published_at"],
                name="content_item_public_list",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_policy(self) -> bool:
        return self.kind == Kind.POLICY

    @property
    def is_public(self) -> bool:
        return self.publication == Publication.PUBLISHED

    @property
    def search_key(self) -> str:
        return f"content.{self.kind}:{self.pk}"


class RelationKind(models.TextChoices):
    INTERPRETS = "interprets", _("interprets")
    AMENDS = "amends", _("amends")
    REPEALS = "repeals", _("repeals")


class Relation(models.Model):
    """`source` interprets, amends or repeals `target` (both policies of the same account).
    Publishing an amending or repealing document marks its target amended or repealed."""

    source = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="relations_out")
    target = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="relations_in")
    kind = models.CharField(_("relation"), max_length=12, choices=RelationKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("link between documents")
        verbose_name_plural = _("links between documents")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "kind"], name="content_relation_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="content_relation_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name is ours (a random hex); the citizen downloads it under its original name.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"content/{instance.item.account_id}/attachments/{uuid.uuid4().hex}.{extension}"


class Attachment(models.Model):
    """A file attached to an item (the PDF of a document, a form to fill in)."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    name = models.CharField(_("name"), max_length=150)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class MediaKind(models.TextChoices):
    IMAGE = "image", _("Image")
    VOICE = "voice", _("Voice")
    VIDEO = "video", _("Video")
    THUMB = "thumb", _("Thumbnail")


def media_path(instance: MediaAsset, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"content/{instance.account_id}/media/{uuid.uuid4().hex}.{extension}"


class MediaAsset(models.Model):
    """A file of the account's media library, checked against WeChat's limits when uploaded, and
    optionally handed to WeChat (media_id) for replies and broadcasts."""

    account = models.ForeignKey(
        "wechat.OfficialAccount", on_delete=models.CASCADE, related_name="media_assets"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=MediaKind.choices)
    file = models.FileField(_("file"), upload_to=media_path, max_length=200)
    name = models.CharField(_("name"), max_length=150)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(max_length=100)
    duration_seconds = models.FloatField(_("duration"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    wechat_media_id = models.CharField(_("WeChat media_id"), max_length=128, blank=True)
    wechat_uploaded_at = models.DateTimeField(null=True, blank=True)
    # The file as permanent material of the account (material/add_material), uploaded once for
    # broadcasts and article covers: temporary media (above) expires after 3 days.
    wechat_material_id = models.CharField(
        _("WeChat permanent material id"), max_length=128, blank=True
    )
    wechat_material_url = models.CharField(max_length=500, blank=True)
    wechat_material_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("media file")
        verbose_name_plural = _("media library")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class DailyCount(models.Model):
    """Reads and shares of one item on one day (Asia/Shanghai). No one is identified: the
    browser remembers what it counted in a cookie, nothing about it is stored here."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="daily_counts")
    day = models.DateField()
    reads = models.PositiveIntegerField(default=0)
    shares = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "day"], name="content_daily_count_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.day}: {self.reads} reads, {self.shares} shares"
