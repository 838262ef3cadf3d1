"""The public board: answered requests whose submitter consented, anonymised (no name, phone
and ID numbers masked), searchable by words; nothing else is shown."""

from __future__ import annotations

import pytest

from weizheng.inquiries import actions

from .conftest import submit


def answered(world, description, *, consent=True, reply="已处理，感谢监督。"):
    inquiry = submit(
        world,
        category="city",
        description=description,
        consent_publish=consent,
        is_anonymous=False,
        contact_name="王五",
        location=None,
    )
    actions.check_sign(inquiry=inquiry, actor=world["dan"])
    return actions.check_reply(inquiry=inquiry, actor=world["dan"], reply=reply)


@pytest.fixture
def published(world):
    return {
        "lamp": answered(world, "滨江大道路灯不亮，我的电话13800138000，身份证110105194912310037"),
        "rubbish": answered(world, "幸福里小区垃圾三天没人清运"),
        "private": answered(world, "我家楼上噪音扰民", consent=False),
        "open": submit(world, category="city", description="公园长椅坏了", consent_publish=True),
    }


def test_the_board_lists_consented_answers_only(world, published, client):
    html = client.get("/h5/gov/wenzheng/board/").content.decode()
    assert "幸福里小区垃圾三天没人清运" in html
    assert "噪音扰民" not in html and "公园长椅" not in html
    assert "王五" not in html


def test_numbers_are_masked_on_the_board(world, published, client):
    lamp = published["lamp"]
    html = client.get(f"/h5/gov/wenzheng/board/{lamp.public_id}/").content.decode()
    assert "138****8000" in html and "13800138000" not in html
    assert "110105********0037" in html and "110105194912310037" not in html
    assert "已处理，感谢监督。" in html


def test_a_request_without_consent_has_no_board_page(world, published, client):
    response = client.get(f"/h5/gov/wenzheng/board/{published['private'].public_id}/")
    assert response.status_code == 404


def test_the_board_is_searched_by_words(world, published, client):
    html = client.get("/h5/gov/wenzheng/board/", {"q": "垃圾 清运"}).content.decode()
    assert "幸福里小区" in html and "路灯" not in html
    empty = client.get("/h5/gov/wenzheng/board/", {"q": "地铁"}).content.decode()
    assert 'data-test="board-empty"' in empty


def test_a_supervisor_keeps_an_answer_off_the_board(world, published, client):
    from weizheng.core.errors import AppError

    lamp = published["lamp"]
    with pytest.raises(AppError):
        actions.check_set_hidden(inquiry=lamp, actor=world["dan"], hidden=True)
    actions.check_set_hidden(inquiry=lamp, actor=world["gina"], hidden=True)
    assert client.get(f"/h5/gov/wenzheng/board/{lamp.public_id}/").status_code == 404


def test_the_board_is_not_searched_by_the_numbers_it_masks(world, published, client):
    """The board shows 138****8000 and 110105********0037: the full numbers find nothing, what
    the board shows finds the request."""
    lamp = published["lamp"]
    for hidden in ("13800138000", "0013800", "110105194912310037", "19491231"):
        html = client.get("/h5/gov/wenzheng/board/", {"q": hidden}).content.decode()
        assert lamp.public_id not in html, hidden
        assert 'data-test="board-empty"' in html, hidden
    for shown in ("138****8000", "110105********0037", "路灯 8000"):
        html = client.get("/h5/gov/wenzheng/board/", {"q": shown}).content.decode()
        assert lamp.public_id in html, shown
        assert "138****8000" in html and "13800138000" not in html


def test_the_rating_on_the_board_has_no_space_after_the_chinese_colon(world, published, client):
    from django.test import Client

    from weizheng.inquiries.tests.conftest import CITIZEN

    rubbish = published["rubbish"]
    actions.check_rate(inquiry=rubbish, openid=CITIZEN, score=3, is_resolved=True)
    html = (
        Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        .get(f"/h5/gov/wenzheng/board/{rubbish.public_id}/")
        .content.decode()
    )
    rating = html.split('data-test="board-rating">', 1)[1].split("</p>", 1)[0]
    assert rating.endswith("满意") and "： " not in rating
