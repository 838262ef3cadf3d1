"""The mock WeChat platform's own state: it plays WeChat, so none of this touches our app's tables."""

from __future__ import annotations

import hashlib
import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _


def generate_original_id() -> str:
    return "gh_" + secrets.token_hex(6)


class MessageMode(models.TextChoices):
    PLAIN = "plain", _("Plain text")
    COMPATIBLE = "compatible", _("Compatible")
    SAFE = "safe", _("Safe (encrypted)")


class MockApp(models.Model):
    """An official account as WeChat knows it: credentials, server URL, quotas."""

    appid = models.CharField(max_length=32, unique=True)
    secret = models.CharField(max_length=64)
    original_id = models.CharField(max_length=32, unique=True, default=generate_original_id)
    name = models.CharField(max_length=100, blank=True)
    # A CharField, not a URLField: test servers listen on 127.0.0.1:<port> and URLField's
    # validator is not the point here.
    callback_url = models.CharField(max_length=500, blank=True)
    token = models.CharField(max_length=32, blank=True)
    encoding_aes_key = models.CharField(max_length=43, blank=True)
    message_mode = models.CharField(
        max_length=16, choices=MessageMode.choices, default=MessageMode.PLAIN
    )
    # {"menu_create": 2, ...}: overrides of the daily quotas in actions.DEFAULT_QUOTAS.
    quota_limits = models.JSONField(default=dict, blank=True)
    # Private templates ([{"template_id", "title", "content", ...}]); empty = accept any id.
    templates = models.JSONField(default=list, blank=True)
    # Web-authorisation domains (["example.gov.cn"]); empty = accept any redirect_uri.
    oauth_domains = models.JSONField(default=list, blank=True)
    last_tag_id = models.PositiveIntegerField(default=99)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["appid"]

    def __str__(self) -> str:
        return self.appid

    @property
    def openid_prefix(self) -> str:
        """Real openids of one account share their first characters; so do ours."""
        digest = hashlib.sha256(self.appid.encode()).hexdigest()
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        return "o" + "".join(alphabet[int(digest[i : i + 2], 16) % 64] for i in range(0, 10, 2))


class MockQuotaUse(models.Model):
    """Calls of one API by one app on one day (Beijing time, when WeChat resets quotas)."""

    app = models.ForeignKey(MockApp, on_delete=models.CASCADE, related_name="quota_uses")
    api = models.CharField(max_length=40)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["app", "api", "day"], name="wxmock_quota_unique")
        ]

    def __str__(self) -> str:
        return f"{self.api} {self.day}: {self.count}"


class TokenKind(models.TextChoices):
    TOKEN = "token", "/cgi-bin/token"
    STABLE = "stable", "/cgi-bin/stable_token"


class MockAccessToken(models.Model):
    """An access_token WeChat handed out. `invalidated_at` is when it stops working early
    (5 minutes after a newer /cgi-bin/token call); `expires_at` is its natural end."""

    app = models.ForeignKey(MockApp, on_delete=models.CASCADE, related_name="tokens")
    kind = models.CharField(max_length=8, choices=TokenKind.choices, default=TokenKind.TOKEN)
    token = models.CharField(max_length=200, unique=True)
    expires_at = models.DateTimeField()
    invalidated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["app", "kind", "created_at"], name="wxmock_token_app")]

    def __str__(self) -> str:
        return f"{self.kind} token of app {self.app_id}"


class Sex(models.IntegerChoices):
    UNKNOWN = 0, _("Unknown")
    MALE = 1, _("Male")
    FEMALE = 2, _("Female")


class MockUser(models.Model):
    """A simulated WeChat user as seen by one app (one openid per app)."""

    app = models.ForeignKey(MockApp, on_delete=models.CASCADE, related_name="users")
    openid = models.CharField(max_length=64)
    nickname = models.CharField(max_length=64, blank=True)
    avatar_url = models.CharField(max_length=500, blank=True)
    sex = models.PositiveSmallIntegerField(choices=Sex.choices, default=Sex.UNKNOWN)
    country = models.CharField(max_length=40, blank=True)
    province = models.CharField(max_length=40, blank=True)
    city = models.CharField(max_length=40, blank=True)
    language = models.CharField(max_length=10, default="zh_CN")
    # The user's WeChat ID, for mass/preview with towxname.
    wechat_id = models.CharField(max_length=40, blank=True)
    # Client OS for conditional menus: 1 iOS, 2 Android, 3 others.
    client_platform_type = models.PositiveSmallIntegerField(default=2)
    is_subscribed = models.BooleanField(default=False)
    subscribe_time = models.DateTimeField(null=True, blank=True)
    unsubscribe_time = models.DateTimeField(null=True, blank=True)
    subscribe_scene = models.CharField(max_length=40, blank=True)
    qr_scene = models.BigIntegerField(default=0)
    qr_scene_str = models.CharField(max_length=64, blank=True)
    remark = models.CharField(max_length=30, blank=True)
    tagid_list = models.JSONField(default=list, blank=True)
    # The last action that opens the 48-hour customer-service window.
    last_interaction_at = models.DateTimeField(null=True, blank=True)
    unionid = models.CharField(max_length=64, blank=True)
    # The user turned off this account's template messages ("failed:user block").
    blocks_templates = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["app", "openid"], name="wxmock_user_openid")]

    def __str__(self) -> str:
        return f"{self.nickname or self.openid}"


