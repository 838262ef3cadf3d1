"""微信问政: citizens' questions and complaints (诉求), routed to a department, worked on a
working-day clock, answered and rated.

An account that runs 问政 has categories (each routed to a department, each with its time
limits), optional settings (the jurisdiction's bounding box, the duplicate detector's window),
the requests themselves with their history, attachments, ratings and extension requests, and one
trained text classifier. See docs/inquiries.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from weizheng.core.fields import EncryptedTextField


class InquirySettings(models.Model):
    """The account's 问政 settings: where it may be asked about and how duplicates are found.

    The jurisdiction is a bounding box (WGS-84 degrees); without one, any location is accepted."""

    account = models.OneToOneField(
        "wechat.OfficialAccount", on_delete=models.CASCADE, related_name="inquiry_settings"
    )
    min_latitude = models.FloatField(_("southern edge (latitude)"), null=True, blank=True)
    max_latitude = models.FloatField(_("northern edge (latitude)"), null=True, blank=True)
    min_longitude = models.FloatField(_("western edge (longitude)"), null=True, blank=True)
    max_longitude = models.FloatField(_("eastern edge (longitude)"), null=True, blank=True)
    duplicate_days = models.PositiveSmallIntegerField(_("duplicate window (days)"), default=30)
    duplicate_distance_m = models.PositiveIntegerField(
        _("duplicate distance (metres)"), default=500
    )
    duplicate_similarity = models.FloatField(_("duplicate similarity (0–1)"), default=0.4)
    # A reminder goes to the department this many hours before a deadline.
    remind_hours = models.PositiveSmallIntegerField(
        _("reminder before a deadline (hours)"), default=4
    )
    # A reply nobody rated is closed this many days later; so is a rated one.
    close_after_days = models.PositiveSmallIntegerField(_("close after (days)"), default=7)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("question and complaint settings")
        verbose_name_plural = _("question and complaint settings")

    def __str__(self) -> str:
        return str(self.account)

    @property
    def has_jurisdiction(self) -> bool:
        return None not in (
            self.min_latitude,
            self.max_latitude,
            self.min_longitude,
            self.max_longitude,
        )

    def contains(self, latitude: float, longitude: float) -> bool:
        """Whether the point lies in the jurisdiction (always, when none is set)."""
        if not self.has_jurisdiction:
            return True
        return (
            self.min_latitude <= latitude <= self.max_latitude  # type: ignore[operator]
            and self.min_longitude <= longitude <= self.max_longitude  # type: ignore[operator]
        )


class Category(models.Model):
    """What a request is about (交通出行, 供水 ...): the department it goes to and its time limits.

    `code` is stable (Open311's service_code). The category marked `is_other` (其他) is the one
    whose requests the classifier suggests a department for."""

    account = models.ForeignKey(
        "wechat.OfficialAccount", on_delete=models.CASCADE, related_name="inquiry_categories"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=50)
    description = models.CharField(_("description"), max_length=300, blank=True)
    department = models.ForeignKey(
        "staff.Department",
        verbose_name=_("handling department"),
        on_delete=models.PROTECT,
        related_name="inquiry_categories",
    )
    sign_workdays = models.PositiveSmallIntegerField(_("sign for within (working days)"), default=1)
    reply_workdays = models.PositiveSmallIntegerField(_("reply within (working days)"), default=5)
    is_urgent = models.BooleanField(
        _("urgent"),
        default=False,
        help_text=_("Urgent requests are signed for and answered the same day."),
    )
    is_other = models.BooleanField(_("catch-all category"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("request category")
        verbose_name_plural = _("request categories")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["account", "code"], name="inquiries_category_code"),
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(is_other=True),
                name="inquiries_one_other_category",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def sign_limit(self) -> int:
        return 0 if self.is_urgent else self.sign_workdays

    @property
    def reply_limit(self) -> int:
        return 0 if self.is_urgent else self.reply_workdays


class Channel(models.TextChoices):
    WECHAT = "wechat", _("WeChat conversation")
    H5 = "h5", _("Web form")
    OPEN311 = "open311", _("Open311 API")


class InquiryStatus(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("inquiry status", "Received")
    SIGNED = "signed", pgettext_lazy("inquiry status", "Signed for")
    IN_PROGRESS = "in_progress", pgettext_lazy("inquiry status", "In progress")
    REPLIED = "replied", pgettext_lazy("inquiry status", "Replied")
    RATED = "rated", pgettext_lazy("inquiry status", "Rated")
    CLOSED = "closed", pgettext_lazy("inquiry status", "Closed")


# The department owes a step in these states: the clock runs.
OPEN_STATUSES = (InquiryStatus.RECEIVED, InquiryStatus.SIGNED, InquiryStatus.IN_PROGRESS)
ANSWERED_STATUSES = (InquiryStatus.REPLIED, InquiryStatus.RATED, InquiryStatus.CLOSED)


class Inquiry(models.Model):
    """One citizen's question or complaint (诉求).

    `due_at` is the deadline of the step the department owes: signing for it while received,
    the reply once signed (`reply_due_at`, which approved extensions push back). Empty once it
    is answered. Contact details are sealed; an anonymous request has none."""

    account = models.ForeignKey(
        "wechat.OfficialAccount", on_delete=models.CASCADE, related_name="inquiries"
    )
    public_id = models.CharField(_("request number"), max_length=20, unique=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # The WeChat citizen who asked ("" for an API client's request).
    openid = models.CharField(_("OpenID"), max_length=64, blank=True, db_index=True)
    # The Open311 client that sent it ("" otherwise).
    api_client = models.CharField(_("API client"), max_length=64, blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="inquiries"
    )
    department = models.ForeignKey(
        "staff.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="inquiries",
    )
    description = models.TextField(_("description"))
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_anonymous = models.BooleanField(_("anonymous"), default=True)
    contact_name = EncryptedTextField(_("contact name"), blank=True)
    contact_phone = EncryptedTextField(_("contact phone"), blank=True)
    contact_email = EncryptedTextField(_("contact e-mail"), blank=True)
    consent_publish = models.BooleanField(_("may be published"), default=False)
    # A supervisor may keep a consented answer off the public board.
    is_hidden = models.BooleanField(_("kept off the public board"), default=False)

    status = models.CharField(
        _("status"),
        max_length=12,
        choices=InquiryStatus.choices,
        default=InquiryStatus.RECEIVED,
        db_index=True,
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    sign_due_at = models.DateTimeField(_("sign for by"), null=True, blank=True)
    reply_due_at = models.DateTimeField(_("reply by"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"))
    signed_at = models.DateTimeField(_("signed for"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    replied_on_time = models.BooleanField(_("replied on time"), null=True, blank=True)
    reply = models.TextField(_("reply"), blank=True)
    # The last word to the citizen (a reply, a transfer's note): Open311's status_notes.
    status_note = models.CharField(_("status note"), max_length=500, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    # The deadline a reminder / an escalation was sent for: one each per deadline.
    reminded_for = models.DateTimeField(null=True, blank=True)
    escalated_for = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    # A similar request near the same place shortly before: linked, never merged.
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("similar to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="similar",
    )
    similarity = models.FloatField(_("similarity"), null=True, blank=True)
    suggested_department = models.ForeignKey(
        "staff.Department",
        verbose_name=_("suggested department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    suggestion_confidence = models.FloatField(_("confidence"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("citizen request")
        verbose_name_plural = _("citizen requests")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_anonymous=False) | models.Q(contact_name=""),
                name="inquiries_anonymous_has_no_name",
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="inquiries_location_both_or_neither",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "status", "due_at"], name="inquiries_queue"),
            models.Index(fields=["department", "status"], name="inquiries_department"),
            models.Index(fields=["account", "submitted_at"], name="inquiries_submitted"),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("inquiry event", "Submitted")
    SIGNED = "signed", pgettext_lazy("inquiry event", "Signed for")
    STARTED = "started", pgettext_lazy("inquiry event", "Work started")
    REPLIED = "replied", pgettext_lazy("inquiry event", "Replied")
    RATED = "rated", pgettext_lazy("inquiry event", "Rated")
    CLOSED = "closed", pgettext_lazy("inquiry event", "Closed")
    TRANSFERRED = "transferred", pgettext_lazy("inquiry event", "Transferred")
    EXTENSION_REQUESTED = (
        "extension_requested",
        pgettext_lazy("inquiry event", "Extension requested"),
    )
    EXTENSION_APPROVED = "extension_approved", pgettext_lazy("inquiry event", "Extension approved")
    EXTENSION_REFUSED = "extension_refused", pgettext_lazy("inquiry event", "Extension refused")
    REMINDED = "reminded", pgettext_lazy("inquiry event", "Reminder before the deadline")
    ESCALATED = "escalated", pgettext_lazy("inquiry event", "Escalated to the supervisor")
    REOPENED = "reopened", pgettext_lazy("inquiry event", "Reopened")


class InquiryEvent(models.Model):
    """One step in a request's life: who, when, from which state to which, why."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    from_status = models.CharField(max_length=12, choices=InquiryStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=InquiryStatus.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=64, blank=True)
    from_department = models.ForeignKey(
        "staff.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_department = models.ForeignKey(
        "staff.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.inquiry_id}: {self.kind}"

    @property
    def actor_display(self) -> str:
        """Who took the step, in the reader's language: a staff member's name, 市民 for the
        citizen, 系统 for the clock, 接口客户端 … for an Open311 client (`actor_label` keeps the
        language-neutral code)."""
        if self.actor_id is not None and self.actor is not None:
            return self.actor.get_full_name() or self.actor.get_username()
        label = self.actor_label
        if label == "citizen":
            return str(_("Citizen"))
        if label in ("system", "demo", ""):
            return str(pgettext_lazy("inquiry actor", "System"))
        if label.startswith("open311:"):
            return f"{_('API client')} {label.removeprefix('open311:')}"
        return label


class MediaKind(models.TextChoices):
    IMAGE = "image", _("Photo")
    VOICE = "voice", _("Voice message")
    LINK = "link", _("Link to a file")


class InquiryMedia(models.Model):
    """A photo or voice message attached to a request (kept under MEDIA_ROOT/private/, served
    only after an access check), or an API client's media URL."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="media")
    kind = models.CharField(_("kind"), max_length=8, choices=MediaKind.choices)
    path = models.CharField(max_length=200, blank=True)
    url = models.URLField(_("address"), max_length=500, blank=True)
    content_type = models.CharField(max_length=50, blank=True)
    size = models.PositiveIntegerField(default=0)
    # What WeChat's speech recognition heard in a voice message.
    recognition = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.inquiry_id}: {self.kind}"


class RatingScore(models.IntegerChoices):
    SATISFIED = 3, _("Satisfied")
    FAIRLY_SATISFIED = 2, _("Fairly satisfied")
    DISSATISFIED = 1, _("Dissatisfied")


class InquiryRating(models.Model):
    """The submitter's rating of a reply: one per reply round (a reopened request's new reply
    may be rated again), a database constraint."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="ratings")
    round = models.PositiveSmallIntegerField(default=0)
    openid = models.CharField(max_length=64)
    score = models.PositiveSmallIntegerField(_("rating"), choices=RatingScore.choices)
    is_resolved = models.BooleanField(_("resolved"))
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("rated"), auto_now_add=True)

    class Meta:
        ordering = ["round"]
        constraints = [
            models.UniqueConstraint(fields=["inquiry", "round"], name="inquiries_rating_once"),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=3), name="inquiries_rating_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inquiry_id}: {self.score}"


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", pgettext_lazy("extension", "Refused")


