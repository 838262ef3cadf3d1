"""Personas of the eservices tests: the police department has alice (administrator: final
review), bob (editor: writes guides), rita (reviewer: first review), dave (a second
administrator) and hank (handler: no guide permission); the water department has carol
(administrator). No calendar cached across tests."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from conftest import make_account
from weizheng.core.workdays import CACHE_KEY
from weizheng.staff.models import Department, Membership, Role
from weizheng.staff.testing import login_staff


@pytest.fixture(autouse=True)
def _no_cached_calendar():
    cache.delete(CACHE_KEY)
    yield
    cache.delete(CACHE_KEY)


@pytest.fixture
def world(plain_account, django_user_model):
    police = plain_account
    water = make_account(
        "water", mode="plain", app_id="wx7c2e9a4b1d3f5e80", token="watertoken", name="平安水务集团"
    )
    police_department = Department.objects.create(name="平安市公安局")
    police_department.accounts.add(police)
    water_department = Department.objects.create(name="平安水务集团")
    water_department.accounts.add(water)
    people = {}
    for username, department, role in (
        ("alice", police_department, Role.ADMINISTRATOR),
        ("bob", police_department, Role.EDITOR),
        ("rita", police_department, Role.REVIEWER),
        ("dave", police_department, Role.ADMINISTRATOR),
        ("hank", police_department, Role.HANDLER),
        ("carol", water_department, Role.ADMINISTRATOR),
    ):
        people[username] = django_user_model.objects.create_user(
            username, password=f"pw-{username}-123456", is_staff=True
        )
        Membership.objects.create(user=people[username], department=department, role=role)
    return {"police": police, "water": water, **people}


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_staff(client, user)
    return client


GUIDE = {
    "title": "机动车驾驶证补领",
    "code": "PA-JJ-0101",
    "category": "驾驶证业务",
    "department": "平安市公安局交警支队车辆管理所",
    "mode": "both",
    "conditions": "机动车驾驶证遗失的，可以申请补领。",
    "fee_fen": 1000,
    "fee_basis": "工本费每证 10 元。",
    "statutory_days": 1,
    "promised_days": 0,
    "steps": "提交申请\n核验身份\n缴纳工本费\n领取驾驶证",
    "place": "车管所综合服务大厅",
    "hours": "工作日 8:30–17:30",
    "phone": "0000-12345678",
}
MATERIALS = [
    {"name": "居民身份证", "form": "original", "copies": 1, "is_required": True, "note": ""},
    {
        "name": "委托书",
        "form": "original",
        "copies": 1,
        "is_required": False,
        "note": "委托他人代办时提交",
    },
]
QUESTIONS = [{"question": "原驾驶证还能用吗？", "answer": "不能，补领后原证作废。"}]


def make_guide(account, author, *, materials=None, questions=None, **fields):
    from weizheng.eservices.actions import check_save_guide

    return check_save_guide(
        account=account,
        actor=author,
        data={**GUIDE, **fields},
        materials=MATERIALS if materials is None else materials,
        questions=QUESTIONS if questions is None else questions,
    )


def publish(guide, *, author, first, final):
    """Through 三审 to publication."""
    from weizheng.eservices.actions import check_approve_guide, do_submit_guide

    do_submit_guide(guide=guide, actor=author)
    check_approve_guide(guide=guide, actor=first)
    return check_approve_guide(guide=guide, actor=final)


def office(account, path=""):
    return f"/office/accounts/{account.pk}/eservices/{path}"
