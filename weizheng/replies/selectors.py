"""Reads of the replies app: which automatic reply answers what."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from datetime import time as clock
from typing import Any

from django.utils import timezone

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

from .models import DefaultReply, KeywordRule, ReplyContent, SubscribeGreeting

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
    compiled = AccountReplies(rules, greetings, build_reply(default) if default else None)
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
