"""Writes of the replies app, each validated like WeChat would and audited."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import regex
from django.db import transaction
from django.utils.translation import gettext as _

from weizheng.core.actions import do_audit
from weizheng.core.errors import AppError
from weizheng.wechat.models import OfficialAccount
from weizheng.wechat.router import check_regex_is_bounded

from .models import (
    ButtonReply,
    DefaultReply,
    KeywordRule,
    MatchMode,
    ReplyContent,
    ReplyType,
    SubscribeGreeting,
)
from .selectors import forget

CONTENT_FIELDS = (
    "reply_type",
    "text",
    "media_id",
    "title",
    "description",
    "music_url",
    "hq_music_url",
    "thumb_media_id",
    "articles",
)
TEXT_REPLY_MAX_BYTES = 2048


def check_reply_content(content: dict[str, Any], *, max_articles: int) -> None:
    """Refuse content WeChat would not show (AppError with the rule broken)."""
    kind = content.get("reply_type", ReplyType.TEXT)
    if kind not in ReplyType.values:
        raise AppError("bad_reply_type", _("Unknown reply type %(type)s.") % {"type": kind})
    if kind == ReplyType.TEXT:
        text = (content.get("text") or "").strip()
        if not text:
            raise AppError("empty_text", _("A text reply needs some text."))
        if len(text.encode("utf-8")) > TEXT_REPLY_MAX_BYTES:
            raise AppError(
                "text_too_long",
                _("A text reply is limited to %(limit)d bytes (about 680 Chinese characters).")
                % {"limit": TEXT_REPLY_MAX_BYTES},
            )
    elif kind in (ReplyType.IMAGE, ReplyType.VOICE, ReplyType.VIDEO) and not content.get(
        "media_id"
    ):
        raise AppError(
            "missing_media",
            _("An image, voice or video reply needs a media id from the media library."),
        )
    elif kind == ReplyType.MUSIC and not (
        content.get("music_url") and content.get("thumb_media_id")
    ):
        raise AppError(
            "missing_music", _("A music reply needs a music URL and a thumbnail media id.")
        )
    elif kind == ReplyType.NEWS:
        articles = content.get("articles") or []
        if not 1 <= len(articles) <= max_articles:
            raise AppError(
                "article_count",
                _("An articles reply here takes 1 to %(limit)d articles.")
                % {"limit": max_articles},
            )
        for number, article in enumerate(articles, start=1):
            if not (article.get("title") or "").strip():
                raise AppError(
                    "article_title",
                    _("Article %(n)d needs a title.") % {"n": number},
                    article=number,
                    field="title",
                )
            for key in ("url", "pic_url"):
                value = article.get(key) or ""
                if value and urlsplit(value).scheme not in ("http", "https"):
                    raise AppError(
                        "article_url",
                        _("Article %(n)d: links must start with http:// or https://.")
                        % {"n": number},
                        article=number,
                        field=key,
                    )


def _content(data: dict[str, Any]) -> dict[str, Any]:
    return {field: data[field] for field in CONTENT_FIELDS if field in data}


def _apply(instance: ReplyContent, content: dict[str, Any]) -> None:
    for field, value in content.items():
        setattr(instance, field, value)


def do_save_keyword_rule(
    *, account: OfficialAccount, data: dict[str, Any], actor: Any, rule: KeywordRule | None = None
) -> KeywordRule:
    """Create or change a keyword rule; a regex that does not compile or a rule without a
    keyword is refused before anything is saved."""
    match = data.get("match", rule.match if rule else MatchMode.EXACT)
    pattern = (data.get("pattern", rule.pattern if rule else "") or "").strip()
    if match not in MatchMode.values:
        raise AppError("bad_match", _("Unknown match mode %(mode)s.") % {"mode": match})
    if match != MatchMode.ANY and not pattern:
        raise AppError("empty_pattern", _("A keyword rule needs a keyword or pattern."))
    if match == MatchMode.REGEX:
        try:
            regex.compile(pattern)
        except regex.error as exc:
            raise AppError(
                "bad_regex",
                _("The regular expression does not compile: %(error)s.") % {"error": exc},
            ) from exc
        try:
            check_regex_is_bounded(pattern)
        except ValueError as exc:
            raise AppError(
                "slow_regex",
                _(
                    "The regular expression can take too long on some messages (nested"
                    " repetition such as (a|aa)+): simplify it."
                ),
            ) from exc
    active_from = data.get("active_from", rule.active_from if rule else None)
    active_until = data.get("active_until", rule.active_until if rule else None)
    if (active_from is None) != (active_until is None):
        raise AppError("half_hours", _("Active hours need both a start and an end time."))
    content = _content(data)
    merged = {f: getattr(rule, f) for f in CONTENT_FIELDS} if rule else {}
    merged.update(content)
    # A reply to a message shows one article only.
    check_reply_content(merged, max_articles=1)
    with transaction.atomic():
        rule = rule or KeywordRule(account=account)
        rule.name = (data.get("name") or rule.name or pattern or match)[:60]
        rule.pattern, rule.match = pattern, match
        rule.priority = int(data.get("priority", rule.priority if rule.pk else 100))
        rule.active_from, rule.active_until = active_from, active_until
        rule.is_active = bool(data.get("is_active", rule.is_active if rule.pk else True))
        _apply(rule, merged)
        rule.save()
        do_audit(
            action="replies.rule.save",
            actor=actor,
            account=account,
            target=rule,
            detail={"name": rule.name, "match": match, "pattern": pattern},
        )
    transaction.on_commit(lambda: forget(account.pk))
    return rule


def do_save_greeting(
    *, account: OfficialAccount, scene: str, data: dict[str, Any], actor: Any
) -> SubscribeGreeting:
    """Set the greeting for a QR scene ("" = the default greeting)."""
    content = _content(data)
    check_reply_content(content, max_articles=8)
    with transaction.atomic():
        greeting, _created = SubscribeGreeting.objects.get_or_create(
            account=account, scene=scene.strip()
        )
        _apply(greeting, content)
        greeting.is_active = bool(data.get("is_active", True))
        greeting.save()
        do_audit(
            action="replies.greeting.save",
            actor=actor,
            account=account,
            target=greeting,
            detail={"scene": scene},
        )
    transaction.on_commit(lambda: forget(account.pk))
    return greeting


def do_save_default_reply(
    *, account: OfficialAccount, data: dict[str, Any], actor: Any
) -> DefaultReply:
    content = _content(data)
    check_reply_content(content, max_articles=1)
    with transaction.atomic():
        reply, _created = DefaultReply.objects.get_or_create(account=account)
        _apply(reply, content)
        reply.is_active = bool(data.get("is_active", True))
        reply.save()
        do_audit(action="replies.default.save", actor=actor, account=account, target=reply)
    transaction.on_commit(lambda: forget(account.pk))
    return reply


def do_delete_keyword_rule(*, rule: KeywordRule, actor: Any) -> None:
    """Delete a keyword rule; its text is kept in the audit log."""
    account = rule.account
    with transaction.atomic():
        detail = {
            "rule": rule.pk,
            "name": rule.name,
            "match": rule.match,
            "pattern": rule.pattern,
            "priority": rule.priority,
        }
        rule.delete()
        do_audit(action="replies.rule.delete", actor=actor, account=account, detail=detail)
    transaction.on_commit(lambda: forget(account.pk))


def do_delete_greeting(*, greeting: SubscribeGreeting, actor: Any) -> None:
    """Delete a greeting: follows through its scene get the default greeting again."""
    account = greeting.account
    with transaction.atomic():
        detail = {"greeting": greeting.pk, "scene": greeting.scene}
        greeting.delete()
        do_audit(action="replies.greeting.delete", actor=actor, account=account, detail=detail)
    transaction.on_commit(lambda: forget(account.pk))


BUTTON_KEY_MAX_BYTES = 128  # WeChat's limit on a menu key


def do_save_button_reply(
    *, account: OfficialAccount, key: str, data: dict[str, Any], actor: Any
) -> ButtonReply:
    """Set what a menu button with this key answers (one article at most, as for a message)."""
    key = (key or "").strip()
    if not key:
        raise AppError("key_empty", _("Give the key of the menu button."), field="key")
    if len(key.encode("utf-8")) > BUTTON_KEY_MAX_BYTES:
        raise AppError("key_too_long", _("A menu key is limited to 128 bytes."), field="key")
    content = _content(data)
    check_reply_content(content, max_articles=1)
    with transaction.atomic():
        reply, _created = ButtonReply.objects.get_or_create(account=account, key=key)
        _apply(reply, content)
        reply.is_active = bool(data.get("is_active", True))
        reply.save()
        do_audit(
            action="replies.button.save",
            actor=actor,
            account=account,
            target=reply,
            detail={"key": key},
        )
    transaction.on_commit(lambda: forget(account.pk))
    return reply


def do_delete_button_reply(*, reply: ButtonReply, actor: Any) -> None:
    account = reply.account
    with transaction.atomic():
        do_audit(
            action="replies.button.delete",
            actor=actor,
            account=account,
            target=reply,
            detail={"key": reply.key, "text": reply.text},
        )
        reply.delete()
    transaction.on_commit(lambda: forget(account.pk))
