"""What the pages say, once and in full sentences: the citizen's request page shows the reply
once and the deadline with its time; the form's name field asks for 姓名 and is hidden for an
anonymous request; a clerk's page without a step to take has no empty 下一步办理 heading."""

from __future__ import annotations

from django.test import Client
from django.utils import timezone

from weizheng.inquiries import actions

from .conftest import CITIZEN, as_citizen, signed_in, submit


def chinese_citizen(world) -> Client:
    return as_citizen(Client(HTTP_ACCEPT_LANGUAGE="zh-hans"), world["gov"], CITIZEN)


def test_the_citizens_page_shows_the_reply_once(world):
    inquiry = submit(world, category="city")
    actions.check_sign(inquiry=inquiry, actor=world["dan"])
    actions.check_reply(inquiry=inquiry, actor=world["dan"], reply="路灯已于今日修复。")
    html = chinese_citizen(world).get(f"/h5/gov/wenzheng/r/{inquiry.public_id}/").content.decode()
    assert html.count("路灯已于今日修复。") == 1
    assert 'data-test="status-note"' not in html


def test_the_citizens_page_gives_the_deadline_with_its_time(world):
    inquiry = submit(world, category="city")
    html = chinese_citizen(world).get(f"/h5/gov/wenzheng/r/{inquiry.public_id}/").content.decode()
    assert f"{timezone.localtime(inquiry.reply_due_at):%Y-%m-%d} 23:59" in html


def test_the_name_field_asks_for_a_persons_name_and_hides_for_an_anonymous_request(world):
    html = chinese_citizen(world).get("/h5/gov/wenzheng/new/").content.decode()
    assert 'placeholder="姓名"' in html and 'placeholder="名称"' not in html
    assert 'data-test="contact-fields" hidden' in html  # 匿名反映 is the default
    named = chinese_citizen(world).post(
        "/h5/gov/wenzheng/new/", {"category": "city", "description": "", "named": "1"}
    )
    assert 'data-test="contact-fields">' in named.content.decode()


def test_a_handler_after_the_reply_sees_no_empty_next_step_heading(world):
    inquiry = submit(world, category="traffic")
    actions.check_sign(inquiry=inquiry, actor=world["pete"])
    actions.check_reply(inquiry=inquiry, actor=world["pete"], reply="已调整。")
    url = f"/office/accounts/{world['police_account'].pk}/inquiries/{inquiry.pk}/"
    html = signed_in(world["pete"]).get(url).content.decode()
    assert 'data-testid="next-step"' not in html
    assert 'data-testid="no-step"' in html
    supervisor = signed_in(world["gina"]).get(
        f"/office/accounts/{world['gov'].pk}/inquiries/{inquiry.pk}/"
    )
    assert 'data-testid="next-step"' in supervisor.content.decode()  # may close or reopen
