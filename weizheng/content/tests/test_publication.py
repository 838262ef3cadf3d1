"""Scheduled publication with frozen time, retraction with a reason, the search index kept in step,
and the dashboard's "nothing published for 12 days" selector."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from weizheng.content.actions import (
    check_approve_item,
    check_reopen,
    check_retract,
    check_save_item,
    do_submit,
    publish_due_items,
)
from weizheng.content.models import Item, Publication
from weizheng.content.selectors import is_stale, last_published_at
from weizheng.content.tasks import publish_scheduled_item
from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog
from weizheng.search import api as search

from .conftest import make_policy, office, publish, signed_in

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


def hits(account, query):
    return [hit.key for hit in search.search(account_id=account.pk, query=query).hits]


def scheduled_policy(world, at):
    item = make_policy(world["police"], world["bob"], scheduled_at=at)
    do_submit(item=item, actor=world["bob"])
    check_approve_item(item=item, actor=world["rita"])
    return check_approve_item(item=item, actor=world["alice"])


def test_final_approval_of_a_scheduled_item_waits_for_its_time(world):
    with time_machine.travel(MONDAY_9, tick=False):
        item = scheduled_policy(world, MONDAY_9 + timedelta(hours=2))
        assert item.publication == Publication.SCHEDULED and item.published_at is None
        assert publish_due_items() == []
        assert hits(world["police"], "公积金提取") == []
        assert AuditLog.objects.filter(action="content.schedule", target_id=str(item.pk)).exists()

    with time_machine.travel(MONDAY_9 + timedelta(hours=1, minutes=59), tick=False):
        call_command("content_publish_due")
        assert Item.objects.get(pk=item.pk).publication == Publication.SCHEDULED

    with time_machine.travel(MONDAY_9 + timedelta(hours=2), tick=False):
        call_command("content_publish_due")
        item.refresh_from_db()
        assert item.publication == Publication.PUBLISHED
        assert item.published_at == MONDAY_9 + timedelta(hours=2)
        assert hits(world["police"], "公积金提取") == [item.search_key]
        # A second run, or the deferred task arriving late, publishes nothing twice.
        assert publish_due_items() == []
        assert publish_scheduled_item.call(item_id=item.pk) == "not-scheduled"
    assert AuditLog.objects.filter(action="content.publish", target_id=str(item.pk)).count() == 1


def test_deferred_task_publishes_only_when_due(world):
    with time_machine.travel(MONDAY_9, tick=False):
        item = scheduled_policy(world, MONDAY_9 + timedelta(days=1))
        assert publish_scheduled_item.call(item_id=item.pk) == "not-due"
    with time_machine.travel(MONDAY_9 + timedelta(days=1, seconds=1), tick=False):
        assert publish_scheduled_item.call(item_id=item.pk) == "published"


def test_a_schedule_in_the_past_publishes_at_once(world):
    with time_machine.travel(MONDAY_9, tick=False):
        item = scheduled_policy(world, MONDAY_9 - timedelta(minutes=5))
        assert item.publication == Publication.PUBLISHED and item.published_at == MONDAY_9


def test_scheduled_item_can_be_retracted_before_its_time(world):
    with time_machine.travel(MONDAY_9, tick=False):
        item = scheduled_policy(world, MONDAY_9 + timedelta(hours=2))
        check_retract(item=item, actor=world["alice"], reason="政策口径调整，暂缓发布")
    with time_machine.travel(MONDAY_9 + timedelta(hours=3), tick=False):
        assert publish_due_items() == []
        assert Item.objects.get(pk=item.pk).publication == Publication.RETRACTED


def test_retraction_needs_a_reason_and_removes_the_item_everywhere(world, client):
    police = world["police"]
    item = publish(
        make_policy(police, world["bob"]),
        author=world["bob"],
        first=world["rita"],
        final=world["alice"],
    )
    assert hits(police, "公积金提取") == [item.search_key]
    assert client.get(f"/h5/police/policies/{item.pk}/").status_code == 200

    with pytest.raises(AppError) as refused:
        check_retract(item=item, actor=world["alice"], reason=" ")
    assert refused.value.code == "reason_missing"
    with pytest.raises(AppError) as refused:
        check_retract(item=item, actor=world["bob"], reason="写错了")
    assert refused.value.status == 403
    assert Item.objects.get(pk=item.pk).publication == Publication.PUBLISHED

    alice = signed_in(world["alice"])
    response = alice.post(office(police, f"{item.pk}/retract/"), {"reason": "附件版本有误"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.publication == Publication.RETRACTED
    assert item.retraction_reason == "附件版本有误" and item.retracted_by == world["alice"]
    entry = AuditLog.objects.get(action="content.retract", target_id=str(item.pk))
    assert entry.actor == world["alice"] and entry.detail["reason"] == "附件版本有误"
    assert hits(police, "公积金提取") == []
    assert client.get(f"/h5/police/policies/{item.pk}/").status_code == 404
    # Retracting again is a stale step.
    assert (
        alice.post(office(police, f"{item.pk}/retract/"), {"reason": "再撤一次"}).status_code == 409
    )


def test_retracted_item_can_be_corrected_and_reviewed_again(world):
    item = publish(
        make_policy(world["police"], world["bob"]),
        author=world["bob"],
        first=world["rita"],
        final=world["alice"],
    )
    check_retract(item=item, actor=world["alice"], reason="附件版本有误")
    check_reopen(item=item, actor=world["bob"])
    assert item.review_status == "draft" and item.publication == Publication.UNPUBLISHED
    check_save_item(
        account=world["police"],
        actor=world["bob"],
        data={"title": "平安市住房公积金提取管理办法（修订）"},
        item=item,
    )
    publish(item, author=world["bob"], first=world["rita"], final=world["alice"])
    item.refresh_from_db()
    assert item.publication == Publication.PUBLISHED
    assert hits(world["police"], "修订") == [item.search_key]


def test_stale_account_selector_counts_twelve_days(world):
    police = world["police"]
    with time_machine.travel(MONDAY_9, tick=False):
        assert last_published_at(account=police) is None
        assert is_stale(account=police)
        item = publish(
            make_policy(police, world["bob"]),
            author=world["bob"],
            first=world["rita"],
            final=world["alice"],
        )
        assert last_published_at(account=police) == MONDAY_9
        assert not is_stale(account=police)
    assert not is_stale(account=police, now=MONDAY_9 + timedelta(days=11, hours=23))
    assert is_stale(account=police, now=MONDAY_9 + timedelta(days=12))
    assert is_stale(account=world["water"], now=MONDAY_9)  # never published
    check_retract(item=item, actor=world["alice"], reason="撤回")
    assert last_published_at(account=police) is None


def test_list_page_warns_when_nothing_was_published_for_twelve_days(world):
    police = world["police"]
    with time_machine.travel(MONDAY_9, tick=False):
        publish(
            make_policy(police, world["bob"]),
            author=world["bob"],
            first=world["rita"],
            final=world["alice"],
        )
    with time_machine.travel(MONDAY_9 + timedelta(days=3)):
        assert "stale-warning" not in signed_in(world["bob"]).get(office(police)).content.decode()
    with time_machine.travel(MONDAY_9 + timedelta(days=13)):
        page = signed_in(world["bob"]).get(office(police)).content.decode()
        assert 'data-testid="stale-warning"' in page and "2026-03-02" in page
