"""The back office: the queue of the staff member's requests, a request's page and its steps,
the extension decision, the figures page, the settings page; others get 404 and change nothing."""

from __future__ import annotations

import pytest

from weizheng.core.models import AuditLog
from weizheng.inquiries import actions
from weizheng.inquiries.models import Category, Inquiry, InquiryStatus

from .conftest import CITIZEN, signed_in, submit


def office(account, path=""):
    return f"/office/accounts/{account.pk}/inquiries/{path}"


@pytest.fixture
def traffic_request(world):
    return submit(world, category="traffic", description="解放路口红绿灯时间太短，行人过不去")


def test_the_police_handler_sees_the_citys_request_in_the_queue_on_his_own_account(
    world, traffic_request
):
    page = signed_in(world["pete"]).get(office(world["police_account"]))
    assert page.status_code == 200
    assert traffic_request.public_id in page.content.decode()


def test_the_supervisor_sees_every_request_of_the_account(world, traffic_request):
    page = signed_in(world["gina"]).get(office(world["gov"]))
    assert traffic_request.public_id in page.content.decode()


def test_a_clerk_of_another_department_gets_404_on_the_request_and_changes_nothing(
    world, traffic_request
):
    client = signed_in(world["olga"])
    assert client.get(office(world["police_account"], f"{traffic_request.pk}/")).status_code == 404
    response = client.post(
        office(world["police_account"], f"{traffic_request.pk}/step/"), {"action": "sign"}
    )
    assert response.status_code == 404
    traffic_request.refresh_from_db()
    assert traffic_request.status == InquiryStatus.RECEIVED
    assert not AuditLog.objects.filter(action__startswith="inquiries.inquiry.signed").exists()
    assert not AuditLog.objects.filter(action="inquiries.inquiry.view").exists()


def test_the_handler_signs_and_replies_from_the_requests_page(world, traffic_request):
    client = signed_in(world["pete"])
    url = office(world["police_account"], f"{traffic_request.pk}/")
    page = client.get(url)
    assert page.status_code == 200
    assert 'data-testid="step-sign"' in page.content.decode()
    assert AuditLog.objects.filter(action="inquiries.inquiry.view", actor=world["pete"]).exists()
    client.post(url + "step/", {"action": "sign", "seen": "received"})
    client.post(url + "step/", {"action": "reply", "seen": "signed", "reply": "已延长绿灯时间。"})
    traffic_request.refresh_from_db()
    assert traffic_request.status == InquiryStatus.REPLIED
    assert traffic_request.reply == "已延长绿灯时间。"


def test_a_step_from_a_stale_page_is_refused_with_409(world, traffic_request):
    client = signed_in(world["pete"])
    url = office(world["police_account"], f"{traffic_request.pk}/step/")
    client.post(url, {"action": "sign", "seen": "received"})
    response = client.post(url, {"action": "sign", "seen": "received"})
    assert response.status_code == 409


def test_the_handler_cannot_transfer(world, traffic_request):
    client = signed_in(world["pete"])
    response = client.post(
        office(world["police_account"], f"{traffic_request.pk}/step/"),
        {"action": "transfer", "department": world["water"].pk, "reason": "不归我们管"},
    )
    assert response.status_code == 403
    traffic_request.refresh_from_db()
    assert traffic_request.department == world["traffic"]


