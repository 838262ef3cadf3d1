"""A real client over real HTTP: wechatpy, pointed at the mock, cannot tell it from WeChat."""

from __future__ import annotations

import pytest
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from weizheng.wechat_mock import actions

from .conftest import APPID, SECRET, make_app


class MockedWeChatClient(WeChatClient):
    def __init__(self, base: str) -> None:
        super().__init__(APPID, SECRET, timeout=5)
        self.API_BASE_URL = f"{base}/wxmock/cgi-bin/"

    def fetch_access_token(self):
        return self._fetch_access_token(
            url=f"{self.API_BASE_URL}token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


@pytest.fixture
def client_for(live_server):
    make_app()
    return MockedWeChatClient(live_server.url)


def test_wechatpy_creates_and_reads_a_menu(client_for):
    menu = {"button": [{"type": "click", "name": "办事指南", "key": "GUIDE"}]}
    assert client_for.menu.create(menu)["errcode"] == 0
    assert client_for.menu.get()["menu"]["button"][0]["name"] == "办事指南"


def test_wechatpy_reads_users_and_tags(client_for):
    user = actions.create_user(APPID, nickname="Alice")
    assert client_for.user.get(user.openid)["subscribe"] == 1
    assert client_for.user.get_followers()["data"]["openid"] == [user.openid]
    assert client_for.tag.create("老年人") == {
        "id": 100,
        "name": "老年人",
    }  # wechatpy unwraps "tag"


def test_wechatpy_refreshes_and_retries_after_42001(client_for):
    first = client_for.access_token
    actions.expire_tokens(APPID)
    assert client_for.tag.get()[0]["id"] == 2  # 42001, refresh, retry
    assert client_for.access_token != first


def test_wechatpy_raises_wechats_errcode(client_for):
    with pytest.raises(WeChatClientException) as refused:
        client_for.message.send_text("o-nobody", "hi")
    assert refused.value.errcode == 40003


def test_wechatpy_uploads_and_downloads_media(client_for):
    from weizheng.wechat_mock.qr import png_for

    png = png_for("hi")
    uploaded = client_for.media.upload("image", ("photo.png", png))
    assert client_for.media.download(uploaded["media_id"]).content == png
