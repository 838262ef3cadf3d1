"""Names for the codes WeChat gives about a follower (user/info's subscribe_scene and language),
shared by the citizen's 我的信息 page and the back office so both say the same thing."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# WeChat's subscribe_scene values, as a citizen would name them. A context keeps "Search" or
# "QR code" here apart from the same English words elsewhere (the search page's button).
FOLLOW_SOURCES = {
    "ADD_SCENE_SEARCH": pgettext_lazy("follow source", "Search"),
    "ADD_SCENE_ACCOUNT_MIGRATION": pgettext_lazy("follow source", "Account migration"),
    "ADD_SCENE_PROFILE_CARD": pgettext_lazy("follow source", "Shared profile card"),
    "ADD_SCENE_QR_CODE": pgettext_lazy("follow source", "QR code"),
    "ADD_SCENE_PROFILE_LINK": pgettext_lazy("follow source", "Link in an article"),
    "ADD_SCENE_PROFILE_ITEM": pgettext_lazy("follow source", "Account profile page"),
    "ADD_SCENE_PAID": pgettext_lazy("follow source", "Paid follow"),
    "ADD_SCENE_WECHAT_ADVERTISEMENT": pgettext_lazy("follow source", "WeChat advertisement"),
    "ADD_SCENE_REPRINT": pgettext_lazy("follow source", "Reprinted article"),
    "ADD_SCENE_LIVESTREAM": pgettext_lazy("follow source", "Live stream"),
    "ADD_SCENE_CHANNELS": pgettext_lazy("follow source", "Channels"),
    "ADD_SCENE_OTHERS": pgettext_lazy("follow source", "Other"),
}
QR_CODE_SOURCE = "ADD_SCENE_QR_CODE"

LANGUAGES = {
    "zh_CN": _("Simplified Chinese"),
    "zh_TW": _("Traditional Chinese"),
    "en": _("English"),
}


def follow_source_label(code: str) -> str:
    """The name of a subscribe_scene code; an unknown code as it came, an empty one as ""."""
    return str(FOLLOW_SOURCES.get(code, code or ""))


def language_label(code: str) -> str:
    """The name of a WeChat language code; an unknown code as it came."""
    return str(LANGUAGES.get(code, code or ""))
