"""微信问政 in the chat: "我要问政" (or the menu button WENZHENG) starts a guided conversation —
category → description → photos / voice → location → named or anonymous → consent to publish —
and "问政进度 <编号>" tells where a request stands.

The conversation's state is a `Conversation` row per (account, openid), never process memory:
any web process may answer the next message. 取消 or 退出 ends it at any step; a conversation left
alone for CONVERSATION_MINUTES is forgotten. While one is open, the citizen's text, image, voice
and location messages are the conversation's (priority 10, before keyword rules). Photos and
voice messages are fetched from WeChat (media/get) when the request is submitted. Not inline:
the handlers use the database (and the media download).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from weizheng.core.errors import AppError
from weizheng.wechat.protocol.replies import Reply, TextReply
from weizheng.wechat.router import HandlerContext, router

from . import actions, selectors
from .models import Channel, Conversation, Inquiry, MediaKind

logger = logging.getLogger(__name__)

START_WORDS = ("我要问政", "问政", "我要投诉", "我要咨询")
CANCEL_WORDS = frozenset({"取消", "退出", "cancel", "quit"})
DONE_WORDS = frozenset({"好了", "完成", "没有了", "跳过", "没有", "无", "done", "skip"})
SKIP_WORDS = frozenset({"跳过", "不提供", "无", "没有", "skip"})
YES = frozenset({"1", "是", "同意", "实名", "yes"})
NO = frozenset({"2", "否", "不同意", "匿名", "no"})
CONVERSATION_MINUTES = 30
# Set when 我要问政 came in the middle of a conversation: the next one starts over.
RESTART_ASKED = "restart_asked"
MENU_KEY = "WENZHENG"
PRIORITY = 10


class Step:
    CATEGORY = "category"
    DESCRIPTION = "description"
    MEDIA = "media"
    LOCATION = "location"
    NAMED = "named"
    CONSENT = "consent"


def _link(path: str, label: str) -> str:
    from weizheng.search.links import public_base_url

    base = public_base_url()
    safe = label.replace("<", "〈").replace(">", "〉")
    return f'<a href="{escape(base + path)}">{safe}</a>' if base else safe


def _open(account: Any, openid: str) -> Conversation | None:
    """The citizen's conversation, unless it was left alone too long (then it is deleted)."""
    found = Conversation.objects.filter(account=account, openid=openid).first()
    if found is None:
        return None
    if found.updated_at < timezone.now() - timedelta(minutes=CONVERSATION_MINUTES):
        found.delete()
        return None
    return found


def _save(conversation: Conversation, step: str, **data: Any) -> None:
    conversation.step = step
    conversation.data = {**conversation.data, **data}
    conversation.save(update_fields=["step", "data", "updated_at"])


def _category_prompt(account: Any) -> str:
    categories = list(selectors.active_categories(account=account))
    lines = [_("Which category is your question or complaint about? Reply with its number:")]
    lines += [f"{n}. {c.name}" for n, c in enumerate(categories, start=1)]
    lines.append(_("Reply 取消 at any time to stop."))
    return "\n".join(lines)


def start(ctx: HandlerContext) -> Reply:
    """Begin the guided conversation. In the middle of one, the first 我要问政 asks whether to
    start over (the answers so far would be lost); a second one starts over."""
    account = ctx.account
    if not selectors.active_categories(account=account).exists():
        return TextReply(content=_("This account does not take questions and complaints."))
    current = _open(account, ctx.openid)
    if current is not None and current.step != Step.CATEGORY:
        if not current.data.get(RESTART_ASKED):
            _save(current, current.step, **{RESTART_ASKED: True})
            return TextReply(
                content=_(
                    "You are in the middle of a request that is not sent yet. Send 我要问政 "
                    "again to start over (your answers so far are dropped), answer the last "
                    "question to go on, or reply 取消 to stop."
                )
            )
    Conversation.objects.update_or_create(
        account=account, openid=ctx.openid, defaults={"step": Step.CATEGORY, "data": {}}
    )
    return TextReply(content=_category_prompt(account))


@router.keyword("我要问政", priority=PRIORITY)
def start_by_word(ctx: HandlerContext) -> Reply:
    return start(ctx)


@router.menu(MENU_KEY, priority=PRIORITY)
def start_by_menu(ctx: HandlerContext) -> Reply:
    return start(ctx)


