"""Routing: the category's department; the classifier's suggestion for 其他 (trained on the
deployment's own answered requests, too little data → no suggestion); duplicate detection
(similar text near the same place within the window: linked, not merged)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog
from weizheng.inquiries import actions, text
from weizheng.inquiries.models import Inquiry

from .conftest import FAR, INSIDE, NEARBY, submit

TRAFFIC = [
    "解放路口红绿灯时间太短，行人过马路来不及",
    "中山路违章停车严重，车辆占用人行道",
    "滨江大道晚高峰拥堵，信号灯配时不合理",
    "学校门口接送车辆乱停，交通秩序混乱",
    "人民路路口红绿灯坏了，车辆乱行",
    "高架桥下经常有车辆违章掉头",
    "公交站旁出租车乱停占用公交车道",
]
WATER = [
    "小区停水两天了，没有任何停水通知",
    "自来水有黄色沉淀，水质浑浊",
    "水压太低，六楼以上用不了水",
    "水表漏水，地面一直有积水",
    "水费账单异常，本月水费是平时三倍",
    "供水管道爆裂，路面冒水",
    "自来水有异味，烧开后有漂浮物",
]


def answered_by(world, description, department, *, location=None):
    inquiry = submit(world, category="other", description=description, location=location)
    Inquiry.objects.filter(pk=inquiry.pk).update(
        department=department, status="replied", replied_at=timezone.now()
    )
    return inquiry


@pytest.fixture
def trained(world):
    for line in TRAFFIC:
        answered_by(world, line, world["traffic"])
    for line in WATER:
        answered_by(world, line, world["water"])
    return actions.do_train_classifier(account=world["gov"], actor=world["gina"])


def test_the_category_routes_the_request(world):
    assert submit(world, category="traffic").department == world["traffic"]
    assert submit(world, category="water").department == world["water"]
    assert submit(world, category="city").department == world["office"]


def test_the_classifier_suggests_a_department_for_other_with_its_confidence(world, trained):
    assert trained.training_size == 14
    assert AuditLog.objects.filter(action="inquiries.classifier.trained").exists()
    inquiry = submit(world, category="other", description="我家停水了，而且水很浑浊", location=None)
    # The request stays with the catch-all's department; the dispatcher sees the suggestion.
    assert inquiry.department == world["office"]
    assert inquiry.suggested_department == world["water"]
    assert 0.5 <= inquiry.suggestion_confidence <= 1
    traffic = submit(world, category="other", description="路口红绿灯太短，车辆违章", location=None)
    assert traffic.suggested_department == world["traffic"]


def test_a_chosen_category_gets_no_suggestion(world, trained):
    inquiry = submit(world, category="city", description="我家停水了，而且水很浑浊", location=None)
    assert inquiry.suggested_department is None


def test_too_little_data_suggests_nothing(world):
    for line in TRAFFIC[:3]:
        answered_by(world, line, world["traffic"])
    classifier = actions.do_train_classifier(account=world["gov"], actor=None)
    assert classifier.training_size == 3
    inquiry = submit(world, category="other", description="路口红绿灯太短", location=None)
    assert inquiry.suggested_department is None
    assert inquiry.department == world["office"]


def test_retraining_replaces_the_model(world, trained):
    answered_by(world, "垃圾桶满了没人清运", world["office"])
    again = actions.do_train_classifier(account=world["gov"], actor=None)
    assert again.pk == trained.pk and again.training_size == 15
    assert str(world["office"].pk) in again.model["labels"]


def test_naive_bayes_is_pure_python_and_probabilistic():
    model = text.train([("红绿灯 路口", "a"), ("停水 水质", "b"), ("红绿灯 太短", "a")])
    guess = text.predict(model, "红绿灯坏了")
    assert guess.label == "a" and 0.5 < guess.confidence <= 1
    assert text.predict(model, "完全无关的内容xyz") is None


def test_a_similar_request_near_the_same_place_is_linked(world):
    first = submit(world, description="滨江大道16号门口路灯不亮已经一周了", location=INSIDE)
    second = submit(world, description="滨江大道16号门口的路灯不亮了，晚上很黑", location=NEARBY)
    assert second.duplicate_of == first
    assert second.similarity >= 0.4
    # Linked, not merged: both stay, each on its own clock.
    assert Inquiry.objects.count() == 2 and first.status == second.status == "received"
    third = submit(world, description="滨江大道16号门口路灯不亮，一周都没修", location=NEARBY)
    assert third.duplicate_of == first


def test_the_same_text_far_away_is_not_a_duplicate(world):
    submit(world, description="门口路灯不亮已经一周了", location=INSIDE)
    assert submit(world, description="门口路灯不亮已经一周了", location=FAR).duplicate_of is None


def test_different_text_nearby_is_not_a_duplicate(world):
    submit(world, description="滨江大道16号门口路灯不亮已经一周了", location=INSIDE)
    other = submit(world, description="小区楼下餐馆油烟太大，熏得没法开窗", location=NEARBY)
    assert other.duplicate_of is None


def test_a_request_older_than_the_window_is_not_a_duplicate(world):
    with time_machine.travel(timezone.now() - timedelta(days=31), tick=False):
        submit(world, description="滨江大道16号门口路灯不亮已经一周了", location=INSIDE)
    assert (
        submit(
            world, description="滨江大道16号门口路灯不亮已经一周了", location=NEARBY
        ).duplicate_of
        is None
    )


def test_distance_is_haversine():
    assert abs(text.distance_m(30.58, 114.30, 30.5805, 114.3003) - 62) < 5
    assert 7_700 < text.distance_m(30.58, 114.30, 30.65, 114.30) < 7_800


def test_settings_need_all_four_edges_in_order(world):
    with pytest.raises(AppError) as refused:
        actions.check_save_settings(
            account=world["gov"],
            actor=world["gina"],
            values={
                "min_latitude": 31,
                "max_latitude": 30,
                "min_longitude": 114,
                "max_longitude": 115,
            },
        )
    assert refused.value.code == "bad_box"
    with pytest.raises(AppError) as forbidden:
        actions.check_save_settings(account=world["gov"], actor=world["dan"], values={})
    assert forbidden.value.status == 403
