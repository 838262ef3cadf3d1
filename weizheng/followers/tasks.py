"""Background work of the followers app."""

from __future__ import annotations

import logging

from django_tasks import task

from weizheng.wechat.errors import WeChatApiError
from weizheng.wechat.models import OfficialAccount

from .actions import do_sync_profile

logger = logging.getLogger(__name__)


@task()
def sync_follower_profile(*, account_id: int, openid: str) -> str:
    """Fetch the follower's profile after a follow. A refusal (unknown openid) is final; network
    errors are retried inside the client."""
    account = OfficialAccount.objects.get(pk=account_id)
    try:
        do_sync_profile(account=account, openid=openid)
    except WeChatApiError as exc:
        logger.warning("Profile of %s not synced: %s", openid, exc)
        return "refused"
    return "synced"
