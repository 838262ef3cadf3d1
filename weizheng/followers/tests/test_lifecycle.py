"""Followers kept from the callback: follow, unfollow, re-follow, locations, blacklist, window."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from weizheng.core.models import AuditLog
from weizheng.followers.actions import do_set_blacklisted
from weizheng.followers.models import Follower, FollowerLocation
from weizheng.followers.selectors import follower_counts, follower_timeline, is_service_window_open
from weizheng.wechat.models import InboundMessage
from weizheng.wechat.protocol.xmlparse import parse_xml
from weizheng.wechat.testing import event_xml, message_xml, next_msg_id, post_to_callback, text_xml

pytestmark = pytest.mark.django_db(transaction=True)

ZHANG = "oZHANGWEI000000000000000000001"
LI = "oLINA00000000000000000000000001"


@pytest.fixture(autouse=True)
def _no_profile_sync(monkeypatch):
    # Profile sync talks to the platform; tested against the mock below.
    monkeypatch.setattr(
        "weizheng.followers.actions._queue_profile_sync", lambda account_id, openid: None
    )


def send(account, xml):
    return post_to_callback(Client(), account, xml)


def test_follow_unfollow_refollow_sequence(plain_account):
    t0 = int(time.time()) - 100
    send(
        plain_account,
        event_xml(
            plain_account,
            ZHANG,
            "subscribe",
            EventKey="qrscene_hall-1",
            Ticket="t1",
            create_time=t0,
        ),
    )
    send(plain_account, text_xml(plain_account, ZHANG, "你好", create_time=t0 + 10))
    send(
        plain_account,
        event_xml(plain_account, ZHANG, "unsubscribe", EventKey="", create_time=t0 + 20),
    )
    assert follower_counts(account=plain_account) == {"following": 0, "ever": 1, "left": 1}
    send(
        plain_account,
        event_xml(plain_account, ZHANG, "subscribe", EventKey="", create_time=t0 + 30),
    )
    send(plain_account, event_xml(plain_account, LI, "subscribe", EventKey="", create_time=t0 + 40))

    zhang = Follower.objects.get(openid=ZHANG)
    assert zhang.is_subscribed
    assert zhang.subscribe_count == 2
    assert zhang.first_scene == "hall-1" and zhang.last_scene == ""
    assert zhang.first_subscribed_at.timestamp() == t0
    assert zhang.last_subscribed_at.timestamp() == t0 + 30
    assert zhang.last_unsubscribed_at.timestamp() == t0 + 20
    assert follower_counts(account=plain_account) == {"following": 2, "ever": 2, "left": 0}
    kinds = [row.kind for row in follower_timeline(account=plain_account, openid=ZHANG)]
    assert kinds == ["event:subscribe", "event:unsubscribe", "text", "event:subscribe"]


def test_a_late_subscribe_event_does_not_undo_a_later_unfollow(plain_account):
    t0 = int(time.time()) - 50
    send(
        plain_account,
        event_xml(plain_account, ZHANG, "unsubscribe", EventKey="", create_time=t0 + 10),
    )
    send(plain_account, event_xml(plain_account, ZHANG, "subscribe", EventKey="", create_time=t0))
    assert not Follower.objects.get(openid=ZHANG).is_subscribed


def test_a_scan_from_an_unknown_follower_creates_them(plain_account):
    send(plain_account, event_xml(plain_account, ZHANG, "SCAN", EventKey="hall-2", Ticket="t"))
    assert Follower.objects.get(openid=ZHANG).is_subscribed


def test_locations_are_kept_with_their_time(plain_account):
    t0 = int(time.time()) - 60
    send(
        plain_account,
        event_xml(
            plain_account,
            ZHANG,
            "LOCATION",
            Latitude=23.137466,
            Longitude=113.352425,
            Precision=119.38,
            create_time=t0,
        ),
    )
    send(
        plain_account,
        message_xml(
            plain_account,
            ZHANG,
            "location",
            {
                "Location_X": 23.1291,
                "Location_Y": 113.2644,
                "Scale": 15,
                "Label": "广州市越秀区府前路1号",
                "MsgId": int(next_msg_id()),
            },
            create_time=t0 + 30,
        ),
    )
    history = list(
        FollowerLocation.objects.order_by("recorded_at").values_list("source", "latitude", "label")
    )
    assert history == [("event", 23.137466, ""), ("message", 23.1291, "广州市越秀区府前路1号")]
    zhang = Follower.objects.get(openid=ZHANG)
    assert (zhang.last_latitude, zhang.last_longitude) == (23.1291, 113.2644)
    assert zhang.last_located_at.timestamp() == t0 + 30


def test_a_blacklisted_follower_is_logged_but_not_answered(plain_account, django_user_model):
    send(plain_account, event_xml(plain_account, ZHANG, "subscribe", EventKey=""))
    clerk = django_user_model.objects.create_user("clerk", password="pw-clerk-123456")
    do_set_blacklisted(
        follower=Follower.objects.get(openid=ZHANG),
        is_blacklisted=True,
        actor=clerk,
        reason="骚扰信息",
    )
    response = send(plain_account, text_xml(plain_account, ZHANG, "广告：低价代办证件"))
    assert response.status_code == 200
    assert response.content == b"success"
    assert InboundMessage.objects.filter(openid=ZHANG, kind="text").exists()
    entry = AuditLog.objects.get(action="followers.blacklist")
    assert entry.actor == clerk and entry.detail["reason"] == "骚扰信息"
    # Others are still answered.
    other = send(plain_account, text_xml(plain_account, LI, "你好"))
    assert "平安市公安局" in parse_xml(other.content)["Content"]


def test_the_48_hour_window_follows_the_interaction_log(plain_account):
    send(
        plain_account,
        event_xml(plain_account, ZHANG, "VIEW", EventKey="https://example.gov.cn/h5/"),
    )
    send(
        plain_account,
        event_xml(plain_account, ZHANG, "LOCATION", Latitude=23.1, Longitude=113.3, Precision=50.0),
    )
    assert not is_service_window_open(account=plain_account, openid=ZHANG)  # neither opens it
    send(plain_account, text_xml(plain_account, ZHANG, "在吗"))
    assert is_service_window_open(account=plain_account, openid=ZHANG)
    later = timezone.now() + timedelta(hours=47, minutes=59)
    assert is_service_window_open(account=plain_account, openid=ZHANG, now=later)
    assert not is_service_window_open(
        account=plain_account, openid=ZHANG, now=later + timedelta(minutes=2)
    )


def test_the_window_closes_when_the_follower_unfollows(plain_account):
    t0 = int(time.time()) - 100
    send(plain_account, event_xml(plain_account, ZHANG, "subscribe", EventKey="", create_time=t0))
    send(plain_account, text_xml(plain_account, ZHANG, "在吗", create_time=t0 + 1))
    assert is_service_window_open(account=plain_account, openid=ZHANG)
    send(
        plain_account,
        event_xml(plain_account, ZHANG, "unsubscribe", EventKey="", create_time=t0 + 2),
    )
    assert not is_service_window_open(account=plain_account, openid=ZHANG)
    send(
        plain_account, event_xml(plain_account, ZHANG, "subscribe", EventKey="", create_time=t0 + 3)
    )
    assert is_service_window_open(account=plain_account, openid=ZHANG)  # a follow opens it
