"""Automatic replies of an account: subscribe greetings, keyword rules, the default reply.

WeChat turns off the console's own auto-replies once a developer server URL is set: the platform
must provide them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from weizheng.wechat.models import OfficialAccount


class ReplyType(models.TextChoices):
    TEXT = "text", _("Text")
    IMAGE = "image", _("Image")
    VOICE = "voice", _("Voice")
    VIDEO = "video", _("Video")
    MUSIC = "music", _("Music")
    NEWS = "news", _("Articles")


class ReplyContent(models.Model):
    """What to answer: one of WeChat's passive reply types."""

    reply_type = models.CharField(
        _("reply type"), max_length=10, choices=ReplyType.choices, default=ReplyType.TEXT
    )
    text = models.TextField(_("text"), blank=True)
    media_id = models.CharField(_("media id"), max_length=128, blank=True)
    title = models.CharField(_("title"), max_length=64, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    music_url = models.URLField(_("music URL"), blank=True)
    hq_music_url = models.URLField(_("high-quality music URL"), blank=True)
    thumb_media_id = models.CharField(_("thumbnail media id"), max_length=128, blank=True)
    # [{"title", "description", "pic_url", "url"}], 1 to 8 (1 when answering a message).
    articles = models.JSONField(_("articles"), default=list, blank=True)

    class Meta:
        abstract = True


class SubscribeGreeting(ReplyContent):
    """The answer to a follow; per QR scene, or the account's default greeting (scene empty)."""

    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="greetings")
    scene = models.CharField(
        _("QR scene"), max_length=64, blank=True, help_text=_("Empty for the default greeting.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("subscribe greeting")
        verbose_name_plural = _("subscribe greetings")
        constraints = [
            models.UniqueConstraint(fields=["account", "scene"], name="replies_greeting_scene")
        ]

    def __str__(self) -> str:
        return self.scene or str(_("default greeting"))


class ButtonReply(ReplyContent):
    """The answer to a menu button that sends a key (CLICK): what the citizen gets on tapping it."""

    account = models.ForeignKey(
        OfficialAccount, on_delete=models.CASCADE, related_name="button_replies"
    )
    key = models.CharField(_("button key"), max_length=128)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("menu button reply")
        verbose_name_plural = _("menu button replies")
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], name="replies_button_key")
        ]

    def __str__(self) -> str:
        return self.key


class MatchMode(models.TextChoices):
    EXACT = "exact", _("Exact")
    PREFIX = "prefix", _("Starts with")
    CONTAINS = "contains", _("Contains")
    REGEX = "regex", _("Regular expression")
    ANY = "any", _("Any text")


class KeywordRule(ReplyContent):
    """A text answered by keyword, optionally only within active hours (which may wrap midnight,
    e.g. 18:00–08:30 for an out-of-hours reply). Lower priority numbers are tried first."""

    account = models.ForeignKey(
        OfficialAccount, on_delete=models.CASCADE, related_name="keyword_rules"
    )
    name = models.CharField(_("name"), max_length=60)
    pattern = models.CharField(_("keyword or pattern"), max_length=200, blank=True)
    match = models.CharField(
        _("match"), max_length=10, choices=MatchMode.choices, default=MatchMode.EXACT
    )
    priority = models.PositiveIntegerField(_("priority"), default=100)
    active_from = models.TimeField(_("active from"), null=True, blank=True)
    active_until = models.TimeField(_("active until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("keyword rule")
        verbose_name_plural = _("keyword rules")
        ordering = ["priority", "pk"]
        indexes = [
            models.Index(fields=["account", "is_active", "priority"], name="replies_rule_order")
        ]

    def __str__(self) -> str:
        return self.name


class DefaultReply(ReplyContent):
    """The answer when nothing else answers a message."""

    account = models.OneToOneField(
        OfficialAccount, on_delete=models.CASCADE, related_name="default_reply"
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("default reply")
        verbose_name_plural = _("default replies")

    def __str__(self) -> str:
        return str(_("default reply"))
