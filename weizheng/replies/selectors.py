"""Reads of the replies app: which automatic reply answers what."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from datetime import time as clock
from typing import Any

from django.http import Http404
from django.utils import timezone

from weizheng.wechat.models import OfficialAccount
from weizheng.wechat.protocol.replies import (
    Article,
    ImageReply,
    MusicReply,
    NewsReply,
    Reply,
    TextReply,
    VideoReply,
    VoiceReply,
)
from weizheng.wechat.router import keyword_predicate

from .models import ButtonReply, DefaultReply, KeywordRule, ReplyContent, SubscribeGreeting

_TTL_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class CompiledRule:
    rule_id: int
    name: str
    matches: Any
    active_from: clock | None
    active_until: clock | None
    reply: Reply

    def is_active_at(self, moment: clock) -> bool:
        start, end = self.active_from, self.active_until
        if start is None or end is None:
            return True
        if start <= end:
            return start <= moment < end
        return moment >= start or moment < end  # wraps midnight, e.g. 18:00–08:30


@dataclass(frozen=True, slots=True)
class AccountReplies:
    rules: tuple[CompiledRule, ...]
    greetings: dict[str, Reply]
    default: Reply | None
    buttons: dict[str, Reply]


_cache: dict[int, tuple[float, AccountReplies]] = {}


def build_reply(content: ReplyContent) -> Reply:
    """The passive reply object for stored reply content."""
    kind = content.reply_type
    if kind == "image":
        return ImageReply(media_id=content.media_id)
    if kind == "voice":
        return VoiceReply(media_id=content.media_id)
    if kind == "video":
        return VideoReply(
            media_id=content.media_id, title=content.title, description=content.description
        )
    if kind == "music":
        return MusicReply(
            title=content.title,
            description=content.description,
            music_url=content.music_url,
            hq_music_url=content.hq_music_url,
            thumb_media_id=content.thumb_media_id,
        )
    if kind == "news":
        return NewsReply(
            articles=tuple(
                Article(
                    title=a.get("title", ""),
                    description=a.get("description", ""),
                    pic_url=a.get("pic_url", ""),
                    url=a.get("url", ""),
                )
                for a in content.articles
            )
        )
    return TextReply(content=content.text)


def account_replies(account_id: int) -> AccountReplies:
    """The account's active replies, compiled, cached in-process for a few seconds (read on every
    message; an edit applies at once in the process that made it, within the TTL elsewhere)."""
    now = time.monotonic()
    hit = _cache.get(account_id)
    if hit is not None and hit[0] > now:
        return hit[1]
    rules = tuple(
        CompiledRule(
            rule.pk,
            rule.name,
            (lambda text: True)
            if rule.match == "any"
            else keyword_predicate(rule.pattern, rule.match),
            rule.active_from,
            rule.active_until,
            build_reply(rule),
        )
        for rule in KeywordRule.objects.filter(account_id=account_id, is_active=True).order_by(
            "priority", "pk"
        )
    )
    greetings = {
        g.scene: build_reply(g)
        for g in SubscribeGreeting.objects.filter(account_id=account_id, is_active=True)
    }
    default = DefaultReply.objects.filter(account_id=account_id, is_active=True).first()
    buttons = {
        b.key: build_reply(b)
        for b in ButtonReply.objects.filter(account_id=account_id, is_active=True)
    }
    compiled = AccountReplies(rules, greetings, build_reply(default) if default else None, buttons)
    _cache[account_id] = (now + _TTL_SECONDS, compiled)
    return compiled


def forget(account_id: int) -> None:
    _cache.pop(account_id, None)


def matching_rule(account_id: int, text: str, *, at: datetime | None = None) -> CompiledRule | None:
    """The rule that answers `text` at `at` (the "test this rule" box uses this too)."""
    moment = timezone.localtime(at or timezone.now()).time()
    for rule in account_replies(account_id).rules:
        if rule.is_active_at(moment) and rule.matches(text):
            return rule
    return None


def greeting_for(account_id: int, scene: str | None, *, fallback: bool = True) -> Reply | None:
    """The scene's greeting, or (with fallback) the default greeting for no scene or an unknown
    one."""
    greetings = account_replies(account_id).greetings
    if scene and scene in greetings:
        return greetings[scene]
    return greetings.get("") if fallback else None


def default_reply(account_id: int) -> Reply | None:
    return account_replies(account_id).default


def button_reply(account_id: int, key: str) -> Reply | None:
    """The reply to a menu button's key, if one is set."""
    return account_replies(account_id).buttons.get(key)


def button_replies_of(*, account: OfficialAccount) -> list[ButtonReply]:
    return list(ButtonReply.objects.filter(account=account).order_by("key"))


