"""Broadcasts (群发): a message to many followers of one account, reviewed (三审) before it goes.

A broadcast's audience is resolved from our own follower table when it starts sending and written
down as a chunk plan (one row per `mass/send` call of at most 10,000 openids) before the first
call, so a worker that dies half-way resumes where it stopped and every chunk goes out once.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from weizheng.core.review import Reviewable
from weizheng.followers.models import Follower, FollowerTag
from weizheng.wechat.models import OfficialAccount


class MessageType(models.TextChoices):
    TEXT = "text", _("Text")
    IMAGE = "image", _("Image")
    VOICE = "voice", _("Voice")
    VIDEO = "video", _("Video")
    NEWS = "news", _("Articles (news)")


class AudienceKind(models.TextChoices):
    ALL = "all", _("All followers")
    SEGMENT = "segment", _("A segment of the followers")


class LocationKind(models.TextChoices):
    NONE = "", _("Anywhere")
    CIRCLE = "circle", _("Within a radius of a point")
    BOX = "box", _("Inside a rectangle (a district)")


class SendState(models.TextChoices):
    WAITING = "waiting", _("Not approved yet")
    SCHEDULED = "scheduled", _("Approved, waiting for its time")
    SENDING = "sending", _("Sending")
    PAUSED = "paused", _("Paused")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Failed")
    DELETED = "deleted", _("Deleted")


def new_send_token() -> str:
    """A random prefix for the broadcast's clientmsgids: ids repeat after a database reset, and
    WeChat refuses a clientmsgid it saw in the last 24 hours."""
    return secrets.token_hex(4)


class Broadcast(Reviewable):
    """One mass message: what, to whom, when; its review and its sending."""

    account = models.ForeignKey(
        OfficialAccount,
        verbose_name=_("official account"),
        on_delete=models.CASCADE,
        related_name="broadcasts",
    )
    title = models.CharField(_("title"), max_length=100)
    message_type = models.CharField(
        _("message type"), max_length=8, choices=MessageType.choices, default=MessageType.TEXT
    )
    text = models.TextField(_("text"), blank=True)
    # What goes out, picked in the composer: image, voice, video from the media library;
    # news (mpnews) as 1–8 published articles (BroadcastArticle).
    media_asset = models.ForeignKey(
        "content.MediaAsset",
        verbose_name=_("media file"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Video: the title and description followers see (media/uploadvideo).
    video_title = models.CharField(_("video title"), max_length=64, blank=True)
    video_description = models.CharField(_("video description"), max_length=120, blank=True)
    # Typed by hand instead of a pick (the composer's advanced part): image, voice: a permanent
    # material id; video: an mpvideo media id; news: an mpnews media id.
    media_id = models.CharField(_("media id"), max_length=200, blank=True)
    # The media id made from the pick before it goes out (preview, final approval, sending):
    # the asset's permanent material id, or what media/uploadvideo or media/uploadnews answered
    # (those last 3 days, so they are made again when older than a day).
    prepared_media_id = models.CharField(max_length=200, blank=True)
    prepared_at = models.DateTimeField(null=True, blank=True)

    audience_kind = models.CharField(
        _("audience"), max_length=8, choices=AudienceKind.choices, default=AudienceKind.ALL
    )
    # Segment criteria: all that are set must hold (tags: any of them).
    tags = models.ManyToManyField(FollowerTag, verbose_name=_("tags"), blank=True, related_name="+")
    languages = models.JSONField(_("languages"), default=list, blank=True)
    followed_from = models.DateField(_("first followed on or after"), null=True, blank=True)
    followed_until = models.DateField(_("first followed on or before"), null=True, blank=True)
    first_scene = models.CharField(_("QR scene of the first follow"), max_length=64, blank=True)
    location_kind = models.CharField(
        _("last location"), max_length=8, choices=LocationKind.choices, default="", blank=True
    )
    location_label = models.CharField(_("place name"), max_length=60, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    radius_m = models.FloatField(_("radius (m)"), null=True, blank=True)
    south = models.FloatField(_("south"), null=True, blank=True)
    west = models.FloatField(_("west"), null=True, blank=True)
    north = models.FloatField(_("north"), null=True, blank=True)
    east = models.FloatField(_("east"), null=True, blank=True)
    has_openid_list = models.BooleanField(_("uploaded OpenID list"), default=False)
    # What the upload found: {"given", "matched", "unknown_count", "unknown": [...],
    # "unsubscribed_count", "unsubscribed": [...], "invalid_count"}.
    openid_list_report = models.JSONField(default=dict, blank=True)

    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True)
    state = models.CharField(
        _("sending"),
        max_length=12,
        choices=SendState.choices,
        default=SendState.WAITING,
        db_index=True,
    )
    audience_count = models.PositiveIntegerField(_("audience"), null=True, blank=True)
    chunk_count = models.PositiveIntegerField(_("chunks"), default=0)
    is_planned = models.BooleanField(default=False)
    send_started_at = models.DateTimeField(_("sending started"), null=True, blank=True)
    send_finished_at = models.DateTimeField(_("sending finished"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)
    # Written by the sender before each chunk: a stale heartbeat means the worker died.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    # Set once at creation; the first part of every clientmsgid of the broadcast.
    send_token = models.CharField(max_length=16, default=new_send_token, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["account", "state"], name="broadcasts_account_state")]

    def __str__(self) -> str:
        return self.title


class BroadcastArticle(models.Model):
    """A published content item as one article of a news broadcast, in its place (0 first)."""

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="articles")
    item = models.ForeignKey("content.Item", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["broadcast", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["broadcast", "position"], name="broadcasts_article_position"
            ),
            models.UniqueConstraint(fields=["broadcast", "item"], name="broadcasts_article_once"),
        ]

    def __str__(self) -> str:
        return f"{self.broadcast_id}: {self.item_id} at {self.position}"


class BroadcastListEntry(models.Model):
    """A follower named by a broadcast's uploaded OpenID list (matched when uploaded)."""

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="list_entries")
    follower = models.ForeignKey(Follower, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["broadcast", "follower"], name="broadcasts_list_unique")
        ]

    def __str__(self) -> str:
        return f"{self.broadcast_id}: {self.follower_id}"


