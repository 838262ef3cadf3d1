"""Background work of the content app: scheduled publication and uploads to WeChat."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from weizheng.wechat.errors import WeChatApiError

from .models import Item, MediaAsset, Publication

logger = logging.getLogger(__name__)


@task()
def publish_scheduled_item(*, item_id: int) -> str:
    """Publish one scheduled item when its time has come (enqueued with run_after at approval).
    Idempotent: the publication is a conditional update; a retracted or rescheduled item is
    left alone."""
    from .actions import _publish

    item = Item.objects.filter(pk=item_id).select_related("account").first()
    if item is None or item.publication != Publication.SCHEDULED:
        return "not-scheduled"
    if item.scheduled_at and item.scheduled_at > timezone.now():
        return "not-due"  # the periodic command publishes it later
    with transaction.atomic():
        return "published" if _publish(item) else "already-published"


@task()
def publish_due_items() -> int:
    """Publish every scheduled item that is due (run it every minute: `content_publish_due`)."""
    from .actions import publish_due_items as publish

    return len(publish())


@task()
def upload_media_to_wechat(*, asset_id: int) -> str:
    """Upload a library file to WeChat. A refusal is final; network errors are retried inside
    the client."""
    from .actions import do_upload_media_to_wechat

    asset = MediaAsset.objects.filter(pk=asset_id).select_related("account").first()
    if asset is None:
        return "gone"
    try:
        do_upload_media_to_wechat(asset=asset)
    except WeChatApiError as exc:
        logger.warning("Media %s refused by WeChat: %s", asset_id, exc)
        return "refused"
    return "uploaded"
