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
def send_deferred_reply(*, account_id: int, inbound_id: int, payload: dict[str, Any]) -> str:
    """Send the reply of a handler that missed the 5-second window as a customer-service message.

    Idempotent enough for a retry: the inbound row records that the reply went out. Network errors
    and 5xx are retried inside the client; a refusal (45015 window closed, bad data) is final.
    """
    account = OfficialAccount.objects.get(pk=account_id)
    claimed = InboundMessage.objects.filter(pk=inbound_id, status="deferred", reply="").update(
        reply="(sending)"
    )
    if not claimed:
        return "already-sent"
    try:
        send_custom_message(account, payload)
    except WeChatApiError as exc:
        logger.warning("Deferred reply to inbound %s refused: %s", inbound_id, exc)
        InboundMessage.objects.filter(pk=inbound_id).update(reply=f"(refused {exc.errcode})")
        return "refused"
    except Exception:
        InboundMessage.objects.filter(pk=inbound_id, reply="(sending)").update(reply="")
        raise
    InboundMessage.objects.filter(pk=inbound_id).update(reply="(sent as customer-service message)")
    return "sent"
