"""Official accounts, the inbound interaction log, access tokens and the outbound call log."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from weizheng.core.fields import EncryptedTextField


class MessageMode(models.TextChoices):
    PLAIN = "plain", _("Plain text")
    COMPATIBLE = "compatible", _("Compatible")
    SAFE = "safe", _("Safe (encrypted)")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")


def default_api_base_url() -> str:
    return str(settings.WECHAT_API_BASE_URL)


class OfficialAccount(models.Model):
    """One WeChat official account served by this deployment (many per city)."""

    name = models.CharField(_("display name"), max_length=100)
    slug = models.SlugField(
        _("slug"),
        max_length=50,
        unique=True,
        help_text=_("Used in the callback URL /wx/<slug>/."),
    )
    app_id = models.CharField(
        _("AppID"),
        max_length=32,
        unique=True,
        validators=[
            RegexValidator(r"^wx[0-9a-zA-Z]{8,30}$", _("An AppID looks like wx0123456789abcdef."))
        ],
    )
    app_secret = EncryptedTextField(_("AppSecret"), context="wechat.officialaccount.app_secret")
    token = models.CharField(
        _("token"),
        max_length=32,
        validators=[
            RegexValidator(r"^[0-9a-zA-Z]{3,32}$", _("The token is 3 to 32 letters or digits."))
        ],
    )
    encoding_aes_key = models.CharField(
        _("EncodingAESKey"),
        max_length=43,
        blank=True,
        validators=[
            RegexValidator(r"^[0-9a-zA-Z]{43}$", _("The EncodingAESKey is 43 letters or digits."))
        ],
    )
    message_mode = models.CharField(
        _("message mode"), max_length=16, choices=MessageMode.choices, default=MessageMode.PLAIN
    )
    default_language = models.CharField(
        _("default language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS
    )
    api_base_url = models.URLField(
        _("API base URL"),
        default=default_api_base_url,
        help_text=_(
            "https://api.weixin.qq.com for real WeChat; the mock platform's URL in development."
        ),
    )
    # WeChat only opens menu links on the domains registered for the account (JS interface
    # safe domains); the menu editor refuses others before any API call. Empty: any domain.
    menu_url_domains = models.JSONField(
        _("menu link domains"),
        default=list,
        blank=True,
        help_text=_("Host names menu links may point to, e.g. gaj.pingan.gov.cn. Empty: any."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("official account")
        verbose_name_plural = _("official accounts")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(message_mode="plain") | ~models.Q(encoding_aes_key=""),
                name="wechat_account_aes_key_for_encrypted_modes",
                violation_error_message=_("Compatible and safe modes need an EncodingAESKey."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class InboundStatus(models.TextChoices):
    PROCESSING = "processing", _("Processing")
    REPLIED = "replied", _("Replied")
    DEFERRED = "deferred", _("Answered later by customer-service message")
    FAILED = "failed", _("Handler failed")


class InboundMessage(models.Model):
    """Every accepted inbound message or event: the de-duplication claim and the interaction log.

    One INSERT claims the message (unique dedupe key), records the (timestamp, nonce) pair for
    replay detection and logs the interaction; the reply is stored on the same row so a retry of the
    message gets the same bytes.
    """

    # No index of its own: the unique (account, dedupe_key) index serves look-ups by account, and
    # every index is written on the callback's hot path.
    account = models.ForeignKey(
        OfficialAccount, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    dedupe_key = models.CharField(max_length=255)
    openid = models.CharField(max_length=64)
    kind = models.CharField(max_length=40, help_text="text, image, event:subscribe, ...")
    msg_id = models.CharField(max_length=64, blank=True)
    event_key = models.CharField(max_length=255, blank=True)
    create_time = models.BigIntegerField(help_text="CreateTime sent by WeChat (Unix seconds).")
    fields = models.JSONField(default=dict, blank=True)
    timestamp = models.BigIntegerField()
    nonce = models.CharField(max_length=64)
    body_digest = models.CharField(max_length=40)
    received_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=InboundStatus.choices, default=InboundStatus.PROCESSING
    )
    reply = models.TextField(blank=True)
    reply_content_type = models.CharField(max_length=60, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        constraints = [
            models.UniqueConstraint(fields=["account", "dedupe_key"], name="wechat_inbound_dedupe"),
            models.UniqueConstraint(
                fields=["account", "timestamp", "nonce"], name="wechat_inbound_nonce"
            ),
        ]
        indexes = [
            models.Index(
                fields=["account", "openid", "received_at"], name="wechat_inbound_timeline"
            ),
            models.Index(fields=["account", "kind", "received_at"], name="wechat_inbound_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} from {self.openid}"


class RejectedRequestCount(models.Model):
    """Callbacks refused (bad signature, stale timestamp, ...) counted per account, reason, day.

    Refused requests are not stored as messages: a flood of forgeries must not fill the log.
    """

    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    reason = models.CharField(max_length=40)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "day", "reason"], name="wechat_rejected_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.reason}: {self.count}"


class AccessToken(models.Model):
    """The account's current access_token, shared by every process; the row lock is the
    single-flight refresh lock when Redis is not configured."""

    account = models.OneToOneField(OfficialAccount, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=512, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    refresh_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"access token of account {self.account_id}, expires {self.expires_at}"


class ApiCall(models.Model):
    """Every outbound WeChat API call: which API, how long, what WeChat answered."""

    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="+")
    api = models.CharField(max_length=100)
    method = models.CharField(max_length=8)
    started_at = models.DateTimeField(db_index=True)
    duration_ms = models.PositiveIntegerField()
    http_status = models.PositiveSmallIntegerField(null=True)
    errcode = models.IntegerField(null=True)
    errmsg = models.CharField(max_length=200, blank=True)
    attempt = models.PositiveSmallIntegerField(default=1)

    class Meta:
        indexes = [models.Index(fields=["account", "api", "started_at"], name="wechat_apicall_api")]

    def __str__(self) -> str:
        return f"{self.api} errcode={self.errcode} ({self.duration_ms} ms)"


class QrCode(models.Model):
    """A parametric QR code of an account: the scene tells which channel or venue a follower
    came from (办事大厅, a poster, an event check-in desk)."""

    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    scene = models.CharField(
        _("scene"),
        max_length=64,
        help_text=_("Letters, digits, - and _; followers who scan it arrive with this scene."),
    )
    is_permanent = models.BooleanField(_("permanent"), default=True)
    ticket = models.CharField(_("ticket"), max_length=255)
    url = models.CharField(_("content URL"), max_length=255)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("QR code")
        verbose_name_plural = _("QR codes")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["account", "scene"], name="wechat_qrcode_scene_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.scene})"