class MockTag(models.Model):
    app = models.ForeignKey(MockApp, on_delete=models.CASCADE, related_name="tags")
    tag_id = models.PositiveIntegerField()
    name = models.CharField(max_length=30)

    class Meta:
        ordering = ["tag_id"]
        constraints = [
            models.UniqueConstraint(fields=["app", "tag_id"], name="wxmock_tag_id"),
            models.UniqueConstraint(fields=["app", "name"], name="wxmock_tag_name"),
        ]

    def __str__(self) -> str:
        return f"{self.tag_id} {self.name}"


class MockMenu(models.Model):
    """The default menu (is_conditional False, at most one) or a conditional menu."""

    app = models.ForeignKey(MockApp, on_delete=models.CASCADE, related_name="menus")
    menuid = models.BigIntegerField()
    is_conditional = models.BooleanField(default=False)
    buttons = models.JSONField(default=list)
    matchrule = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["app", "menuid"], name="wxmock_menu_id")]

    def __str__(self) -> str:
        return f"menu {self.menuid}"


class MediaType(models.TextChoices):
    IMAGE = "image"
    VOICE = "voice"
    VIDEO = "video"
    THUMB = "thumb"
    # What media/uploadnews and media/uploadvideo make for mass messages (mpnews, mpvideo).
    NEWS = "news"
    MPVIDEO = "mpvideo"


class MockMedia(models.Model):
    """Media WeChat holds for the app. Temporary media (media/upload, uploadnews, uploadvideo)
    is valid for 3 days after upload; permanent material (material/add_material) until deleted,
    and counts against the account's material limits."""

    app = models.ForeignKey(MockApp, on_delete=models.CASCADE, related_name="media")
    media_id = models.CharField(max_length=128, unique=True)
    type = models.CharField(max_length=8, choices=MediaType.choices)
    content = models.BinaryField()
    content_type = models.CharField(max_length=100)
    filename = models.CharField(max_length=200, blank=True)
    is_permanent = models.BooleanField(default=False)
    # Videos: the description of add_material, or the title and description of uploadvideo.
    title = models.CharField(max_length=200, blank=True)
    introduction = models.TextField(blank=True)
    # News (uploadnews): the articles as WeChat keeps them (scripts removed).
    articles = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.type} {self.media_id}"


class QrAction(models.TextChoices):
    QR_SCENE = "QR_SCENE"
    QR_STR_SCENE = "QR_STR_SCENE"
    QR_LIMIT_SCENE = "QR_LIMIT_SCENE"
    QR_LIMIT_STR_SCENE = "QR_LIMIT_STR_SCENE"


class MockQrCode(models.Model):
    app = models.ForeignKey(MockApp, on_delete=models.CASCADE, related_name="qrcodes")
    ticket = models.CharField(max_length=255, unique=True)
    url = models.CharField(max_length=100)
    action_name = models.CharField(max_length=24, choices=QrAction.choices)
    scene_id = models.BigIntegerField(null=True, blank=True)
    scene_str = models.CharField(max_length=64, blank=True)
    # None for permanent codes.
    expire_seconds = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.action_name} {self.scene}"

    @property
    def is_permanent(self) -> bool:
        return self.action_name in (QrAction.QR_LIMIT_SCENE, QrAction.QR_LIMIT_STR_SCENE)

    @property
    def scene(self) -> str:
        return self.scene_str if self.scene_id is None else str(self.scene_id)


class Channel(models.TextChoices):
    CUSTOM = "custom", _("Customer-service message")
    TEMPLATE = "template", _("Template message")
    MASS = "mass", _("Mass message")
    PREVIEW = "preview", _("Mass preview")
    PASSIVE = "passive", _("Passive reply")


class MockDelivered(models.Model):
    """A message that reached a user's phone: what tests and the simulator read."""

    app = models.ForeignKey(MockApp, on_delete=models.CASCADE, related_name="deliveries")
    openid = models.CharField(max_length=64)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    msgtype = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    msg_id = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["app", "openid", "id"], name="wxmock_delivered_user")]

    def __str__(self) -> str:
        return f"{self.channel} {self.msgtype} to {self.openid}"


class MassTarget(models.TextChoices):
    ALL = "all"
    TAG = "tag"
    OPENIDS = "openids"


class MassStatus(models.TextChoices):
    SENDING = "SENDING"
    SEND_SUCCESS = "SEND_SUCCESS"
    SEND_FAIL = "SEND_FAIL"
    DELETE = "DELETE"


