"""A follow through the mock platform: the profile comes back from WeChat's user info."""

import pytest

from weizheng.followers.models import Follower, FollowerTag
from weizheng.wechat_mock import actions as mock

pytestmark = pytest.mark.django_db(transaction=True)


def test_following_through_the_platform_fetches_the_profile(mock_account):
    FollowerTag.objects.create(account=mock_account, name="驾驶人", wechat_id=100)
    citizen = mock.create_user(
        mock_account.app_id, nickname="王芳", language="en", is_subscribed=False, tagid_list=[100]
    )
    result = mock.user_subscribes(mock_account.app_id, citizen.openid, scene="hall-3")
    assert result.http_status == 200
    follower = Follower.objects.get(openid=citizen.openid)
    assert follower.is_subscribed and follower.first_scene == "hall-3"
    assert follower.language == "en"
    assert follower.subscribe_source == "ADD_SCENE_QR_CODE"
    assert list(follower.tags.values_list("name", flat=True)) == ["驾驶人"]
    assert follower.profile_synced_at is not None