class ChunkState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Accepted by WeChat")
    FAILED = "failed", _("Refused by WeChat")


class BroadcastChunk(models.Model):
    """One call of the plan: `mass/send` with these openids (or `sendall` to everyone).

    The openids are written when the plan is made, before any call, so a resent chunk carries
    exactly the same list and the same clientmsgid.
    """

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    state = models.CharField(max_length=8, choices=ChunkState.choices, default=ChunkState.PENDING)
    is_to_all = models.BooleanField(default=False)
    size = models.PositiveIntegerField(default=0)
    # Newline-separated openids and comma-separated follower ids, in the same order.
    openids = models.TextField(blank=True)
    follower_ids = models.TextField(blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    msg_id = models.CharField(max_length=32, blank=True, db_index=True)
    msg_data_id = models.CharField(max_length=32, blank=True)
    # True when WeChat said "this clientmsgid was sent already" (45065): a resend after a crash.
    was_repeat = models.BooleanField(default=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    errcode = models.IntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["broadcast", "number"]
        constraints = [
            models.UniqueConstraint(fields=["broadcast", "number"], name="broadcasts_chunk_unique")
        ]

    def __str__(self) -> str:
        return f"{self.broadcast_id}-{self.number}"

    @property
    def clientmsgid(self) -> str:
        """`<broadcast's token>-<broadcast id>-<chunk no>` (WeChat takes at most 64 characters):
        the same for every resend of the chunk, new after a database reset."""
        return f"{self.broadcast.send_token}-{self.broadcast_id}-{self.number}"


class MassResult(models.Model):
    """A MASSSENDJOBFINISH event, by msg_id. Stored whatever arrives first, the event or the
    answer that names the msg_id: chunks and results meet on the msg_id when read."""

    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="+")
    msg_id = models.CharField(max_length=32)
    status = models.CharField(max_length=60, blank=True)
    total_count = models.PositiveIntegerField(default=0)
    filter_count = models.PositiveIntegerField(default=0)
    sent_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "msg_id"], name="broadcasts_result_unique")
        ]

    def __str__(self) -> str:
        return f"result of {self.msg_id}"


class MonthlyReach(models.Model):
    """How many broadcasts we sent a follower in one calendar month (Beijing time): one row per
    follower, overwritten when a new month starts. WeChat lets a service account reach each
    follower 4 times a month and filters the rest."""

    follower = models.OneToOneField(
        Follower, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["month", "count"], name="broadcasts_reach_month")]

    def __str__(self) -> str:
        return f"{self.follower_id}: {self.count} in {self.month:%Y-%m}"


class BroadcastLane(models.Model):
    """The account's broadcast lane: paused when WeChat says the quota is used up (45009), until
    someone resumes it in the back office. No blind retries."""

    account = models.OneToOneField(
        OfficialAccount, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    is_paused = models.BooleanField(default=False)
    paused_at = models.DateTimeField(null=True, blank=True)
    errcode = models.IntegerField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    resumed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"lane of {self.account_id}"
