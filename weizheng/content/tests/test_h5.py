"""The citizen pages: the version in the reader's language with a clear fallback notice, the
document's facts, escaping, the large-font mode, attachments, and read and share counts that do
not count one browser twice within the window."""

from __future__ import annotations

import pytest
from django.test import Client

from weizheng.content.actions import check_add_attachment, check_create_translation, check_save_item
from weizheng.content.models import DailyCount, Item
from weizheng.followers.models import Follower
from weizheng.wechat.oauth import OPENIDS_KEY

from .conftest import make_policy, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def bilingual(world):
    """A policy published in Chinese and English, and one in Chinese only."""
    police = world["police"]
    people = {"author": world["bob"], "first": world["rita"], "final": world["alice"]}
    zh = publish(make_policy(police, world["bob"]), **people)
    en = check_create_translation(item=zh, actor=world["bob"])
    check_save_item(
        account=police,
        actor=world["bob"],
        item=en,
        data={
            "title": "Measures of Ping'an City on Housing Provident Fund Withdrawals",
            "body": "Article 1 These measures govern withdrawals.",
        },
    )
    en = publish(en, **people)
    only_zh = publish(
        make_policy(
            police, world["bob"], title="平安市居住证办理规定", document_number="平公发〔2024〕7号"
        ),
        **people,
    )
    return {"zh": zh, "en": en, "only_zh": only_zh}