def test_the_supervisor_approves_an_extension_from_the_queue(world, traffic_request):
    actions.check_sign(inquiry=traffic_request, actor=world["pete"])
    extension = actions.check_request_extension(
        inquiry=traffic_request, actor=world["pete"], workdays=2, reason="需现场勘查"
    )
    client = signed_in(world["gina"])
    assert (
        f'data-testid="approve-{extension.pk}"' in client.get(office(world["gov"])).content.decode()
    )
    client.post(office(world["gov"], f"extensions/{extension.pk}/"), {"decision": "approve"})
    extension.refresh_from_db()
    assert extension.status == "approved"
    # The handler may not decide.
    other = actions.check_request_extension(
        inquiry=traffic_request, actor=world["pete"], workdays=1, reason="再等一天"
    )
    response = signed_in(world["pete"]).post(
        office(world["police_account"], f"extensions/{other.pk}/"), {"decision": "approve"}
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == "pending"


def test_the_figures_page_shows_the_rates_and_the_overdue_list(world, traffic_request):
    actions.check_sign(inquiry=traffic_request, actor=world["pete"])
    actions.check_reply(inquiry=traffic_request, actor=world["pete"], reply="已处理。")
    actions.check_rate(inquiry=traffic_request, openid=CITIZEN, score=3, is_resolved=True)
    submit(world, category="traffic", description="另一个问题：中山路违停")
    Inquiry.objects.filter(status="received").update(due_at="2020-01-01T00:00:00Z")
    page = signed_in(world["ann"]).get(office(world["gov"], "figures/"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-department="平安市公安局交警支队"' in html
    assert 'data-figure="response">50.0%' in html
    assert 'data-figure="on-time">100.0%' in html
    assert 'data-figure="satisfaction">100.0%' in html
    assert "中山路" not in html  # the overdue list shows numbers, not what citizens wrote
    assert Inquiry.objects.get(status="received").public_id in html
    assert "vendor/echarts/echarts.min.js" in html


def test_the_settings_page_adds_a_category(world):
    client = signed_in(world["gina"])
    response = client.post(
        office(world["gov"], "settings/"),
        {
            "form": "category",
            "code": "housing",
            "name": "住房保障",
            "department": world["office"].pk,
            "sign_workdays": "1",
            "reply_workdays": "10",
        },
    )
    assert response.status_code == 302
    assert Category.objects.get(code="housing").reply_workdays == 10
    assert signed_in(world["dan"]).get(office(world["gov"], "settings/")).status_code == 403


def test_retraining_is_a_task(world, settings):
    client = signed_in(world["gina"])
    client.post(office(world["gov"], "settings/"), {"form": "retrain"})
    from weizheng.inquiries.models import Classifier

    assert Classifier.objects.get(account=world["gov"]).training_size == 0


def chinese(user):
    from django.test import Client

    from weizheng.staff.testing import login_staff

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    login_staff(client, user)
    return client


def _history(html: str) -> str:
    return html.split('data-testid="history"', 1)[1].split("</ul>", 1)[0]


@pytest.mark.parametrize(
    ("resolved", "words"), [(False, "不满意 · 未解决"), (True, "不满意 · 已解决")]
)
def test_the_history_reads_in_chinese_with_the_rating_as_the_citizen_sees_it(
    world, traffic_request, resolved, words
):
    actions.check_sign(inquiry=traffic_request, actor=world["pete"])
    actions.check_reply(inquiry=traffic_request, actor=world["pete"], reply="已调整配时。")
    actions.check_rate(
        inquiry=traffic_request, openid=CITIZEN, score=1, is_resolved=resolved, comment="还是太短"
    )
    html = chinese(world["pete"]).get(office(world["police_account"], f"{traffic_request.pk}/"))
    history = _history(html.content.decode())
    assert "市民" in history
    assert words in history and "还是太短" in history
    for english in ("citizen", "system", "unresolved", "Dissatisfied", "Resolved"):
        assert english not in history
    # 评价 as the rating card above shows it
    assert f"不满意 · {'已解决' if resolved else '未解决'}" in html.content.decode()


def test_the_history_names_the_clock_and_an_api_client_not_by_their_codes(world):
    from weizheng.inquiries.models import InquiryEvent

    inquiry = submit(world, category="city", api_client="open311:hotline", channel="open311")
    InquiryEvent.objects.create(inquiry=inquiry, kind="reminded", actor_label="system")
    html = chinese(world["dan"]).get(office(world["gov"], f"{inquiry.pk}/")).content.decode()
    history = _history(html)
    assert "open311:" not in history and "system" not in history
    assert "接口客户端 hotline" in history
    assert history.count('data-testid="actor"') == 2