class ExtensionRequest(models.Model):
    """A department asks for more working days to reply; a supervisor approves or refuses."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="extensions")
    workdays = models.PositiveSmallIntegerField(_("extra working days"))
    reason = models.CharField(_("reason"), max_length=500)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["inquiry"],
                condition=models.Q(status="pending"),
                name="inquiries_one_pending_extension",
            )
        ]

    def __str__(self) -> str:
        return f"{self.inquiry_id}: +{self.workdays}"


class Classifier(models.Model):
    """The account's trained department classifier (multinomial naive Bayes over jieba tokens):
    its parameters as JSON, how many handled requests trained it and when."""

    account = models.OneToOneField(
        "wechat.OfficialAccount", on_delete=models.CASCADE, related_name="inquiry_classifier"
    )
    model = models.JSONField(default=dict)
    training_size = models.PositiveIntegerField(_("training requests"), default=0)
    trained_at = models.DateTimeField(_("trained"))

    class Meta:
        verbose_name = _("department classifier")
        verbose_name_plural = _("department classifiers")

    def __str__(self) -> str:
        return f"{self.account}: {self.training_size}"


class Conversation(models.Model):
    """Where a citizen is in the guided 我要问政 chat: the step and the answers so far. Kept in
    the database (several processes answer the callback); gone when the request is submitted
    or cancelled, stale after CONVERSATION_MINUTES."""

    account = models.ForeignKey(
        "wechat.OfficialAccount", on_delete=models.CASCADE, related_name="+"
    )
    openid = models.CharField(max_length=64)
    step = models.CharField(max_length=20)
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "openid"], name="inquiries_one_conversation")
        ]

    def __str__(self) -> str:
        return f"{self.openid}: {self.step}"
