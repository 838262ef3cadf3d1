"""Record queries from WeChat: "查违章 粤B12345", "查记分", "查社保", "查公积金", "查出入境".

The reply is a short text summary with a 查看详情 link to the H5 page that shows every record (the
link carries a short-lived token, never the plate). A citizen without a real-name binding gets the
link to bind first. The command words are ours: on an account that does not offer a query, the
reply says so and lists what the account does offer, rather than letting the message fall through
to the default reply. Not inline: the query may call a backend (the callback's time budget then
sends the answer later as a customer-service message).
"""

from __future__ import annotations

from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from weizheng.core.errors import AppError
from weizheng.identity.selectors import active_binding
from weizheng.wechat.protocol.replies import Reply, TextReply
from weizheng.wechat.router import HandlerContext, router

from . import actions, links, registry, selectors
from .registry import QueryType

# Separators a citizen may put after the command: 查违章：粤B12345, 查违章,粤B12345.
_SEPARATORS = " \t\u3000:：,，、"


def _a(path: str, text: str) -> str:
    """A text link: WeChat renders <a href> in text messages."""
    safe = str(text).replace("<", "〈").replace(">", "〉")
    return f'<a href="{escape(links.absolute(path))}">{safe}</a>'


def _with_link(text: str, path: str, label: str) -> str:
    return f"{text}\n{_a(path, label)}"


def _not_offered(*, account, query_type: QueryType) -> Reply:
    """What the account offers instead: one of our command words must not fall through to the
    default reply ("your message is recorded") as if a person would read it."""
    offered = selectors.enabled_types(account=account)
    lines = [_("This account does not offer %(type)s queries.") % {"type": query_type.label}]
    if offered:
        lines.append(_("You can send:"))
        lines.extend(
            _("%(command)s (%(label)s)") % {"command": t.commands[0], "label": t.label}
            for t in offered
            if t.commands
        )
        return TextReply(
            content=_with_link(
                "\n".join(lines), links.index_path(account.slug), _("All record queries")
            )
        )
    lines.append(
        _(
            "Please ask the department that keeps these records, for example through its own "
            "official account or the government service app."
        )
    )
    return TextReply(content="\n".join(lines))


def _ask_for_param(*, account, query_type: QueryType) -> Reply:
    param = query_type.params[0]
    example = f"{query_type.commands[0]} {param.placeholder}"
    if param.ask:
        text = str(param.ask) % {"example": example}
    else:
        text = _("Please write %(param)s after the command, for example: %(example)s") % {
            "param": param.label,
            "example": example,
        }
    return TextReply(
        content=_with_link(
            text, links.query_path(account.slug, query_type.code), _("Open the query page")
        )
    )


def answer_query(*, account, openid: str, query_type: QueryType, argument: str) -> Reply:
    """The reply to a query command of ours."""
    if query_type not in selectors.enabled_types(account=account):
        return _not_offered(account=account, query_type=query_type)
    raw_params = {p.name: argument for p in query_type.params[:1]}
    if query_type.params and not argument:
        return _ask_for_param(account=account, query_type=query_type)
    binding = active_binding(account=account, openid=openid)
    if binding is None:
        return TextReply(
            content=_with_link(
                _("Record queries are made in your real name. Please bind your identity first."),
                links.binding_path(
                    account.slug, next_path=links.query_path(account.slug, query_type.code)
                ),
                _("Bind my identity"),
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
    token = (
        actions.do_remember_params(
            account=account, openid=openid, code=query_type.code, params=outcome.params
        )
        if outcome.params
        else ""
    )
    page = links.query_path(account.slug, query_type.code, token=token)
    if outcome.is_ok and outcome.result is not None and query_type.summarise:
        lines = query_type.summarise(outcome.result, query_type.display_params(outcome.params))
        return TextReply(content=_with_link("\n".join(lines), page, _("View details")))
    if outcome.status == "not_found":
        if query_type.params:
            text = _(
                "Nothing was found. Check what you entered, and that it is registered in your name."
            )
        else:
            text = _("Nothing was found for you in this query.")
        return TextReply(content=_with_link(text, page, _("Open the query page")))
    if outcome.status == "refused":
        return TextReply(
            content=_(
                "The records office declined this query. If you think this is wrong, please write to us."
            )
        )
    return TextReply(
        content=_with_link(
            _("The records office cannot answer right now. Please try again in a minute."),
            page,
            _("Try again"),
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


# Commands that also begin other requests ("查分数线", an exam's scores) answer only when sent
# alone: the other commands take their parameter after them ("查违章 粤B12345").
EXACT_COMMANDS = frozenset({"查分"})


def register_commands() -> None:
    for query_type in registry.all_types():
        for command in query_type.commands:
            match = "exact" if command in EXACT_COMMANDS else "prefix"
            router.keyword(command, match=match)(_handler_for(query_type, command))


register_commands()
