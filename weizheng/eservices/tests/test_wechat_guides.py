"""Guides from WeChat through the signed callback: "办事指南 <词>" and "怎么办 <词>" answer with
links to the top guides, the command alone links to the list, and nothing found says so."""

from __future__ import annotations

import pytest
from django.test import Client

from weizheng.wechat.protocol.xmlparse import parse_xml
from weizheng.wechat.testing import post_to_callback, text_xml

from .conftest import make_guide, publish

pytestmark = pytest.mark.django_db(transaction=True)

CITIZEN = "oGUIDE000000000000000000000001"
BASE = "https://wx.pingan.gov.cn"


@pytest.fixture(autouse=True)
def _quiet(monkeypatch, settings):
    monkeypatch.setattr(
        "weizheng.followers.actions._queue_profile_sync", lambda account_id, openid: None
    )
    settings.PUBLIC_BASE_URL = BASE


@pytest.fixture
def guides(world):
    licence = publish(
        make_guide(world["police"], world["bob"]),
        author=world["bob"],
        first=world["rita"],
        final=world["alice"],
    )
    permit = publish(
        make_guide(
            world["police"],
            world["bob"],
            title="居住证办理",
            code="PA-ZA-0120",
            category="户政业务",
            conditions="在本市居住半年以上。",
            steps="提交申请\n领取居住证",
        ),
        author=world["bob"],
        first=world["rita"],
        final=world["alice"],
    )
    return {"licence": licence, "permit": permit}


def send(account, text) -> str:
    response = post_to_callback(Client(), account, text_xml(account, CITIZEN, text))
    assert response.status_code == 200
    reply = parse_xml(response.content)
    assert reply["MsgType"] == "text"
    return reply["Content"]


def test_the_command_with_words_links_the_matching_guides(world, guides):
    content = send(world["police"], "办事指南 居住证")
    permit = guides["permit"]
    assert f'<a href="{BASE}/h5/police/services/guides/{permit.pk}/">居住证办理</a>' in content
    assert "驾驶证补领" not in content


@pytest.mark.parametrize("text", ["怎么办 驾驶证补领", "怎么办理驾驶证补领", "办事指南：驾驶证"])
def test_the_other_ways_of_asking_find_the_guide(world, guides, text):
    content = send(world["police"], text)
    assert f"/h5/police/services/guides/{guides['licence'].pk}/" in content


def test_the_command_alone_links_the_guide_list(world, guides):
    content = send(world["police"], "办事指南")
    assert f'href="{BASE}/h5/police/services/guides/"' in content


def test_nothing_found_says_so_and_links_the_list(world, guides):
    content = send(world["police"], "办事指南 护照")
    assert "护照" in content
    assert f'href="{BASE}/h5/police/services/guides/"' in content
    assert "/guides/" + str(guides["licence"].pk) not in content


def test_without_a_public_address_the_titles_are_plain_text(world, guides, settings):
    settings.PUBLIC_BASE_URL = ""
    content = send(world["police"], "办事指南 居住证")
    assert "居住证办理" in content and "<a " not in content


def test_progress_by_receipt_number_for_the_applicant_only(world, guides):
    from weizheng.eservices.actions import check_save_draft, check_submit_application
    from weizheng.eservices.models import ApplicationField, FieldKind, ServiceGuide
    from weizheng.identity.testing import make_binding

    permit = guides["permit"]
    ApplicationField.objects.create(guide=permit, key="name", label="姓名", kind=FieldKind.TEXT)
    ServiceGuide.objects.filter(pk=permit.pk).update(accepts_online=True)
    permit.refresh_from_db()
    make_binding(account=world["police"], openid=CITIZEN)
    draft = check_save_draft(
        account=world["police"], guide=permit, openid=CITIZEN, answers={"name": "张三"}
    )
    application = check_submit_application(application=draft, openid=CITIZEN)
    content = send(world["police"], f"查进度 {application.receipt_no}")
    assert "居住证办理" in content and application.receipt_no in content
    assert application.receipt_no in send(world["police"], "查进度")
    other = post_to_callback(
        Client(),
        world["police"],
        text_xml(
            world["police"], "oSOMEONEELSE000000000000000001", f"查进度 {application.receipt_no}"
        ),
    )
    assert "居住证办理" not in parse_xml(other.content)["Content"]