def page(client, path, **params):
    response = client.get(path, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_chinese_account_shows_the_chinese_version_by_default(bilingual):
    html = page(Client(), f"/h5/police/policies/{bilingual['en'].pk}/")
    assert "平安市住房公积金提取管理办法" in html and "fallback-notice" not in html
    assert 'data-field="document-number">平政发〔2024〕12号<' in html
    assert 'data-field="issuer">平安市人民政府<' in html
    assert "English version" in html


def test_lang_parameter_picks_the_english_version(bilingual):
    html = page(Client(), f"/h5/police/policies/{bilingual['zh'].pk}/", lang="en")
    assert "Housing Provident Fund Withdrawals" in html and "fallback-notice" not in html
    assert "Document number" in html  # the page speaks the reader's language too


def test_missing_english_version_falls_back_to_chinese_with_a_notice(bilingual):
    html = page(Client(), f"/h5/police/policies/{bilingual['only_zh'].pk}/", lang="en")
    assert "平安市居住证办理规定" in html
    assert 'data-testid="fallback-notice"' in html
    assert "This document is available in Chinese only." in html


def test_unpublished_english_version_is_not_shown(world, bilingual):
    draft = check_create_translation(item=bilingual["only_zh"], actor=world["bob"])
    html = page(Client(), f"/h5/police/policies/{draft.pk}/", lang="en")
    assert "平安市居住证办理规定" in html and "available in Chinese only" in html


def test_english_account_default_and_a_known_followers_language(world, bilingual):
    police = world["police"]
    Follower.objects.create(account=police, openid="o-tom", language="en", is_subscribed=True)
    client = Client()
    session = client.session
    session[OPENIDS_KEY] = {str(police.pk): "o-tom"}
    session.save()
    assert "Housing Provident Fund" in page(client, f"/h5/police/policies/{bilingual['zh'].pk}/")
    # ?lang= still wins over the follower's language.
    assert "Housing Provident Fund" not in page(
        client, f"/h5/police/policies/{bilingual['zh'].pk}/", lang="zh-hans"
    )
    police.default_language = "en"
    police.save(update_fields=["default_language"])
    assert "Housing Provident Fund" in page(Client(), f"/h5/police/policies/{bilingual['zh'].pk}/")


def test_list_shows_one_entry_per_item_in_the_readers_language(bilingual):
    html = page(Client(), "/h5/police/policies/", lang="en")
    assert "Housing Provident Fund" in html and "平安市住房公积金提取管理办法" not in html
    assert "平安市居住证办理规定" in html and "Chinese only" in html


def test_drafts_and_other_accounts_items_are_404(world, bilingual):
    draft = make_policy(world["police"], world["bob"], title="草稿", document_number="")
    client = Client()
    assert client.get(f"/h5/police/policies/{draft.pk}/").status_code == 404
    assert client.get(f"/h5/water/policies/{bilingual['zh'].pk}/").status_code == 404
    assert client.get(f"/h5/police/news/{bilingual['zh'].pk}/").status_code == 404
    assert client.get("/h5/nobody/policies/").status_code == 404


def test_title_and_text_are_escaped_and_sanitised(world):
    item = make_policy(
        world["police"],
        world["bob"],
        title="<script>alert('t')</script>通知",
        body='<p onclick="x()">正文<a href="javascript:alert(1)">链接</a></p><img src=x onerror=alert(1)>',
        document_number="",
    )
    publish(item, author=world["bob"], first=world["rita"], final=world["alice"])
    # Even a body written around the actions is sanitised when shown.
    Item.objects.filter(pk=item.pk).update(
        body='<p>正文</p><script>alert("raw")</script><iframe src="//evil"></iframe>'
    )
    html = page(Client(), f"/h5/police/policies/{item.pk}/")
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "alert(&quot;raw&quot;)" not in html and 'alert("raw")' not in html
    assert "<iframe" not in html and "<p>正文</p>" in html


def test_large_font_mode_is_kept_in_a_cookie(bilingual):
    client = Client()
    path = f"/h5/police/policies/{bilingual['zh'].pk}/"
    assert 'class="wz-content"' in page(client, path)
    html = page(client, path, large="1")
    assert 'class="wz-content wz-large"' in html and 'data-testid="large-font-off"' in html
    assert 'class="wz-content wz-large"' in page(client, "/h5/police/policies/")
    assert 'class="wz-content"' in page(client, path, large="0")
    assert 'class="wz-content"' in page(client, path)


def test_reads_are_counted_once_per_browser_within_the_window(bilingual):
    item = bilingual["zh"]
    path = f"/h5/police/policies/{item.pk}/"
    first, second = Client(), Client()
    page(first, path)
    page(first, path)
    html = page(second, path)
    assert DailyCount.objects.get(item=item).reads == 2
    assert 'data-testid="reads">2 reads<' in html or "2 次阅读" in html


def test_share_button_counts_a_share_with_csrf(bilingual):
    item = bilingual["zh"]
    client = Client(enforce_csrf_checks=True)
    html = page(client, f"/h5/police/policies/{item.pk}/")
    token = client.cookies["csrftoken"].value
    share = f"/h5/police/items/{item.pk}/share/"
    assert client.post(share).status_code == 403  # no token: refused, nothing counted
    assert not DailyCount.objects.filter(item=item, shares__gt=0).exists()
    response = client.post(share, HTTP_X_CSRFTOKEN=token, HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response.json()["shares"] == 1
    assert response.json()["url"].endswith(f"/h5/police/policies/{item.pk}/")
    client.post(share, HTTP_X_CSRFTOKEN=token, HTTP_ACCEPT="application/json")
    assert DailyCount.objects.get(item=item).shares == 1
    assert 'data-testid="share"' in html


def test_attachments_of_published_items_download_under_their_name(world, bilingual):
    draft = make_policy(world["police"], world["bob"], title="草稿", document_number="")
    hidden = check_add_attachment(
        item=draft, filename="内部.pdf", content=b"%PDF-secret", actor=world["bob"]
    )
    item = make_policy(world["police"], world["bob"], title="办事指南", document_number="")
    shown = check_add_attachment(
        item=item, filename="附件1 申请表.pdf", content=b"%PDF-1.4", actor=world["bob"]
    )
    publish(item, author=world["bob"], first=world["rita"], final=world["alice"])
    html = page(Client(), f"/h5/police/policies/{item.pk}/")
    assert "附件1 申请表.pdf" in html
    response = Client().get(f"/h5/police/files/{shown.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4"
    assert "attachment" in response["Content-Disposition"]
    assert Client().get(f"/h5/police/files/{hidden.pk}/").status_code == 404
    assert Client().get(f"/h5/water/files/{shown.pk}/").status_code == 404
