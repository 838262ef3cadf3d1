"""The people who follow an account: lifecycle, profile, locations, tags, blacklist."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from weizheng.wechat.models import OfficialAccount


class Follower(models.Model):
    """One openid of one account, kept from the first follow on (unfollows keep the row)."""

    account = models.ForeignKey(
        OfficialAccount,
        verbose_name=_("official account"),
        on_delete=models.CASCADE,
        related_name="followers",
    )
    openid = models.CharField(_("OpenID"), max_length=64)
    unionid = models.CharField(_("UnionID"), max_length=64, blank=True)
    is_subscribed = models.BooleanField(_("following"), default=False)
    first_subscribed_at = models.DateTimeField(_("first followed"), null=True, blank=True)
    last_subscribed_at = models.DateTimeField(_("last followed"), null=True, blank=True)
    last_unsubscribed_at = models.DateTimeField(_("last unfollowed"), null=True, blank=True)
    subscribe_count = models.PositiveIntegerField(_("times followed"), default=0)
    first_scene = models.CharField(_("QR scene of the first follow"), max_length=64, blank=True)
    last_scene = models.CharField(_("QR scene of the last follow"), max_length=64, blank=True)
    # WeChat's own account of how the follow happened: ADD_SCENE_QR_CODE, ADD_SCENE_SEARCH, ...
    subscribe_source = models.CharField(_("follow source"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=16, blank=True)
    remark = models.CharField(_("remark"), max_length=30, blank=True)
    is_blacklisted = models.BooleanField(_("blacklisted"), default=False)
    last_latitude = models.FloatField(_("last latitude"), null=True, blank=True)
    last_longitude = models.FloatField(_("last longitude"), null=True, blank=True)
    last_location_precision = models.FloatField(
        _("last location precision (m)"), null=True, blank=True
    )
    last_located_at = models.DateTimeField(_("last located"), null=True, blank=True)
    profile_synced_at = models.DateTimeField(_("profile synced"), null=True, blank=True)
    tags: models.ManyToManyField[FollowerTag, Any] = models.ManyToManyField(
        "FollowerTag", verbose_name=_("tags"), blank=True, related_name="followers"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        constraints = [
            models.UniqueConstraint(fields=["account", "openid"], name="followers_unique_openid")
        ]
        indexes = [
            models.Index(fields=["account", "is_subscribed"], name="followers_subscribed"),
            models.Index(fields=["account", "last_located_at"], name="followers_located"),
        ]

    def __str__(self) -> str:
        return self.openid


class LocationSource(models.TextChoices):
    EVENT = "event", _("Location report")
    MESSAGE = "message", _("Location message")
    MENU = "menu", _("Location chosen in the menu")


class FollowerLocation(models.Model):
    """Each reported location, with its time: emergency alerts target by last known place."""

    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="+")
    follower = models.ForeignKey(Follower, on_delete=models.CASCADE, related_name="locations")
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    precision = models.FloatField(_("precision (m)"), null=True, blank=True)
    label = models.CharField(_("label"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=LocationSource.choices)
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        verbose_name = _("follower location")
        verbose_name_plural = _("follower locations")
        indexes = [
            models.Index(fields=["account", "recorded_at"], name="followers_loc_account"),
            models.Index(fields=["follower", "recorded_at"], name="followers_loc_follower"),
        ]

    def __str__(self) -> str:
        return f"{self.latitude:.5f},{self.longitude:.5f} at {self.recorded_at:%Y-%m-%d %H:%M}"


class FollowerTag(models.Model):
    """A tag of the account, mirrored with WeChat's tag API (ids 0–2 are WeChat's own)."""

    account = models.ForeignKey(
        OfficialAccount, on_delete=models.CASCADE, related_name="follower_tags"
    )
    wechat_id = models.IntegerField(_("WeChat tag id"), null=True, blank=True)
    name = models.CharField(_("name"), max_length=30)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="followers_tag_name"),
            models.UniqueConstraint(
                fields=["account", "wechat_id"],
                condition=models.Q(wechat_id__isnull=False),
                name="followers_tag_wechat_id",
            ),
        ]

    def __str__(self) -> str:
        return self.name
