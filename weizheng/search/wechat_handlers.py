"""Search from WeChat: "查政策 公积金提取" (or "search residence permit") answers with the top
results, and a plain message that clearly names a document is answered by search before the
account's default reply.

WeChat shows one article in a passive reply to a message, so the answer is one card: its title
names the query and the count, its description the first three titles, and it opens the H5 search
page with every result. Not marked inline: both handlers query the database.
"""

from __future__ import annotations

import re

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from weizheng.core.errors import AppError
from weizheng.wechat.protocol.replies import Article, NewsReply, Reply, TextReply
from weizheng.wechat.router import HandlerContext, router

from .documents import SearchResults
from .links import absolute_search_url
from .query import MAX_QUERY_LENGTH
from .selectors import confident_results, search_entries

COMMAND = "查政策"
# Inline flag: the router compiles the pattern itself.
ENGLISH_COMMAND = re.compile(r"(?i)^\s*search(?:\s+|$)")
# Between the back office's keyword rules (500) and its default reply (900).
FALLBACK_PRIORITY = 850
SHOWN_TITLES = 3
# A title in the card's description is cut at this width (a Chinese character counts two).
TITLE_WIDTH = 80
# Separators a citizen may put after the command: 查政策：公积金, 查政策,公积金.
_SEPARATORS = " \t\u3000:：,，、"


def _shorten(text: str, limit: int = TITLE_WIDTH) -> str:
    width = 0
    for index, character in enumerate(text):
        width += 1 if character.isascii() else 2
        if width > limit:
            return text[: max(index - 1, 1)] + "…"
    return text


def results_reply(*, account, query: str, results: SearchResults) -> Reply:
    """One news card for the results (text when there is no public address to link to)."""
    titles = [
        f"{number}. {_shorten(hit.title)}"
        for number, hit in enumerate(results.hits[:SHOWN_TITLES], start=1)
    ]
    heading = ngettext(
        "%(count)d result for “%(query)s”",
        "%(count)d results for “%(query)s”",
        results.total,
    ) % {"count": results.total, "query": query}
    if results.is_partial:
        titles.insert(0, _("No document has every word; these have some of them."))
    url = absolute_search_url(account.slug, query)
    if not url:
        return TextReply(content="\n".join([heading, *titles]))
    return NewsReply(
        articles=(Article(title=heading, description="\n".join(titles), pic_url="", url=url),)
    )


def answer_search(*, account, query: str) -> Reply:
    """The reply to a search command: results, or a sentence saying what to do."""
    try:
        results = search_entries(account_id=account.pk, query=query, limit=SHOWN_TITLES)
    except AppError as refused:
        if refused.code == "empty_query":
            return TextReply(
                content=_(
                    "Please add what you are looking for after the command, for example: "
                    "查政策 公积金提取"
                )
            )
        return TextReply(
            content=_(
                "Your search is too long: please use at most %(limit)d characters, a few key "
                "words, for example: 查政策 公积金提取"
            )
            % {"limit": MAX_QUERY_LENGTH}
        )
    if not results.hits:
        return TextReply(
            content=_(
                "Nothing was found for “%(query)s”. Try other or fewer words, for example: "
                "查政策 公积金提取"
            )
            % {"query": query}
        )
    return results_reply(account=account, query=query, results=results)


@router.keyword(COMMAND, match="prefix")
def search_command(ctx: HandlerContext) -> Reply:
    query = ctx.message.content.strip()[len(COMMAND) :].strip(_SEPARATORS)
    with translation.override(ctx.account.default_language):
        return answer_search(account=ctx.account, query=query)


@router.keyword(ENGLISH_COMMAND.pattern, match="regex")
def english_search_command(ctx: HandlerContext) -> Reply:
    query = ENGLISH_COMMAND.sub("", ctx.message.content, count=1).strip(_SEPARATORS)
    with translation.override("en"):
        return answer_search(account=ctx.account, query=query)


@router.on("text", priority=FALLBACK_PRIORITY)
def search_fallback(ctx: HandlerContext) -> Reply | None:
    """A message no keyword rule answered: search results when they surely answer it."""
    text = ctx.message.content.strip()
    if not text or len(text) > MAX_QUERY_LENGTH:
        return None
    results = confident_results(account_id=ctx.account.pk, text=text)
    if results is None:
        return None
    with translation.override(ctx.account.default_language):
        return results_reply(account=ctx.account, query=text, results=results)
