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


# 查进度 WB20261008123456 — only our receipt format, so a deployment's own 查进度 keyword rule
# still answers other numbers; 查进度 alone lists the citizen's latest applications.
PROGRESS = r"(?i)^\s*查进度(?:[\s\u3000:：]*(WB\d{14}))?\s*$"


def answer_progress(*, account, openid: str, receipt_no: str) -> Reply:
    """The status of the citizen's own application; the same sentence for an unknown number
    and for someone else's."""
    from .models import ApplicationStatus
    from .selectors import application_for_citizen, applications_of_citizen

    if not receipt_no:
        mine = applications_of_citizen(account=account, openid=openid)
        if not mine:
            return TextReply(content=_("You have no online application on this account."))
        lines = [_("Your latest applications:")]
        lines += [
            f"{a.receipt_no} {a.guide.title}：{ApplicationStatus(a.status).label}" for a in mine
        ]
        return TextReply(content="\n".join(lines))
    application = application_for_citizen(account=account, openid=openid, receipt_no=receipt_no)
    if application is None:
        return TextReply(
            content=_(
                "No application of yours has the receipt number %(number)s. Check the number "
                "on your receipt."
            )
            % {"number": receipt_no.upper()}
        )
    text = _("%(service)s (receipt number %(number)s): %(status)s.") % {
        "service": application.guide.title,
        "number": application.receipt_no,
        "status": ApplicationStatus(application.status).label,
    }
    if application.last_note:
        text += "\n" + application.last_note
    return TextReply(content=text)


@router.keyword(PROGRESS, match="regex", priority=PRIORITY)
def progress_command(ctx: HandlerContext) -> Reply:
    found = regex.match(PROGRESS, ctx.message.content)
    receipt_no = (found.group(1) or "") if found else ""
    with translation.override(ctx.account.default_language):
        return answer_progress(account=ctx.account, openid=ctx.openid, receipt_no=receipt_no)