class MockMassJob(models.Model):
    app = models.ForeignKey(MockApp, on_delete=models.CASCADE, related_name="mass_jobs")
    msg_id = models.BigIntegerField(unique=True)
    msg_data_id = models.BigIntegerField(null=True, blank=True)
    clientmsgid = models.CharField(max_length=64, blank=True)
    target = models.CharField(max_length=8, choices=MassTarget.choices)
    tag_id = models.PositiveIntegerField(null=True, blank=True)
    msgtype = models.CharField(max_length=20)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=MassStatus.choices)
    total_count = models.PositiveIntegerField(default=0)
    filter_count = models.PositiveIntegerField(default=0)
    sent_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    is_deleted = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["app", "clientmsgid"],
                condition=~models.Q(clientmsgid=""),
                name="wxmock_mass_clientmsgid",
            )
        ]

    def __str__(self) -> str:
        return f"mass message {self.msg_id}"


class FaultKind(models.TextChoices):
    LATENCY = "latency", _("Answer late (value = seconds)")
    HTTP_500 = "http_500", _("Answer HTTP 500 with an HTML body")
    ERRCODE = "errcode", _("Answer an errcode (value = the code)")
    EXPIRE_TOKEN = "expire_token", _("Expire the app's access tokens, then answer")


class MockFault(models.Model):
    """An injected failure. `remaining` None = until cleared."""

    app = models.ForeignKey(
        MockApp, null=True, blank=True, on_delete=models.CASCADE, related_name="faults"
    )
    api = models.CharField(max_length=100, default="*", help_text="/cgi-bin/... or *")
    kind = models.CharField(max_length=16, choices=FaultKind.choices)
    value = models.FloatField(null=True, blank=True)
    remaining = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} on {self.api}"


class MockOAuthCode(models.Model):
    """A web-authorisation code: single use, 5 minutes."""

    app = models.ForeignKey(MockApp, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=64, unique=True)
    openid = models.CharField(max_length=64)
    scope = models.CharField(max_length=32)
    created_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"code for {self.openid}"


class MockOAuthToken(models.Model):
    """A web-authorisation access_token (2 hours) and its refresh_token (30 days)."""

    app = models.ForeignKey(MockApp, on_delete=models.CASCADE, related_name="+")
    access_token = models.CharField(max_length=200, unique=True)
    refresh_token = models.CharField(max_length=200, unique=True)
    openid = models.CharField(max_length=64)
    scope = models.CharField(max_length=32)
    expires_at = models.DateTimeField()
    refresh_expires_at = models.DateTimeField()
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"web token for {self.openid}"


# --- WeChat Pay (API v3) ------------------------------------------------------------------------
class MockPayPlatform(models.Model):
    """The mock WeChat Pay's own platform key pair, generated once (row id 1): it signs answers
    and notifies; merchants verify with its public key and `public_key_id` (PUB_KEY_ID_…)."""

    private_key = models.TextField()
    public_key = models.TextField()
    public_key_id = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.public_key_id


class MockPayMerchant(models.Model):
    """A merchant (商户号) as WeChat Pay knows it: its APIv3 key and, when given, the public key
    of its API certificate (requests are then checked against it)."""

    mchid = models.CharField(max_length=32, unique=True)
    appid = models.CharField(max_length=32)
    name = models.CharField(max_length=100, blank=True)
    apiv3_key = models.CharField(max_length=32)
    merchant_serial = models.CharField(max_length=64, blank=True)
    merchant_public_key = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.mchid


class MockTradeState(models.TextChoices):
    NOTPAY = "NOTPAY", "未支付"
    SUCCESS = "SUCCESS", "支付成功"
    CLOSED = "CLOSED", "已关闭"
    REFUND = "REFUND", "转入退款"


class MockPayOrder(models.Model):
    merchant = models.ForeignKey(MockPayMerchant, on_delete=models.CASCADE, related_name="orders")
    appid = models.CharField(max_length=32)
    out_trade_no = models.CharField(max_length=32)
    description = models.CharField(max_length=127)
    total = models.PositiveIntegerField()
    payer_openid = models.CharField(max_length=128)
    notify_url = models.CharField(max_length=256)
    attach = models.CharField(max_length=128, blank=True)
    prepay_id = models.CharField(max_length=64, unique=True)
    transaction_id = models.CharField(max_length=32, blank=True)
    trade_state = models.CharField(
        max_length=16, choices=MockTradeState.choices, default=MockTradeState.NOTPAY
    )
    success_time = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "out_trade_no"], name="wxmock_pay_out_trade_no"
            )
        ]

    def __str__(self) -> str:
        return self.out_trade_no


class MockPayRefund(models.Model):
    merchant = models.ForeignKey(MockPayMerchant, on_delete=models.CASCADE, related_name="refunds")
    order = models.ForeignKey(MockPayOrder, on_delete=models.CASCADE, related_name="refunds")
    out_refund_no = models.CharField(max_length=64)
    refund_id = models.CharField(max_length=32, unique=True)
    amount = models.PositiveIntegerField()
    reason = models.CharField(max_length=80, blank=True)
    notify_url = models.CharField(max_length=256, blank=True)
    status = models.CharField(max_length=16, default="SUCCESS")
    created_at = models.DateTimeField()
    success_time = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "out_refund_no"], name="wxmock_pay_out_refund_no"
            )
        ]

    def __str__(self) -> str:
        return self.out_refund_no
