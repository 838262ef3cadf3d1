"""Search from WeChat, through the signed callback: the command, its refusals, and the fallback
that answers a plain message before the default reply when a document surely answers it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext, ngettext

from weizheng.replies.actions import do_save_default_reply, do_save_keyword_rule
from weizheng.wechat.protocol.xmlparse import parse_xml
from weizheng.wechat.testing import post_to_callback, text_xml

pytestmark = pytest.mark.django_db(transaction=True)

CITIZEN = "oSEARCH00000000000000000000001"
BASE = "https://wx.pingan.gov.cn"


@pytest.fixture(autouse=True)
def _quiet(monkeypatch, settings):
    monkeypatch.setattr(
        "weizheng.followers.actions._queue_profile_sync", lambda account_id, openid: None
    )
    settings.PUBLIC_BASE_URL = BASE + "/"


def send(account, text):
    response = post_to_callback(Client(), account, text_xml(account, CITIZEN, text))
    assert response.status_code == 200
    return parse_xml(response.content) if response.content not in (b"", b"success") else {}


def article(reply):
    assert reply["MsgType"] == "news" and reply["ArticleCount"] == "1"
    (item,) = reply["Articles"]["item"]
    return item


def said(account, message, **params):
    """A sentence as the account's language says it (the catalog may not translate it yet)."""
    with translation.override(account.default_language):
        return gettext(message) % params


def heading(account, query, count):
    with translation.override(account.default_language):
        return ngettext(
            "%(count)d result for “%(query)s”", "%(count)d results for “%(query)s”", count
        ) % {"count": count, "query": query}


def test_the_command_answers_one_card_that_opens_the_search_page(corpus):
    police = corpus["police"]
    reply = send(police, "查政策 公积金提取")
    item = article(reply)
    assert item["Title"] == heading(police, "公积金提取", 5)
    lines = item["Description"].split("\n")
    assert lines[0] == "1. 平安市住房公积金提取管理办法" and len(lines) == 3
    assert item["PicUrl"] == ""
    url = urlsplit(item["Url"])
    assert f"{url.scheme}://{url.netloc}" == BASE and url.path == "/h5/police/search/"
    assert parse_qs(url.query) == {"q": ["公积金提取"]}
    page = Client().get(f"{url.path}?{url.query}")
    assert page.status_code == 200 and 'data-key="content.policy:1"' in page.content.decode()


@pytest.mark.parametrize("text", ["查政策：居住证", "查政策,居住证", "  查政策居住证  "])
def test_the_command_takes_what_follows_it(corpus, text):
    item = article(send(corpus["police"], text))
    assert (
        item["Title"] == heading(corpus["police"], "居住证", 4)
        and "平安市居住证办理规定" in item["Description"]
    )


def test_the_english_command(corpus):
    item = article(send(corpus["police"], "Search residence permit"))
    assert item["Title"] == "1 result for “residence permit”"
    assert item["Description"] == "1. Residence Permit Regulations of Ping'an City"


def test_the_command_alone_says_how_to_use_it(corpus):
    reply = send(corpus["police"], "查政策")
    assert reply["MsgType"] == "text"
    assert reply["Content"] == said(
        corpus["police"],
        "Please add what you are looking for after the command, for example: 查政策 公积金提取",
    )


def test_an_over_long_search_is_refused_helpfully(corpus):
    reply = send(corpus["police"], "查政策 " + "公积金" * 20)
    assert reply["MsgType"] == "text"
    assert "50" in reply["Content"] and "查政策 公积金提取" in reply["Content"]


def test_nothing_found_says_so(corpus):
    reply = send(corpus["police"], "查政策 量子计算")
    assert reply["Content"] == said(
        corpus["police"],
        "Nothing was found for “%(query)s”. Try other or fewer words, for example: "
        "查政策 公积金提取",
        query="量子计算",
    )


def test_without_a_public_address_the_titles_come_as_text(corpus, settings):
    settings.PUBLIC_BASE_URL = ""
    reply = send(corpus["police"], "查政策 护照")
    assert reply["MsgType"] == "text"
    assert reply["Content"].startswith(
        heading(corpus["police"], "护照", 3) + "\n1. 出入境证件办理须知"
    )


def test_a_plain_message_naming_a_document_is_answered_by_search(corpus):
    police = corpus["police"]
    do_save_default_reply(account=police, data={"text": "您好，请使用菜单办理业务。"}, actor=None)
    item = article(send(police, "公积金提取"))
    assert item["Title"] == heading(police, "公积金提取", 5)
    # A question around the words is still about them.
    assert article(send(police, "请问怎么办理居住证？"))["Description"].startswith(
        "1. 平安市居住证办理规定"
    )


@pytest.mark.parametrize(
    "text", ["你好", "谢谢", "在吗", "人工客服", "好", "交通违法怎么罚款和扣分"]
)
def test_a_plain_message_search_cannot_surely_answer_gets_the_default_reply(corpus, text):
    police = corpus["police"]
    do_save_default_reply(account=police, data={"text": "您好，请使用菜单办理业务。"}, actor=None)
    reply = send(police, text)
    assert reply["MsgType"] == "text" and reply["Content"] == "您好，请使用菜单办理业务。"


def test_keyword_rules_answer_before_the_search_fallback(corpus):
    police = corpus["police"]
    do_save_keyword_rule(
        account=police,
        data={"pattern": "居住证", "match": "exact", "text": "居住证请到派出所办理。"},
        actor=None,
    )
    assert send(police, "居住证")["Content"] == "居住证请到派出所办理。"
