"""Automatic replies in the router: after every app's specific handlers, before the built-ins.

Marked inline: they read the account's rules from a short in-process cache (one small query every
few seconds per account) and do no other I/O, so text messages skip the thread hand-off.
"""

from __future__ import annotations

from weizheng.wechat.protocol.replies import Reply
from weizheng.wechat.router import HandlerContext, router

from .selectors import button_reply, default_reply, greeting_for, matching_rule

KEYWORD_PRIORITY = 500
GREETING_PRIORITY = 500
DEFAULT_PRIORITY = 900


@router.on("text", "voice", priority=KEYWORD_PRIORITY, inline=True)
def keyword_reply(ctx: HandlerContext) -> Reply | None:
    """A text, or a voice message by its recognition text (when WeChat's recognition is on)."""
    if ctx.message.kind == "voice":
        spoken = (getattr(ctx.message, "recognition", None) or "").strip("。！？!?. ")
        if not spoken:
            return None
        rule = matching_rule(ctx.account.pk, spoken)
    else:
        rule = matching_rule(ctx.account.pk, ctx.message.content)
    return rule.reply if rule else None


@router.on("event:subscribe", "event:scan", priority=GREETING_PRIORITY, inline=True)
def greeting(ctx: HandlerContext) -> Reply | None:
    """A follow gets its scene's greeting or the default one; a follower scanning a code again
    gets the scene's greeting only."""
    if ctx.message.kind == "event:scan":
        return greeting_for(ctx.account.pk, ctx.message.scene, fallback=False)
    return greeting_for(ctx.account.pk, ctx.message.scene)


@router.on("event:click", priority=KEYWORD_PRIORITY, inline=True)
def menu_button_reply(ctx: HandlerContext) -> Reply | None:
    """A tapped menu button gets the reply set for its key (apps with a handler for that key
    answer first: router.menu handlers run at a lower priority number)."""
    return button_reply(ctx.account.pk, ctx.message.key)


@router.on(
    "text",
    "image",
    "voice",
    "video",
    "shortvideo",
    "location",
    "link",
    priority=DEFAULT_PRIORITY,
    inline=True,
)
def fallback(ctx: HandlerContext) -> Reply | None:
    return default_reply(ctx.account.pk)
