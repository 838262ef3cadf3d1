"""Built-in last-resort replies, so a new account never leaves a citizen unanswered.

They run after every app's handlers (priority 1000). The auto-reply rules of the back office
(subscribe greetings, keywords, the default reply) will take precedence over them.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from .protocol.replies import TextReply
from .router import HandlerContext, router

FALLBACK_PRIORITY = 1000


@router.on("event:subscribe", priority=FALLBACK_PRIORITY, inline=True)
def default_greeting(ctx: HandlerContext) -> TextReply:
    with translation.override(ctx.account.default_language):
        return TextReply(
            content=_("Thank you for following %(name)s.") % {"name": ctx.account.name}
        )


@router.on("text", "voice", "image", "location", priority=FALLBACK_PRIORITY, inline=True)
def default_reply(ctx: HandlerContext) -> TextReply:
    with translation.override(ctx.account.default_language):
        return TextReply(
            content=_(
                "Your message to %(name)s has been received. Use the menu below for services."
            )
            % {"name": ctx.account.name}
        )
