"""WeChat events for broadcasts: MASSSENDJOBFINISH carries the result of one mass call."""

from __future__ import annotations

from weizheng.wechat.router import HandlerContext, router

from .actions import do_record_mass_result


@router.observe("event:masssendjobfinish")
def record_mass_result(ctx: HandlerContext) -> None:
    """Keep WeChat's counts (total, after filtering, sent, errors) by msg_id."""
    event = ctx.message
    do_record_mass_result(
        account=ctx.account,
        msg_id=event.msg_id,
        status=event.status,
        total_count=event.total_count,
        filter_count=event.filter_count,
        sent_count=event.sent_count,
        error_count=event.error_count,
    )
