"""The back office's follower pages after a scripted follow / message / unfollow / re-follow."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.utils import timezone

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

    office = Client(HTTP_ACCEPT_LANGUAGE="en")
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
    # Named for a clerk, the raw kind kept in the title.
    kinds = re.findall(r'<span class="badge" title="([a-z:]+)">([^<]+)</span>', timeline)
    assert kinds == [
        ("event:subscribe", "Follow"),
        ("event:unsubscribe", "Unfollow"),
        ("text", "Text"),
        ("event:subscribe", "Follow"),
    ]
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


@pytest.mark.parametrize("tag", ["abc", "", "1.5", "99999999999999999999999"])
def test_a_malformed_tag_id_is_a_form_error_and_changes_nothing(plain_account, clerk, tag):
    from weizheng.followers.models import FollowerTag

    kept = FollowerTag.objects.create(account=plain_account, name="驾校学员", wechat_id=101)
    follower = Follower.objects.create(account=plain_account, openid=ZHANG, is_subscribed=True)
    office = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_staff(office, clerk)
    base = f"/office/accounts/{plain_account.pk}/followers"
    audit_rows = AuditLog.objects.count()

    tagged = office.post(f"{base}/{follower.pk}/tag/", {"tag": tag}, follow=True)
    assert tagged.status_code == 200
    assert "Choose one of the account&#x27;s tags." in tagged.content.decode()
    for op in ("delete", "rename"):
        refused = office.post(f"{base}/tags/", {"op": op, "tag": tag, "name": "新名"})
        assert refused.status_code == 200
        assert refused.context["form"].non_field_errors() == ["Choose one of the account's tags."]

    assert list(FollowerTag.objects.values_list("name", flat=True)) == [kept.name]
    assert not follower.tags.exists()
    # Only the follower page the redirect landed on was audited.
    assert AuditLog.objects.count() == audit_rows + 1


def test_codes_are_shown_as_words_on_the_follower_pages(plain_account, clerk):
    from weizheng.notifications.models import Channel, Notification, Status

    follower = Follower.objects.create(
        account=plain_account,
        openid=ZHANG,
        is_subscribed=True,
        subscribe_count=1,
        subscribe_source="ADD_SCENE_SEARCH",
        language="zh_CN",
    )
    scanned = Follower.objects.create(
        account=plain_account, openid=ZHANG[:-1] + "2", is_subscribed=True, last_scene="hall-1"
    )
    Notification.objects.create(
        account=plain_account,
        openid=ZHANG,
        kind="eservices.accepted",
        dedupe_key="n1",
        status=Status.SENT,
        channel=Channel.TEMPLATE,
        next_attempt_at=timezone.now(),
    )
    post_to_callback(
        Client(), plain_account, event_xml(plain_account, ZHANG, "CLICK", EventKey="K")
    )
    office = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_staff(office, clerk)
    base = f"/office/accounts/{plain_account.pk}"

    listing = office.get(f"{base}/followers/").content.decode()
    assert '<span title="ADD_SCENE_SEARCH">Search</span>' in listing
    assert "Simplified Chinese" in listing and "zh_CN" not in listing
    # Before the profile sync a follow with a scene came through a QR code.
    rows = listing.split('data-testid="follower-table"')[1]
    assert re.search(r'<span>QR code</span> <span class="badge mono"[^>]*>hall-1</span>', rows)

    detail = office.get(f"{base}/followers/{follower.pk}/").content.decode()
    assert 'data-testid="follow-source"><span title="ADD_SCENE_SEARCH">Search</span>' in detail
    notifications = detail.split('data-testid="notifications"')[1].split("</table>")[0]
    assert "<th>Sent by</th>" in notifications and "Template message" in notifications
    timeline = detail.split('data-testid="timeline"')[1]
    assert '<span class="badge" title="event:click">Menu click</span>' in timeline

    overview = office.get(f"{base}/").content.decode()
    assert '<span class="badge" title="event:click">Menu click</span>' in overview
    assert office.get(f"{base}/followers/{scanned.pk}/").status_code == 200


def test_the_audit_log_shows_details_as_key_value_pairs(plain_account, clerk):
    from weizheng.core.actions import do_audit

    do_audit(
        action="followers.h5.view_own_data",
        actor_label="citizen",
        account=plain_account,
        detail={"openid": "oZHA…0001", "held": True, "tags": ["驾校学员", "老年人"]},
    )
    menu = {"button": [{"type": "click", "name": f"按钮{n}", "key": f"KEY_{n}"} for n in range(3)]}
    do_audit(
        action="menus.save", actor_label="system", account=plain_account, detail={"menu": menu}
    )
    office = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_staff(office, clerk)
    page = office.get(f"/office/accounts/{plain_account.pk}/audit/").content.decode()
    table = page.split('data-testid="audit-table"')[1]
    assert '<div class="kv"><span class="muted">held</span>: yes</div>' in table
    assert '<span class="muted">tags</span>: 驾校学员, 老年人</div>' in table
    assert "True" not in table and "{'" not in table  # no Python reprs
    # A nested structure is folded, its JSON one click away.
    folded = '<span class="muted">menu</span>: <details><summary class="mono">{&quot;button&quot;:'
    assert folded in table
    assert "&quot;name&quot;: &quot;按钮2&quot;" in table


def test_the_follower_page_shows_why_they_were_blacklisted(plain_account, clerk):
    follower = Follower.objects.create(account=plain_account, openid=ZHANG, is_subscribed=True)
    office = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_staff(office, clerk)
    url = f"/office/accounts/{plain_account.pk}/followers/{follower.pk}/"

    assert 'data-testid="blacklist-reason"' not in office.get(url).content.decode()
    office.post(f"{url}blacklist/", {"is_blacklisted": "on", "reason": "辱骂客服，多次警告无效"})
    detail = office.get(url).content.decode()
    reason = detail.split('data-testid="blacklist-reason">')[1].split("</td>")[0]
    assert reason.startswith("辱骂客服，多次警告无效 ") and "alice · " in reason

    office.post(f"{url}blacklist/", {"is_blacklisted": ""})
    assert 'data-testid="blacklist-reason"' not in office.get(url).content.decode()