@router.on("text", "image", "voice", "location", priority=PRIORITY + 1)
def converse(ctx: HandlerContext) -> Reply | None:
    """The next answer of an open conversation; None (the message goes on to other handlers)
    when the citizen has none."""
    if not selectors.runs_inquiries(ctx.account.pk):
        return None
    conversation = _open(ctx.account, ctx.openid)
    if conversation is None:
        return None
    message = ctx.message
    text = (getattr(message, "content", "") or "").strip()
    if message.kind == "text" and text.lower() in CANCEL_WORDS:
        conversation.delete()
        return TextReply(content=_("You left 我要问政. Nothing was sent."))
    if conversation.data.pop(RESTART_ASKED, None):
        conversation.save(update_fields=["data", "updated_at"])  # went on: ask again next time
    handler = STEPS[conversation.step]
    return handler(ctx, conversation, text)


def _category(ctx: HandlerContext, conversation: Conversation, text: str) -> Reply:
    categories = list(selectors.active_categories(account=ctx.account))
    chosen = None
    if text.isdigit() and 1 <= int(text) <= len(categories):
        chosen = categories[int(text) - 1]
    else:
        chosen = next((c for c in categories if text and c.name == text), None)
    if chosen is None:
        return TextReply(
            content=_("There is no such category.") + "\n" + _category_prompt(ctx.account)
        )
    _save(conversation, Step.DESCRIPTION, category=chosen.code)
    return TextReply(
        content=_(
            "%(category)s. Describe the problem: what happened, where and since when (at most "
            "%(limit)d characters). You may also send a voice message."
        )
        % {"category": chosen.name, "limit": actions.MAX_DESCRIPTION}
    )


def _description(ctx: HandlerContext, conversation: Conversation, text: str) -> Reply:
    message = ctx.message
    if message.kind == "voice":
        text = (getattr(message, "recognition", "") or "").strip()
        if not text:
            return TextReply(
                content=_("The voice message could not be understood; please type the description.")
            )
    elif message.kind != "text":
        return TextReply(content=_("Please describe the problem in words first."))
    try:
        description = actions.clean_description(text)
    except AppError as refused:
        return TextReply(content=refused.message)
    _save(conversation, Step.MEDIA, description=description, media=[])
    return TextReply(
        content=_(
            "Received. You may now send photos or voice messages (at most %(n)d). Reply 好了 when "
            "you are done, or 跳过 if you have none."
        )
        % {"n": actions.MAX_MEDIA}
    )


def _location_prompt() -> str:
    return _(
        "Where is it? Send your location (+ → Location), or type the address. Reply 跳过 to give "
        "no place."
    )


def _media(ctx: HandlerContext, conversation: Conversation, text: str) -> Reply:
    message = ctx.message
    media = list(conversation.data.get("media", []))
    if message.kind in ("image", "voice"):
        if len(media) >= actions.MAX_MEDIA:
            return TextReply(
                content=_("That is the most photos and recordings one request takes. Reply 好了.")
            )
        media.append(
            {
                "kind": MediaKind.IMAGE if message.kind == "image" else MediaKind.VOICE,
                "media_id": message.media_id,
                "recognition": (getattr(message, "recognition", "") or "")[:500],
            }
        )
        _save(conversation, Step.MEDIA, media=media)
        return TextReply(content=_("Received %(n)d. Send more, or reply 好了.") % {"n": len(media)})
    if message.kind == "text" and text.lower() in DONE_WORDS:
        _save(conversation, Step.LOCATION)
        return TextReply(content=_location_prompt())
    return TextReply(content=_("Send photos or voice messages, or reply 好了 to go on."))


def _named_prompt() -> str:
    return _(
        "Do you ask with your name? Reply 1 for named (the name and phone of your real-name "
        "binding), 2 for anonymous."
    )


def _location(ctx: HandlerContext, conversation: Conversation, text: str) -> Reply:
    message = ctx.message
    if message.kind == "location":
        try:
            lat, lng = actions.clean_location(
                account=ctx.account, latitude=message.latitude, longitude=message.longitude
            )
        except AppError as refused:
            return TextReply(content=refused.message + "\n" + _location_prompt())
        _save(
            conversation,
            Step.NAMED,
            latitude=lat,
            longitude=lng,
            address=(message.label or "")[: actions.MAX_ADDRESS],
        )
        return TextReply(content=_named_prompt())
    if message.kind != "text" or not text:
        return TextReply(content=_location_prompt())
    if text.lower() in SKIP_WORDS:
        _save(conversation, Step.NAMED)
        return TextReply(content=_named_prompt())
    try:
        address = actions.clean_typed_address(text)
    except AppError as refused:
        return TextReply(content=refused.message + "\n" + _("Reply 跳过 to give no place."))
    _save(conversation, Step.NAMED, address=address)
    return TextReply(content=_named_prompt())


