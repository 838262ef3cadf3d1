"""Service guides (办事指南): what a citizen needs to know before applying for one service —
conditions, materials, fees, time limits, steps, place and hours, FAQ — published after 三审."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from weizheng.core.review import Reviewable


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", _("Chinese")
    EN = "en", _("English")


class HandlingMode(models.TextChoices):
    ONLINE = "online", _("Online")
    OFFLINE = "offline", _("At the service hall")
    BOTH = "both", _("Online or at the service hall")


class GuidePublication(models.TextChoices):
    UNPUBLISHED = "unpublished", _("Not published")
    PUBLISHED = "published", _("Published")
    RETRACTED = "retracted", _("Retracted")


class ServiceGuide(Reviewable):
    """The guide to one service (事项) of an account, in one language.

    The Chinese and English versions share `group` (as content items do). Review state
    (Reviewable) and publication are separate: the final approval publishes the guide and puts it
    in the search index; a retraction takes it off both.
    """

    account = models.ForeignKey(
        "wechat.OfficialAccount",
        verbose_name=_("official account"),
        on_delete=models.CASCADE,
        related_name="service_guides",
    )
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.ZH_HANS
    )
    group = models.UUIDField(_("bilingual group"), default=uuid.uuid4, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    code = models.CharField(
        _("service code"),
        max_length=64,
        blank=True,
        help_text=_("事项编码 of the government service catalogue, if it has one."),
    )
    category = models.CharField(_("category"), max_length=50)
    department = models.CharField(_("handling department"), max_length=100)
    conditions = models.TextField(_("applicable conditions"), blank=True)
    fee_fen = models.PositiveIntegerField(_("fee (fen)"), default=0)
    fee_basis = models.CharField(_("fee basis"), max_length=500, blank=True)
    statutory_days = models.PositiveSmallIntegerField(
        _("statutory time limit (working days)"), null=True, blank=True
    )
    promised_days = models.PositiveSmallIntegerField(
        _("promised time limit (working days)"), null=True, blank=True
    )
    steps = models.TextField(_("steps"), blank=True, help_text=_("One step per line."))
    place = models.CharField(_("place"), max_length=300, blank=True)
    hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    phone = models.CharField(_("enquiries phone"), max_length=50, blank=True)
    mode = models.CharField(
        _("handling mode"), max_length=8, choices=HandlingMode.choices, default=HandlingMode.BOTH
    )

    publication = models.CharField(
        _("publication"),
        max_length=12,
        choices=GuidePublication.choices,
        default=GuidePublication.UNPUBLISHED,
        db_index=True,
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    retracted_at = models.DateTimeField(_("retracted"), null=True, blank=True)
    retracted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("retracted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    retraction_reason = models.CharField(_("retraction reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("service guide")
        verbose_name_plural = _("service guides")
        ordering = ["category", "title", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "language"], name="eservices_guide_one_version_per_language"
            ),
            models.UniqueConstraint(
                fields=["account", "language", "code"],
                condition=~models.Q(code=""),
                name="eservices_guide_code_unique",
                violation_error_message=_("This account already has a guide with this code."),
            ),
            models.CheckConstraint(
                condition=models.Q(promised_days__isnull=True)
                | models.Q(statutory_days__isnull=True)
                | models.Q(promised_days__lte=models.F("statutory_days")),
                name="eservices_guide_promise_within_statute",
            ),
            models.CheckConstraint(
                condition=~models.Q(publication="published") | models.Q(published_at__isnull=False),
                name="eservices_guide_published_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["account", "publication", "category"], name="eservices_guide_public"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.publication == GuidePublication.PUBLISHED

    @property
    def search_key(self) -> str:
        return f"eservices.guide:{self.pk}"

    @property
    def fee_yuan(self) -> str:
        """The fee as citizens read it: 10.00, or 10 for a whole amount."""
        yuan, fen = divmod(self.fee_fen, 100)
        return f"{yuan}" if not fen else f"{yuan}.{fen:02d}"

    @property
    def step_list(self) -> list[str]:
        return [line.strip() for line in self.steps.splitlines() if line.strip()]


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", _("Original")
    COPY = "copy", _("Copy")
    BOTH = "both", _("Original and copy")
    ELECTRONIC = "electronic", _("Electronic")


class GuideMaterial(models.Model):
    """One document the applicant brings or uploads (申请材料)."""

    guide = models.ForeignKey(ServiceGuide, on_delete=models.CASCADE, related_name="materials")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("material"), max_length=200)
    form = models.CharField(
        _("original or copy"),
        max_length=10,
        choices=MaterialForm.choices,
        default=MaterialForm.ORIGINAL,
    )
    copies = models.PositiveSmallIntegerField(_("copies"), default=1)
    is_required = models.BooleanField(_("required"), default=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


class GuideQuestion(models.Model):
    """A frequently asked question about the service, with its answer."""

    guide = models.ForeignKey(ServiceGuide, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    question = models.CharField(_("question"), max_length=200)
    answer = models.TextField(_("answer"))

    class Meta:
        verbose_name = _("frequently asked question")
        verbose_name_plural = _("frequently asked questions")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.question
