"""Service guides from WeChat: "办事指南 居住证", "怎么办 驾驶证补领" (or "怎么办理居住证") answer with
links to the top guides; the command alone links to the guide list.

A text reply, not a news card: WeChat shows one article in a passive reply to a message, while a
text reply can carry several links. Without PUBLIC_BASE_URL (no public address to link to) the
titles are listed as plain text. Not inline: the handler queries the database.
"""

from __future__ import annotations

from urllib.parse import urlencode

import regex
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from weizheng.core.errors import AppError
from weizheng.search.links import public_base_url
from weizheng.search.query import MAX_QUERY_LENGTH
from weizheng.wechat.protocol.replies import Reply, TextReply
from weizheng.wechat.router import HandlerContext, router

from .selectors import search_guides

# 办事指南 <词>, 怎么办 <词>, 怎么办理<词> — the words after the command, separators dropped.
COMMAND = r"^\s*(?:办事指南|怎么办理?)(?:[\s\u3000:：,，、]+|$|(?=\S))"
SHOWN_GUIDES = 5
# Before the back office's keyword rules (500): the command is the app's.
PRIORITY = 100
_SEPARATORS = " \t\u3000:：,，、"


def _absolute(path: str) -> str:
    base = public_base_url()
    return base + path if base else ""


def _link(url: str, text: str) -> str:
    # WeChat renders <a href> in text messages; the title is the link's text.
    safe = text.replace("<", "〈").replace(">", "〉")
    return f'<a href="{url}">{safe}</a>' if url else safe


def answer_guides(*, account, query: str) -> Reply:
    """The reply to the guide command: the top guides as links, or what to do instead."""
    list_path = reverse("eservices:guides", kwargs={"account_slug": account.slug})
    if not query:
        return TextReply(
            content=_(
                "Service guides: %(link)s\nOr send what you want to do, for example: "
                "办事指南 居住证"
            )
            % {"link": _link(_absolute(list_path), _("all service guides"))}
        )
    if len(query) > MAX_QUERY_LENGTH:
        return TextReply(
            content=_(
                "Please use at most %(limit)d characters, a few key words, for example: "
                "办事指南 居住证"
            )
            % {"limit": MAX_QUERY_LENGTH}
        )
    try:
        results = search_guides(account=account, query=query, limit=SHOWN_GUIDES)
    except AppError as refused:
        return TextReply(content=refused.message)
    if not results.hits:
        return TextReply(
            content=_(
                "No service guide was found for “%(query)s”. Try other or fewer words, or "
                "browse %(link)s."
            )
            % {"query": query, "link": _link(_absolute(list_path), _("all service guides"))}
        )
    lines = [
        ngettext(
            "%(count)d service guide for “%(query)s”:",
            "%(count)d service guides for “%(query)s”:",
            results.total,
        )
        % {"count": results.total, "query": query}
    ]
    for number, hit in enumerate(results.hits, start=1):
        lines.append(f"{number}. {_link(_absolute(hit.url), hit.title)}")
    if results.total > len(results.hits):
        more = f"{list_path}?{urlencode({'q': query})}"
        lines.append(_link(_absolute(more), _("See all of them")))
    return TextReply(content="\n".join(lines))


@router.keyword(COMMAND, match="regex", priority=PRIORITY)
def guide_command(ctx: HandlerContext) -> Reply:
    query = regex.sub(COMMAND, "", ctx.message.content, count=1).strip(_SEPARATORS)
    with translation.override(ctx.account.default_language):
        return answer_guides(account=ctx.account, query=query)
