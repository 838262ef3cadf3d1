"""WeChat: "绑定", "实名" or "实名绑定" (and "bind" in English) answer with a link to the binding
page, or, for a citizen already bound, to their "my data" page. No personal data is read or sent
in the chat: the reply only says whether a binding exists.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from weizheng.search.links import public_base_url
from weizheng.wechat.protocol.replies import Reply, TextReply
from weizheng.wechat.router import HandlerContext, router

from .selectors import active_binding

COMMANDS = ("绑定", "实名", "实名绑定")


def binding_reply(*, account, openid: str) -> Reply:
    """A link to the binding page (or to my data when bound); text only without a public URL."""
    bound = active_binding(account=account, openid=openid) is not None
    name = "identity:mine" if bound else "identity:start"
    base = public_base_url()
    if bound:
        sentence = _("Your real name is already bound to this account.")
        label = _("See or unbind it in My data")
    else:
        sentence = _("Bind your real name once to look up your own records and apply online.")
        label = _("Bind my real name")
    if not base:
        return TextReply(content=f"{sentence}\n{_('Open it from the account menu.')}")
    url = base + reverse(name, kwargs={"account_slug": account.slug})
    return TextReply(content=f'{sentence}\n<a href="{escape(url)}">{label}</a>')


def _answer(ctx: HandlerContext, language: str) -> Reply:
    with translation.override(language):
        return binding_reply(account=ctx.account, openid=ctx.openid)


@router.keyword(COMMANDS[0])
def bind_command(ctx: HandlerContext) -> Reply:
    return _answer(ctx, ctx.account.default_language)


@router.keyword(COMMANDS[1])
def real_name_command(ctx: HandlerContext) -> Reply:
    return _answer(ctx, ctx.account.default_language)


@router.keyword(COMMANDS[2])
def real_name_binding_command(ctx: HandlerContext) -> Reply:
    return _answer(ctx, ctx.account.default_language)


@router.keyword(r"(?i)^\s*bind\s*$", match="regex")
def english_bind_command(ctx: HandlerContext) -> Reply:
    return _answer(ctx, "en")
