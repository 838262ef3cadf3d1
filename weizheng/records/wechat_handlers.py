"""Record queries from WeChat: "查违章 粤B12345", "查记分", "查社保", "查公积金", "查出入境".

The reply is a short text summary with a link to the H5 page that shows every record. A citizen
without a real-name binding gets the link to bind first; an account that does not offer the query
leaves the message to its other handlers (its keyword rules, search, the default reply). Not
inline: the query may call a backend (the callback's time budget then sends the answer later as
a customer-service message).
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from weizheng.core.errors import AppError
from weizheng.identity.selectors import active_binding
from weizheng.wechat.protocol.replies import Reply, TextReply
from weizheng.wechat.router import HandlerContext, router

from . import actions, links, registry, selectors
from .registry import QueryType

# Separators a citizen may put after the command: 查违章：粤B12345, 查违章,粤B12345.
_SEPARATORS = " \t\u3000:：,，、"


def _link(text: str, path: str) -> str:
    return f"{text}\n{links.absolute(path)}"


def answer_query(*, account, openid: str, query_type: QueryType, argument: str) -> Reply | None:
    """The reply to a query command, or None when the account does not offer the query."""
    if query_type not in selectors.enabled_types(account=account):
        return None
    raw_params = {p.name: argument for p in query_type.params[:1]}
    page = links.query_path(account.slug, query_type.code)
    if query_type.params and not argument:
        example = f"{query_type.commands[0]} {query_type.params[0].placeholder}"
        return TextReply(
            content=_link(
                _("Please add the %(param)s after the command, for example: %(example)s")
                % {"param": query_type.params[0].label, "example": example},
                page,
            )
        )
    binding = active_binding(account=account, openid=openid)
    if binding is None:
        return TextReply(
            content=_link(
                _("Record queries are made in your real name. Please bind your identity first:"),
                links.binding_path(account.slug, next_path=page),
            )
        )
    try:
        outcome = actions.check_run_query(
            account=account,
            openid=openid,
            binding=binding,
            code=query_type.code,
            raw_params=raw_params,
            channel="wechat",
        )
    except AppError as refused:
        return TextReply(content=refused.message)
    shown = query_type.display_params(outcome.params)
    page = links.query_path(account.slug, query_type.code, outcome.params or None)
    if outcome.is_ok and outcome.result is not None and query_type.summarise:
        lines = query_type.summarise(outcome.result, shown)
        return TextReply(content=_link("\n".join([*lines, _("Details:")]), page))
    if outcome.status == "not_found":
        return TextReply(content=_link(_("Nothing was found for you in this query."), page))
    if outcome.status == "refused":
        return TextReply(
            content=_(
                "The records office declined this query. If you think this is wrong, please write to us."
            )
        )
    return TextReply(
        content=_link(
            _("The records office cannot answer right now. Please try again in a minute, or open:"),
            page,
        )
    )


def _handler_for(query_type: QueryType, command: str):
    def handle(ctx: HandlerContext) -> Reply | None:
        argument = ctx.message.content.strip()[len(command) :].strip(_SEPARATORS)
        with translation.override(ctx.account.default_language):
            return answer_query(
                account=ctx.account, openid=ctx.openid, query_type=query_type, argument=argument
            )

    handle.__name__ = handle.__qualname__ = f"records_{query_type.code.replace('-', '_')}"
    return handle


def register_commands() -> None:
    for query_type in registry.all_types():
        for command in query_type.commands:
            router.keyword(command, match="prefix")(_handler_for(query_type, command))


register_commands()
