"""The back office's follower pages after a scripted follow / message / unfollow / re-follow."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client

from weizheng.core.models import AuditLog
from weizheng.followers.models import Follower
from weizheng.staff.models import Department, Membership, Role
from weizheng.staff.testing import login_staff
from weizheng.wechat.testing import event_xml, post_to_callback, text_xml

pytestmark = pytest.mark.django_db(transaction=True)

ZHANG = "oZHANGWEI000000000000000000001"


@pytest.fixture(autouse=True)
def _no_profile_sync(monkeypatch):
    monkeypatch.setattr(
        "weizheng.followers.actions._queue_profile_sync", lambda account_id, openid: None
    )


@pytest.fixture
def clerk(plain_account, django_user_model):
    department = Department.objects.create(name="平安市公安局交警支队")
    department.accounts.add(plain_account)
    user = django_user_model.objects.create_user("alice", password="pw-alice-2026!")
    Membership.objects.create(user=user, department=department, role=Role.ADMINISTRATOR)
    return user


def stat(page: str, testid: str) -> int:
    match = re.search(rf'data-testid="{testid}">(\d+)<', page)
    assert match, testid
    return int(match.group(1))


def test_counts_timeline_and_window_after_a_scripted_sequence(plain_account, clerk):
    t0 = int(time.time()) - 300
    wechat = Client()
    for xml in (
        event_xml(plain_account, ZHANG, "subscribe", EventKey="qrscene_hall-1", create_time=t0),
        text_xml(plain_account, ZHANG, "驾驶证怎么换证", create_time=t0 + 10),
        event_xml(plain_account, ZHANG, "unsubscribe", EventKey="", create_time=t0 + 20),
    ):
        post_to_callback(wechat, plain_account, xml)

    office = Client()
    login_staff(office, clerk)
    listing = office.get(f"/office/accounts/{plain_account.pk}/followers/").content.decode()
    assert (stat(listing, "count-following"), stat(listing, "count-ever")) == (0, 1)
    assert stat(listing, "count-left") == 1

    post_to_callback(
        wechat,
        plain_account,
        event_xml(plain_account, ZHANG, "subscribe", EventKey="", create_time=t0 + 30),
    )
    listing = office.get(f"/office/accounts/{plain_account.pk}/followers/").content.decode()
    assert (stat(listing, "count-following"), stat(listing, "count-left")) == (1, 0)
    assert "oZHA…0001" in listing  # masked in the list

    follower = Follower.objects.get(openid=ZHANG)
    detail = office.get(
        f"/office/accounts/{plain_account.pk}/followers/{follower.pk}/"
    ).content.decode()
    assert stat(detail, "subscribe-count") == 2
    timeline = detail.split('data-testid="timeline"')[1]
    kinds = re.findall(r'<span class="badge">([a-z:]+)</span>', timeline)
    assert kinds == ["event:subscribe", "event:unsubscribe", "text", "event:subscribe"]
    assert "驾驶证怎么换证" in timeline
    window = detail.split('data-testid="service-window"')[1][:200]
    assert "badge-ok" in window  # the re-follow opened the 48-hour window
    assert AuditLog.objects.filter(action="followers.view", actor=clerk).count() == 1
    assert AuditLog.objects.filter(action="followers.list", actor=clerk).count() == 2


def test_the_window_shows_closed_when_only_views_and_locations_came(plain_account, clerk):
    Follower.objects.create(account=plain_account, openid=ZHANG, is_subscribed=True)
    wechat = Client()
    post_to_callback(
        wechat,
        plain_account,
        event_xml(plain_account, ZHANG, "VIEW", EventKey="https://gaj.pingan.gov.cn/h5/"),
    )
    follower = Follower.objects.get(openid=ZHANG)
    office = Client()
    login_staff(office, clerk)
    detail = office.get(
        f"/office/accounts/{plain_account.pk}/followers/{follower.pk}/"
    ).content.decode()
    window = detail.split('data-testid="service-window"')[1][:200]
    assert "badge-ok" not in window


def test_tags_are_managed_on_wechat_from_the_back_office(mock_account, django_user_model, citizen):
    from weizheng.followers.models import FollowerTag
    from weizheng.wechat_mock.models import MockTag, MockUser

    department = Department.objects.create(name="平安市公安局交警支队")
    department.accounts.add(mock_account)
    alice = django_user_model.objects.create_user("alice", password="pw-alice-2026!")
    Membership.objects.create(user=alice, department=department, role=Role.ADMINISTRATOR)
    office = Client()
    login_staff(office, alice)
    base = f"/office/accounts/{mock_account.pk}/followers"

    assert office.post(f"{base}/tags/", {"op": "create", "name": "驾校学员"}).status_code == 302
    tag = FollowerTag.objects.get(account=mock_account, name="驾校学员")
    assert MockTag.objects.filter(tag_id=tag.wechat_id, name="驾校学员").exists()
    too_long = office.post(f"{base}/tags/", {"op": "create", "name": "一二三四五六七八九十一"})
    assert too_long.status_code == 200
    assert FollowerTag.objects.filter(account=mock_account).count() == 1

    follower = Follower.objects.create(account=mock_account, openid=citizen.openid)
    office.post(f"{base}/{follower.pk}/tag/", {"tag": tag.pk})
    assert list(follower.tags.all()) == [tag]
    assert tag.wechat_id in MockUser.objects.get(pk=citizen.pk).tagid_list
    office.post(f"{base}/{follower.pk}/tag/", {"tag": tag.pk, "remove": "1"})
    assert not follower.tags.exists()

    office.post(f"{base}/tags/", {"op": "rename", "tag": tag.pk, "name": "新驾驶人"})
    assert MockTag.objects.get(tag_id=tag.wechat_id).name == "新驾驶人"
    office.post(f"{base}/tags/", {"op": "delete", "tag": tag.pk})
    assert not FollowerTag.objects.exists()
    assert not MockTag.objects.filter(tag_id=tag.wechat_id).exists()
    actions = set(AuditLog.objects.filter(actor=alice).values_list("action", flat=True))
    assert {"followers.tag.create", "followers.tag.tag", "followers.tag.untag"} <= actions
    assert {"followers.tag.rename", "followers.tag.delete"} <= actions
