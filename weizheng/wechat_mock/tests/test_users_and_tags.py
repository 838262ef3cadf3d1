"""Users (info, batchget, list) and tags."""

from __future__ import annotations

from weizheng.wechat_mock import actions, selectors
from weizheng.wechat_mock.models import MockTag

from .conftest import make_app


def test_user_info_of_a_follower_has_wechats_current_fields(app, wechat, access_token, alice):
    info = wechat.call("cgi-bin/user/info", token=access_token, openid=alice.openid, lang="zh_CN")
    assert set(info) == {
        "subscribe",
        "openid",
        "language",
        "subscribe_time",
        "remark",
        "groupid",
        "tagid_list",
        "subscribe_scene",
        "qr_scene",
        "qr_scene_str",
    }
    assert info["subscribe"] == 1 and info["openid"] == alice.openid
    assert info["subscribe_scene"] == "ADD_SCENE_SEARCH"


def test_user_info_of_someone_not_following_is_subscribe_0(app, wechat, access_token, carol):
    info = wechat.call("cgi-bin/user/info", token=access_token, openid=carol.openid)
    assert info == {"subscribe": 0, "openid": carol.openid}


def test_user_info_refusals(app, wechat, access_token):
    assert wechat.call("cgi-bin/user/info", token=access_token, openid="o-x")["errcode"] == 40003
    assert wechat.call("cgi-bin/user/info", token=access_token)["errcode"] == 41009
    other = make_app(appid="wx1111111111111111")
    stranger = actions.create_user(other)
    answer = wechat.call("cgi-bin/user/info", token=access_token, openid=stranger.openid)
    assert answer["errcode"] == 49003


def test_openids_look_like_wechats_and_share_a_per_app_prefix(app, alice, bob):
    assert len(alice.openid) == 28 and alice.openid.startswith("o")
    assert alice.openid[:6] == bob.openid[:6]


def test_batchget_answers_each_user_and_refuses_more_than_100(
    app, wechat, access_token, alice, carol
):
    body = {"user_list": [{"openid": alice.openid, "lang": "zh_CN"}, {"openid": carol.openid}]}
    answer = wechat.call("cgi-bin/user/info/batchget", token=access_token, body=body)
    assert [u["subscribe"] for u in answer["user_info_list"]] == [1, 0]
    too_many = {"user_list": [{"openid": alice.openid}] * 101}
    refused = wechat.call("cgi-bin/user/info/batchget", token=access_token, body=too_many)
    assert refused["errcode"] == 40032


def test_user_get_pages_through_followers_only(app, wechat, access_token, monkeypatch, carol):
    followers = [actions.create_user(app).openid for _ in range(3)]
    monkeypatch.setattr(selectors, "USER_PAGE_SIZE", 2)
    first = wechat.call("cgi-bin/user/get", token=access_token)
    assert first == {
        "total": 3,
        "count": 2,
        "data": {"openid": followers[:2]},
        "next_openid": followers[1],
    }
    second = wechat.call("cgi-bin/user/get", token=access_token, next_openid=first["next_openid"])
    assert second["data"]["openid"] == followers[2:]
    last = wechat.call("cgi-bin/user/get", token=access_token, next_openid=second["next_openid"])
    assert last == {"total": 3, "count": 0, "next_openid": ""}


def test_tags_create_get_update_delete(app, wechat, access_token, alice):
    created = wechat.call(
        "cgi-bin/tags/create", token=access_token, body={"tag": {"name": "老年人"}}
    )
    assert created == {"tag": {"id": 100, "name": "老年人"}}
    second = wechat.call("cgi-bin/tags/create", token=access_token, body={"tag": {"name": "残障"}})
    assert second["tag"]["id"] == 101

    tagging = {"openid_list": [alice.openid], "tagid": 100}
    assert (
        wechat.call("cgi-bin/tags/members/batchtagging", token=access_token, body=tagging)[
            "errcode"
        ]
        == 0
    )
    tags = wechat.call("cgi-bin/tags/get", token=access_token)["tags"]
    assert tags[0] == {"id": 2, "name": "星标组", "count": 0}
    assert {"id": 100, "name": "老年人", "count": 1} in tags
    assert wechat.call(
        "cgi-bin/tags/getidlist", token=access_token, body={"openid": alice.openid}
    ) == {"tagid_list": [100]}
    members = wechat.call("cgi-bin/user/tag/get", token=access_token, body={"tagid": 100})
    assert members["data"]["openid"] == [alice.openid]

    renamed = wechat.call(
        "cgi-bin/tags/update", token=access_token, body={"tag": {"id": 100, "name": "长者"}}
    )
    assert renamed["errcode"] == 0
    assert (
        wechat.call("cgi-bin/tags/delete", token=access_token, body={"tag": {"id": 100}})["errcode"]
        == 0
    )
    alice.refresh_from_db()
    assert alice.tagid_list == []
    # Ids are not reused after a delete.
    third = wechat.call("cgi-bin/tags/create", token=access_token, body={"tag": {"name": "新"}})
    assert third["tag"]["id"] == 102


def test_tag_refusals(app, wechat, access_token, alice):
    create = "cgi-bin/tags/create"
    wechat.call(create, token=access_token, body={"tag": {"name": "老年人"}})
    assert (
        wechat.call(create, token=access_token, body={"tag": {"name": "老年人"}})["errcode"]
        == 45157
    )
    assert (
        wechat.call(create, token=access_token, body={"tag": {"name": "长" * 11}})["errcode"]
        == 45158
    )
    for reserved in (0, 1, 2):
        answer = wechat.call(
            "cgi-bin/tags/update", token=access_token, body={"tag": {"id": reserved, "name": "x"}}
        )
        assert answer["errcode"] == 45058
    assert (
        wechat.call("cgi-bin/tags/delete", token=access_token, body={"tag": {"id": 2}})["errcode"]
        == 45058
    )
    assert (
        wechat.call("cgi-bin/tags/delete", token=access_token, body={"tag": {"id": 555}})["errcode"]
        == 45159
    )
    untagging = {"openid_list": [alice.openid] * 51, "tagid": 100}
    assert (
        wechat.call("cgi-bin/tags/members/batchuntagging", token=access_token, body=untagging)[
            "errcode"
        ]
        == 40032
    )


def test_at_most_100_tags(app, wechat, access_token):
    MockTag.objects.bulk_create(MockTag(app=app, tag_id=200 + i, name=f"t{i}") for i in range(100))
    answer = wechat.call(
        "cgi-bin/tags/create", token=access_token, body={"tag": {"name": "one more"}}
    )
    assert answer["errcode"] == 45056


def test_at_most_20_tags_per_user(app, wechat, access_token, alice):
    for i in range(20):
        tag = actions.do_create_tag(app, name=f"t{i}")
        actions.do_tag_users(app, openids=[alice.openid], tag_id=tag.tag_id)
    extra = actions.do_create_tag(app, name="t20")
    answer = wechat.call(
        "cgi-bin/tags/members/batchtagging",
        token=access_token,
        body={"openid_list": [alice.openid], "tagid": extra.tag_id},
    )
    assert answer["errcode"] == 45059


def test_update_remark(app, wechat, access_token, alice):
    body = {"openid": alice.openid, "remark": "网格员"}
    assert (
        wechat.call("cgi-bin/user/info/updateremark", token=access_token, body=body)["errcode"] == 0
    )
    info = wechat.call("cgi-bin/user/info", token=access_token, openid=alice.openid)
    assert info["remark"] == "网格员"
