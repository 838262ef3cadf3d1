"""Background work of the wechat app."""

from __future__ import annotations

import logging
from typing import Any

from django_tasks import task

from .client import send_custom_message
from .errors import WeChatApiError
from .models import InboundMessage, OfficialAccount

logger = logging.getLogger(__name__)


@task(queue_name="priority")
def send_deferred_reply(*, account_id: int, dedupe_key: str, payload: dict[str, Any]) -> str:
    """Send the reply of a handler that missed the 5-second window as a customer-service message.

    Claimed with a conditional update, so a retried task never sends twice. Network errors and
    5xx are retried inside the client; a refusal (45015 window closed, bad data) is final.
    """
    account = OfficialAccount.objects.get(pk=account_id)
    row = InboundMessage.objects.filter(account_id=account_id, dedupe_key=dedupe_key)
    if not row.filter(status="deferred", reply="").update(reply="(sending)"):
        return "already-sent"
    try:
        send_custom_message(account, payload)
    except WeChatApiError as exc:
        logger.warning("Deferred reply %s refused: %s", dedupe_key, exc)
        row.update(reply=f"(refused {exc.errcode})")
        return "refused"
    except Exception:
        row.filter(reply="(sending)").update(reply="")
        raise
    row.update(reply="(sent as customer-service message)")
    return "sent"