def access_button_reply(*, account: OfficialAccount, reply_id: Any) -> ButtonReply:
    """A button reply of `account`; 404 for another account's or none."""
    reply = ButtonReply.objects.filter(account=account, pk=reply_id).first()
    if reply is None:
        raise Http404("No such button reply.")
    return reply


# --- the back office -------------------------------------------------------------------------
def access_rule(*, account: OfficialAccount, rule_id: Any) -> KeywordRule:
    """A keyword rule of `account`; 404 for another account's rule or none."""
    rule = KeywordRule.objects.filter(account=account, pk=rule_id).first()
    if rule is None:
        raise Http404("No such keyword rule.")
    return rule


def access_greeting(*, account: OfficialAccount, greeting_id: Any) -> SubscribeGreeting:
    """A subscribe greeting of `account`; 404 for another account's greeting or none."""
    greeting = SubscribeGreeting.objects.filter(account=account, pk=greeting_id).first()
    if greeting is None:
        raise Http404("No such greeting.")
    return greeting


def rules_of(*, account: OfficialAccount) -> list[KeywordRule]:
    """Every keyword rule of the account, switched off ones included, in the order tried."""
    return list(KeywordRule.objects.filter(account=account).order_by("priority", "pk"))


def greetings_of(*, account: OfficialAccount) -> list[SubscribeGreeting]:
    """The account's greetings, the default one (no scene) first."""
    return list(SubscribeGreeting.objects.filter(account=account).order_by("scene", "pk"))


def greeting_exists(*, account: OfficialAccount, scene: str) -> bool:
    return SubscribeGreeting.objects.filter(account=account, scene=scene.strip()).exists()


def default_reply_of(*, account: OfficialAccount) -> DefaultReply | None:
    return DefaultReply.objects.filter(account=account).first()


@dataclass(frozen=True, slots=True)
class ReplyTest:
    """What the "test this rule" box found: the rule that answers (None: no keyword rule), the
    reply a follower would get (None: no answer at all), and the Beijing time tested."""

    text: str
    moment: datetime
    rule: KeywordRule | None
    reply: Reply | None
    is_default_reply: bool


def try_message(*, account: OfficialAccount, text: str, at: datetime | None = None) -> ReplyTest:
    """Which automatic reply would answer `text` at `at` (now by default): the keyword rule
    matching_rule finds, else the default reply. The same compiled rules as the callback."""
    moment = timezone.localtime(at or timezone.now())
    compiled = matching_rule(account.pk, text, at=moment)
    if compiled is not None:
        rule = KeywordRule.objects.filter(account=account, pk=compiled.rule_id).first()
        return ReplyTest(text, moment, rule, compiled.reply, False)
    fallback = default_reply(account.pk)
    return ReplyTest(text, moment, None, fallback, fallback is not None)


def try_follow(*, account: OfficialAccount, scene: str) -> tuple[Reply | None, bool]:
    """The greeting a follow through `scene` ("" = no scene) gets, and whether it is the scene's
    own (False: the default greeting, or none)."""
    own = greeting_for(account.pk, scene.strip(), fallback=False) if scene.strip() else None
    if own is not None:
        return own, True
    return greeting_for(account.pk, None), False


def reply_summary(content: ReplyContent, *, length: int = 40) -> str:
    """One line about stored reply content, for the lists."""
    kind = content.reply_type
    if kind == "text":
        text = " ".join(content.text.split())
        return text if len(text) <= length else text[: length - 1] + "…"
    if kind == "news":
        titles = [article.get("title", "") for article in content.articles]
        return " / ".join(titles)
    if kind == "music":
        return content.title or content.music_url
    return content.media_id


def reply_preview(reply: Reply | None) -> dict[str, Any] | None:
    """A passive reply as the back office's chat preview shows it."""
    if reply is None:
        return None
    if isinstance(reply, TextReply):
        return {"kind": "text", "text": reply.content}
    if isinstance(reply, ImageReply | VoiceReply):
        kind = "image" if isinstance(reply, ImageReply) else "voice"
        return {"kind": kind, "media_id": reply.media_id}
    if isinstance(reply, VideoReply):
        return {
            "kind": "video",
            "media_id": reply.media_id,
            "title": reply.title,
            "description": reply.description,
        }
    if isinstance(reply, MusicReply):
        return {
            "kind": "music",
            "title": reply.title,
            "description": reply.description,
            "music_url": reply.music_url,
        }
    if isinstance(reply, NewsReply):
        return {
            "kind": "news",
            "articles": [
                {
                    "title": article.title,
                    "description": article.description,
                    "url": article.url,
                    "pic_url": article.pic_url,
                }
                for article in reply.articles
            ],
        }
    return {"kind": "other"}
