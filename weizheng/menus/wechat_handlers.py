"""Count menu presses from the callback: every button that reports its key (not view buttons,
whose "key" is the URL they open)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from django.db import DatabaseError

from weizheng.wechat.router import KEYED_EVENTS, HandlerContext, router

from .actions import do_record_click

logger = logging.getLogger(__name__)

COUNTED_EVENTS = tuple(sorted(KEYED_EVENTS - {"event:view"}))


@router.observe(*COUNTED_EVENTS, priority=20)
def count_menu_press(ctx: HandlerContext) -> None:
    message = ctx.message
    try:
        do_record_click(
            account=ctx.account,
            key=message.event_key,
            at=datetime.fromtimestamp(message.create_time, tz=UTC),
        )
    except DatabaseError:
        # A lost count must not cost the citizen the answer to their press.
        logger.exception("Menu press %s of account %s not counted", message.event_key, ctx.account)
