"""Service guides (办事指南): what a citizen needs to know before applying for one service —
conditions, materials, fees, time limits, steps, place and hours, FAQ — published after 三审."""

from __future__ import annotations

import json
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from weizheng.core.fields import EncryptedTextField
from weizheng.core.review import Retractable, Reviewable


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


class ServiceGuide(Reviewable, Retractable):
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
    # Set in the form designer (eservices.manage), not part of the guide's 三审: citizens see
    # "apply online" on a published guide with this set, an online handling mode and a form.
    accepts_online = models.BooleanField(_("online application enabled"), default=False)

    publication = models.CharField(
        _("publication"),
        max_length=12,
        choices=GuidePublication.choices,
        default=GuidePublication.UNPUBLISHED,
        db_index=True,
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
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


# --- online applications (网办) ---------------------------------------------------------------
class FieldKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    SELECT = "select", _("Choice from a list")
    ID_NUMBER = "id_number", _("Resident ID number")
    PHONE = "phone", _("Mobile phone number")
    ADDRESS = "address", _("Address")
    FILE = "file", _("File upload")


class Prefill(models.TextChoices):
    """A value taken from the applicant's real-name binding: shown masked, never typed."""

    NONE = "", _("Typed by the applicant")
    NAME = "name", _("Name from the real-name binding")
    ID_NUMBER = "id_number", _("ID number from the real-name binding")
    PHONE = "phone", _("Mobile number from the real-name binding")


class DateLimit(models.TextChoices):
    """What a date answer must be to be plausible (a loss date is not in the future)."""

    NONE = "", _("Any date")
    NOT_AFTER_TODAY = "not_after_today", _("Not after today")
    NOT_BEFORE_TODAY = "not_before_today", _("Not before today")


class FileType(models.TextChoices):
    """File types an upload field may accept, recognised by their first bytes."""

    PDF = "pdf", "PDF"
    JPEG = "jpeg", "JPEG"
    PNG = "png", "PNG"


class ApplicationField(models.Model):
    """One question of a service's online application form, defined in the back office."""

    guide = models.ForeignKey(ServiceGuide, on_delete=models.CASCADE, related_name="form_fields")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    key = models.SlugField(_("key"), max_length=40)
    label = models.CharField(_("label"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=FieldKind.choices)
    is_required = models.BooleanField(_("required"), default=True)
    # The options of a select field.
    choices = models.JSONField(_("choices"), default=list, blank=True)
    help_text = models.CharField(_("help text"), max_length=200, blank=True)
    prefill = models.CharField(
        _("filled from the binding"), max_length=10, choices=Prefill.choices, blank=True
    )
    # Upload fields: the accepted types (FileType values) and the largest file in KB.
    file_types = models.JSONField(_("accepted file types"), default=list, blank=True)
    max_size_kb = models.PositiveIntegerField(_("largest file (KB)"), null=True, blank=True)
    # Date fields: a plausible date (DateLimit).
    date_limit = models.CharField(
        _("date limit"), max_length=20, choices=DateLimit.choices, blank=True, default=""
    )
    # Required only when the select field with this key has this answer (both or neither);
    # such a field is stored with is_required False: the condition decides.
    required_when_field = models.SlugField(_("required when field"), max_length=40, blank=True)
    required_when_value = models.CharField(_("required when value"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("application form field")
        verbose_name_plural = _("application form fields")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["guide", "key"], name="eservices_field_key_unique")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_file(self) -> bool:
        return self.kind == FieldKind.FILE

    @property
    def is_masked(self) -> bool:
        """Shown masked on every screen: ID and phone numbers, whoever looks."""
        return self.kind in (FieldKind.ID_NUMBER, FieldKind.PHONE) or self.prefill in (
            Prefill.ID_NUMBER,
            Prefill.PHONE,
        )


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned for correction")
    UNDER_REVIEW = "under_review", _("Under review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    COMPLETED = "completed", _("Completed")


class Application(models.Model):
    """A citizen's online application for one service (网办件).

    A draft has no receipt number; submission gives it one. `due_at` is the working-day clock of
    the step the department owes: deciding whether to accept (from submission), then the
    decision (from acceptance, the guide's promised limit). While the application is back with
    the citizen for correction the clock is stopped (`due_at` empty).
    """

    account = models.ForeignKey(
        "wechat.OfficialAccount", on_delete=models.CASCADE, related_name="applications"
    )
    guide = models.ForeignKey(ServiceGuide, on_delete=models.PROTECT, related_name="applications")
    openid = models.CharField(_("OpenID"), max_length=64, db_index=True)
    receipt_no = models.CharField(_("receipt number"), max_length=20, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
        db_index=True,
    )
    # The answers as JSON, sealed at rest: they hold ID numbers and addresses.
    sealed_answers = EncryptedTextField(_("answers"), blank=True, default="")
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    last_note = models.CharField(_("last note to the citizen"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("online application")
        verbose_name_plural = _("online applications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["receipt_no"],
                condition=~models.Q(receipt_no=""),
                name="eservices_application_receipt_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | ~models.Q(receipt_no=""),
                name="eservices_application_submitted_has_receipt",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "status", "due_at"], name="eservices_app_queue"),
        ]

    def __str__(self) -> str:
        return self.receipt_no or f"draft {self.pk}"

    @property
    def answers(self) -> dict[str, str]:
        return json.loads(self.sealed_answers) if self.sealed_answers else {}

    @staticmethod
    def seal(answers: dict[str, str]) -> str:
        return json.dumps(answers, ensure_ascii=False, sort_keys=True)


class ApplicationEvent(models.Model):
    """One change of an application's status: who, when, why; the citizen's progress page and
    the department's history show these."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, choices=ApplicationStatus.choices)
    to_status = models.CharField(max_length=12, choices=ApplicationStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=64, blank=True)
    note = models.CharField(max_length=500, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.from_status} → {self.to_status}"


class ApplicationFile(models.Model):
    """The file a citizen attached to one upload field of an application (one per field).

    Stored under MEDIA_ROOT/private/, which no URL serves: the citizen's and the department's
    file views check access and audit every download. The type is the one its first bytes show
    (never the name's extension)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="files")
    field_key = models.SlugField(max_length=40)
    original_name = models.CharField(_("file name"), max_length=120)
    file_type = models.CharField(_("type"), max_length=8, choices=FileType.choices)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    # Relative to MEDIA_ROOT.
    path = models.CharField(max_length=200, unique=True)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attached file")
        verbose_name_plural = _("attached files")
        ordering = ["field_key", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "field_key"], name="eservices_file_one_per_field"
            )
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def content_type(self) -> str:
        return {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}[self.file_type]


class RatingScore(models.IntegerChoices):
    """好差评: the five grades of the national government-service rating."""

    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    FAIRLY_SATISFIED = 3, _("Fairly satisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


class ApplicationRating(models.Model):
    """The applicant's rating of a completed application: one per case, a database constraint."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="rating")
    openid = models.CharField(_("OpenID"), max_length=64)
    score = models.PositiveSmallIntegerField(_("rating"), choices=RatingScore.choices)
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("rated"), auto_now_add=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="eservices_rating_score_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.score}"
