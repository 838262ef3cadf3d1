"""{% office_navigation %}: the back office's sidebar, computed only when a page renders it; and
the filters that turn WeChat's and the audit log's codes into words a clerk reads."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from weizheng.followers.labels import QR_CODE_SOURCE, follow_source_label, language_label
from weizheng.staff import navigation
from weizheng.staff.selectors import accounts_for, permissions_anywhere, permissions_on

register = template.Library()


@register.inclusion_tag("staff/_navigation.html", takes_context=True)
def office_navigation(context: template.Context) -> dict[str, Any]:
    request = context["request"]
    user = request.user
    account = context.get("account")
    current = request.path
    account_sections = []
    if account is not None:
        account_sections = navigation.account_navigation(
            permissions=permissions_on(user, account), account_id=account.pk, current=current
        )
    return {
        "request": request,
        "account": account,
        "accounts": list(accounts_for(user, "account.view").only("pk", "name", "slug")),
        "global_items": navigation.global_navigation(
            any_permissions=permissions_anywhere(user), current=current
        ),
        "account_sections": account_sections,
    }


@register.filter
def mask_openid(openid: str) -> str:
    """oXyz…AbCd: enough for a clerk to tell followers apart, not to copy an identifier."""
    if not openid or len(openid) <= 8:
        return openid
    return f"{openid[:4]}…{openid[-4:]}"


# InboundMessage.kind: a message's MsgType, or "event:" + the lower-cased Event. Written out so
# makemessages finds every label.
INTERACTION_KINDS = {
    "text": pgettext_lazy("interaction kind", "Text"),
    "image": pgettext_lazy("interaction kind", "Image"),
    "voice": pgettext_lazy("interaction kind", "Voice"),
    "video": pgettext_lazy("interaction kind", "Video"),
    "shortvideo": pgettext_lazy("interaction kind", "Short video"),
    "location": pgettext_lazy("interaction kind", "Location"),
    "link": pgettext_lazy("interaction kind", "Link"),
    "event:subscribe": pgettext_lazy("interaction kind", "Follow"),
    "event:unsubscribe": pgettext_lazy("interaction kind", "Unfollow"),
    "event:scan": pgettext_lazy("interaction kind", "QR code scan"),
    "event:location": pgettext_lazy("interaction kind", "Location report"),
    "event:click": pgettext_lazy("interaction kind", "Menu click"),
    "event:view": pgettext_lazy("interaction kind", "Web page opened"),
    "event:scancode_push": pgettext_lazy("interaction kind", "Menu scan"),
    "event:scancode_waitmsg": pgettext_lazy("interaction kind", "Menu scan, awaiting reply"),
    "event:pic_sysphoto": pgettext_lazy("interaction kind", "Menu photo"),
    "event:pic_photo_or_album": pgettext_lazy("interaction kind", "Menu photo or album"),
    "event:pic_weixin": pgettext_lazy("interaction kind", "Menu WeChat album"),
    "event:location_select": pgettext_lazy("interaction kind", "Menu location"),
    "event:masssendjobfinish": pgettext_lazy("interaction kind", "Broadcast receipt"),
    "event:templatesendjobfinish": pgettext_lazy("interaction kind", "Template message receipt"),
}


@register.filter
def interaction_kind(kind: str) -> str:
    """The name of an interaction-log kind ("event:click" → "Menu click"); an unknown kind as
    it came. Templates keep the raw kind in a title attribute."""
    return str(INTERACTION_KINDS.get(kind, kind or ""))


@register.filter
def follower_language(code: str) -> str:
    """The name of WeChat's language code ("zh_CN" → "Simplified Chinese")."""
    return language_label(code)


@register.simple_tag
def follow_source_of(follower: Any) -> str:
    """How a follower came: the subscribe_scene WeChat reported, or, before the profile is
    synchronised, "QR code" when the follow carried a scene; "" when nothing is known."""
    if follower.subscribe_source:
        return follow_source_label(follower.subscribe_source)
    if follower.last_scene or follower.first_scene:
        return follow_source_label(QR_CODE_SOURCE)
    return ""


def _scalar(value: Any) -> str:
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if value is None or value == "":
        return "—"
    return str(value)


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, dict | list | tuple)


def _detail_value(value: Any) -> SafeString:
    """A scalar or a list of scalars inline; a nested structure (a menu, say) folded, its JSON
    one click away."""
    if _is_scalar(value):
        return format_html("{}", _scalar(value))
    if isinstance(value, list | tuple) and all(_is_scalar(item) for item in value):
        return format_html("{}", ", ".join(_scalar(item) for item in value) or "—")
    compact = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if len(compact) <= 80:
        return format_html('<span class="mono">{}</span>', compact)
    return format_html(
        '<details><summary class="mono">{}…</summary><pre class="mono">{}</pre></details>',
        compact[:60],
        json.dumps(value, ensure_ascii=False, indent=2),
    )


@register.filter
def audit_detail(detail: Any) -> SafeString:
    """An audit row's detail as "key: value" lines (yes/no for booleans), not a Python dict."""
    if detail is None or detail == {} or detail == "":
        return SafeString("")
    if not isinstance(detail, dict):
        return _detail_value(detail)
    return format_html_join(
        "",
        '<div class="kv"><span class="muted">{}</span>: {}</div>',
        ((key, _detail_value(value)) for key, value in detail.items()),
    )