def _named(ctx: HandlerContext, conversation: Conversation, text: str) -> Reply:
    from weizheng.identity.decorators import binding_page_url
    from weizheng.identity.selectors import active_binding

    if text in YES:
        if active_binding(account=ctx.account, openid=ctx.openid) is None:
            return TextReply(
                content=_(
                    "You have no real-name binding on this account yet: %(link)s, then reply 1 "
                    "again. Or reply 2 to ask anonymously."
                )
                % {"link": _link(binding_page_url(ctx.account), _("bind your identity"))}
            )
        named = True
    elif text in NO:
        named = False
    else:
        return TextReply(content=_named_prompt())
    _save(conversation, Step.CONSENT, named=named)
    return TextReply(content=consent_question())


def consent_question() -> str:
    """What publication means, said where it is asked (docs/open311.md, "What is published")."""
    return _(
        "May your request be published? What you wrote, the address you gave and the location "
        "(to about 100 m), without your name and with phone and ID numbers masked, are open to "
        "anyone in the city's open data interface (Open311) once the request is received, and "
        "on the public board with the answer once it is answered. Reply 1 to agree, 2 to keep "
        "it private."
    )


def _fetch(ctx: HandlerContext, items: list[dict[str, Any]]) -> tuple[list[Any], int]:
    """The photos and recordings from WeChat, checked; how many could not be kept."""
    from weizheng.wechat.client import download_media
    from weizheng.wechat.errors import WeChatError

    kept, lost = [], 0
    for item in items:
        try:
            data, _type = download_media(ctx.account, item["media_id"])
            kept.append(
                actions.check_media(
                    kind=item["kind"], data=data, recognition=item.get("recognition", "")
                )
            )
        except (WeChatError, AppError) as exc:
            logger.warning("inquiries: media %s not kept: %s", item["media_id"], exc)
            lost += 1
    return kept, lost


def _consent(ctx: HandlerContext, conversation: Conversation, text: str) -> Reply:
    if text not in YES and text not in NO:
        return TextReply(content=_("Reply 1 to agree to publication, 2 to keep it private."))
    data = conversation.data
    media, lost = _fetch(ctx, list(data.get("media", [])))
    try:
        with transaction.atomic():
            inquiry = actions.check_submit_inquiry(
                account=ctx.account,
                category_code=data.get("category", ""),
                description=data.get("description", ""),
                channel=Channel.WECHAT,
                openid=ctx.openid,
                latitude=data.get("latitude"),
                longitude=data.get("longitude"),
                address=data.get("address", ""),
                is_anonymous=not data.get("named", False),
                consent_publish=text in YES,
                media=media,
            )
            conversation.delete()
    except AppError as refused:
        conversation.delete()
        return TextReply(
            content=refused.message + "\n" + _("Nothing was sent; reply 我要问政 to start again.")
        )
    return TextReply(content=_receipt(ctx, inquiry, lost))


def _receipt(ctx: HandlerContext, inquiry: Inquiry, lost: int) -> str:
    from django.urls import reverse

    path = reverse(
        "inquiries:detail",
        kwargs={"account_slug": ctx.account.slug, "public_id": inquiry.public_id},
    )
    lines = [
        _(
            "Your request was received. Its number is %(number)s; %(department)s will answer by "
            "%(due)s."
        )
        % {
            "number": inquiry.public_id,
            "department": inquiry.department.name,
            "due": f"{timezone.localtime(inquiry.reply_due_at):%Y-%m-%d %H:%M}",
        }
    ]
    if lost:
        lines.append(
            _("%(n)d photo(s) or recording(s) could not be fetched from WeChat and were left out.")
            % {"n": lost}
        )
    lines.append(_link(path, _("Details")))
    return "\n".join(lines)


STEPS = {
    Step.CATEGORY: _category,
    Step.DESCRIPTION: _description,
    Step.MEDIA: _media,
    Step.LOCATION: _location,
    Step.NAMED: _named,
    Step.CONSENT: _consent,
}


@router.keyword("问政进度", match="prefix", priority=PRIORITY)
def progress(ctx: HandlerContext) -> Reply:
    """问政进度 [编号]: that request's state, or the citizen's three latest."""
    number = (ctx.message.content or "").replace("问政进度", "", 1).strip(" :：\u3000")
    mine = selectors.citizen_inquiries(account=ctx.account, openid=ctx.openid)
    if number:
        mine = mine.filter(public_id=number[:20].upper())
    found = list(mine.order_by("-submitted_at")[:3])
    if not found:
        return TextReply(
            content=_("No request of yours was found. Reply 我要问政 to ask a question.")
        )
    lines = [
        f"{inquiry.public_id} · {inquiry.category.name} · {inquiry.get_status_display()}\n"
        f"{selectors.status_note(inquiry)}"
        for inquiry in found
    ]
    return TextReply(content="\n\n".join(lines))
