"""Tags kept in step with WeChat's tag API (against the mock platform)."""

import pytest

from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog
from weizheng.followers.actions import (
    do_create_tag,
    do_delete_tag,
    do_pull_tags,
    do_rename_tag,
    do_tag_followers,
)
from weizheng.followers.models import Follower, FollowerTag
from weizheng.wechat.client import client_for
from weizheng.wechat.models import ApiCall
from weizheng.wechat_mock import actions as mock

pytestmark = pytest.mark.django_db(transaction=True)


def test_create_rename_and_delete_a_tag_on_wechat(mock_account):
    tag = do_create_tag(account=mock_account, name="驾驶人", actor=None)
    assert tag.wechat_id >= 100
    do_rename_tag(tag=tag, name="机动车驾驶人", actor=None)
    names = {t["name"] for t in client_for(mock_account).tag.get()}
    assert "机动车驾驶人" in names
    do_delete_tag(tag=tag, actor=None)
    assert not FollowerTag.objects.exists()
    assert "机动车驾驶人" not in {t["name"] for t in client_for(mock_account).tag.get()}
    actions = list(
        AuditLog.objects.filter(action__startswith="followers.tag").values_list("action", flat=True)
    )
    assert sorted(actions) == [
        "followers.tag.create",
        "followers.tag.delete",
        "followers.tag.rename",
    ]


def test_tagging_followers_reaches_wechat(mock_account):
    tag = do_create_tag(account=mock_account, name="外籍人士", actor=None)
    users = [mock.create_user(mock_account.app_id, nickname=f"访客{i}") for i in range(3)]
    followers = [
        Follower.objects.create(account=mock_account, openid=u.openid, is_subscribed=True)
        for u in users
    ]
    assert do_tag_followers(tag=tag, followers=followers, actor=None) == 3
    assert tag.followers.count() == 3
    assert client_for(mock_account).tag.get_user_tag(users[0].openid) == [tag.wechat_id]
    do_tag_followers(tag=tag, followers=followers[:1], actor=None, remove=True)
    assert tag.followers.count() == 2


@pytest.mark.parametrize(
    ("name", "code"), [("", "tag_name_empty"), ("十一个汉字的标签名称太长", "tag_name_too_long")]
)
def test_bad_tag_names_are_refused_before_any_call(mock_account, name, code):
    with pytest.raises(AppError) as caught:
        do_create_tag(account=mock_account, name=name, actor=None)
    assert caught.value.code == code
    assert not ApiCall.objects.filter(api="tags/create").exists()


def test_a_duplicate_name_is_refused(mock_account):
    do_create_tag(account=mock_account, name="志愿者", actor=None)
    with pytest.raises(AppError) as caught:
        do_create_tag(account=mock_account, name="志愿者", actor=None)
    assert caught.value.code == "tag_name_taken"


def test_pulling_tags_from_wechat(mock_account):
    client_for(mock_account).tag.create("老年人")
    assert do_pull_tags(account=mock_account) == 1
    assert FollowerTag.objects.get().name == "老年人"
