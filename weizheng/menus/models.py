"""The account's custom menus (default and conditional), their buttons, and click counts."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weizheng.followers.models import FollowerTag
from weizheng.wechat.models import OfficialAccount


class MenuStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class ClientPlatform(models.TextChoices):
    """The phone system a conditional menu is shown on (WeChat's client_platform_type)."""

    IOS = "ios", _("iOS")
    ANDROID = "android", _("Android")
    OTHERS = "others", _("Other systems")


# WeChat's match rule numbers for the client platform, both ways.
PLATFORM_TO_WECHAT: dict[str, str] = {
    ClientPlatform.IOS.value: "1",
    ClientPlatform.ANDROID.value: "2",
    ClientPlatform.OTHERS.value: "3",
}
PLATFORM_FROM_WECHAT: dict[str, str] = {number: name for name, number in PLATFORM_TO_WECHAT.items()}


class Menu(models.Model):
    """One version of a menu. The default menu shows to everyone; a conditional menu replaces it
    for the followers its match rule selects (a tag, a phone system or both).

    A published menu is what WeChat holds; it is never edited: changes go into a new draft,
    which replaces it on publication.
    """

    account = models.ForeignKey(
        OfficialAccount,
        verbose_name=_("official account"),
        on_delete=models.CASCADE,
        related_name="menus",
    )
    name = models.CharField(_("name"), max_length=100)
    is_conditional = models.BooleanField(_("conditional"), default=False)
    # PROTECT: a published conditional menu names the tag on WeChat's side; deleting the tag here
    # would make the record lie about what followers see.
    tag = models.ForeignKey(
        FollowerTag,
        verbose_name=_("tag"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    client_platform = models.CharField(
        _("client platform"), max_length=10, choices=ClientPlatform.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=MenuStatus.choices, default=MenuStatus.DRAFT
    )
    published_at = models.DateTimeField(_("last published"), null=True, blank=True)
    wechat_menu_id = models.CharField(
        _("WeChat menu id"),
        max_length=32,
        blank=True,
        help_text=_("The menuid WeChat gave a published conditional menu."),
    )
    last_publish_error = models.CharField(
        _("last publication error"),
        max_length=500,
        blank=True,
        help_text=_("Why the last attempt to publish this menu failed."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("menu")
        verbose_name_plural = _("menus")
        ordering = ["account", "is_conditional", "-updated_at"]
        constraints = [
            # WeChat holds one default menu per account.
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(is_conditional=False, status="published"),
                name="menus_one_published_default",
            ),
            models.CheckConstraint(
                condition=(
                    Q(is_conditional=True, tag__isnull=False)
                    | Q(~Q(client_platform=""), is_conditional=True)
                    | Q(is_conditional=False, tag__isnull=True, client_platform="")
                ),
                name="menus_match_rule_only_when_conditional",
                violation_error_message=_(
                    "A conditional menu needs a tag or a client platform; a default menu has neither."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ButtonType(models.TextChoices):
    CLICK = "click", _("Click (sends a key)")
    VIEW = "view", _("Open a web page")
    SCANCODE_PUSH = "scancode_push", _("Scan a code")
    SCANCODE_WAITMSG = "scancode_waitmsg", _("Scan a code and wait for the answer")
    PIC_SYSPHOTO = "pic_sysphoto", _("Take a photo")
    PIC_PHOTO_OR_ALBUM = "pic_photo_or_album", _("Take a photo or choose from the album")
    PIC_WEIXIN = "pic_weixin", _("Choose from the WeChat album")
    LOCATION_SELECT = "location_select", _("Send a location")
    MEDIA_ID = "media_id", _("Send a stored media item")
    ARTICLE_ID = "article_id", _("Open a published article")
    MINIPROGRAM = "miniprogram", _("Open a mini program")


class MenuButton(models.Model):
    """A top-level button (parent empty) or one of its sub-buttons, in display order.

    A top-level button with sub-buttons has no type: it only opens them.
    """

    menu = models.ForeignKey(Menu, on_delete=models.CASCADE, related_name="buttons")
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent button"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sub_buttons",
    )
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=60)
    type = models.CharField(_("type"), max_length=20, choices=ButtonType.choices, blank=True)
    key = models.CharField(_("key"), max_length=128, blank=True)
    url = models.CharField(_("URL"), max_length=1024, blank=True)
    media_id = models.CharField(_("media ID"), max_length=255, blank=True)
    article_id = models.CharField(_("article ID"), max_length=255, blank=True)
    appid = models.CharField(_("mini program AppID"), max_length=64, blank=True)
    pagepath = models.CharField(_("mini program page"), max_length=1024, blank=True)

    class Meta:
        verbose_name = _("menu button")
        verbose_name_plural = _("menu buttons")
        ordering = ["menu", "parent_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["menu", "position"],
                condition=Q(parent__isnull=True),
                name="menus_top_button_position",
            ),
            models.UniqueConstraint(
                fields=["parent", "position"],
                condition=Q(parent__isnull=False),
                name="menus_sub_button_position",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MenuClick(models.Model):
    """How often a button key was pressed, per account and (Beijing) day.

    One row per key and day, incremented in place: a dashboard reads a few hundred rows instead
    of scanning the interaction log.
    """

    account = models.ForeignKey(
        OfficialAccount,
        verbose_name=_("official account"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    key = models.CharField(_("key"), max_length=128)
    day = models.DateField(_("day"))
    count = models.PositiveIntegerField(_("clicks"), default=0)

    class Meta:
        verbose_name = _("menu click count")
        verbose_name_plural = _("menu click counts")
        ordering = ["-day", "key"]
        constraints = [
            models.UniqueConstraint(fields=["account", "key", "day"], name="menus_click_unique"),
        ]
        indexes = [models.Index(fields=["account", "day"], name="menus_click_account_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.key}: {self.count}"
