"""Template-message receipts: WeChat says what became of each template message it accepted."""

from __future__ import annotations

from weizheng.wechat.router import HandlerContext, router

from .actions import do_record_receipt


@router.observe("event:templatesendjobfinish")
def template_receipt(ctx: HandlerContext) -> None:
    do_record_receipt(account=ctx.account, msgid=ctx.message.msg_id, status=ctx.message.status)
