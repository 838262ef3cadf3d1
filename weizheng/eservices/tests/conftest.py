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


# --- online applications -----------------------------------------------------------------------
CITIZEN = "oCITIZEN0000000000000000000001"
OTHER = "oOTHER000000000000000000000002"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
GIF = b"GIF89a" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Every test stores uploads in its own directory, so "no file left" can be checked."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media) -> list:
    root = media / "private"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def as_citizen(client: Client, account, openid: str) -> Client:
    """The session a finished WeChat sign-in leaves: this openid for this account."""
    from weizheng.wechat.oauth import OPENIDS_KEY

    session = client.session
    session[OPENIDS_KEY] = {str(account.pk): openid}
    session.save()
    return client


WATER_FORM = [
    {"key": "name", "label": "申请人姓名", "kind": "text", "prefill": "name"},
    {"key": "id_number", "label": "身份证号", "kind": "id_number", "prefill": "id_number"},
    {"key": "phone", "label": "联系电话", "kind": "phone", "prefill": "phone"},
    {"key": "address", "label": "用水地址", "kind": "address"},
    {
        "key": "use",
        "label": "用水性质",
        "kind": "select",
        "choices": ["居民生活用水", "非居民用水"],
    },
    {"key": "area", "label": "建筑面积（平方米）", "kind": "number", "is_required": False},
    {
        "key": "certificate",
        "label": "不动产权证书",
        "kind": "file",
        "file_types": ["pdf", "jpeg", "png"],
        "max_size_kb": 1,
    },
]
WATER_ANSWERS = {"address": "平安市滨江大道 16 号 3 栋 201", "use": "居民生活用水", "area": "89.5"}


@pytest.fixture
def online(world):
    """The water account's 用水报装, published and open to online application with a form that
    asks for the property certificate (a file of at most 1 KB); 张三 (CITIZEN) and 李四 (OTHER)
    are bound on it."""
    from weizheng.eservices.actions import check_save_form
    from weizheng.identity.testing import make_binding
    from weizheng.staff.models import Membership, Role

    water = world["water"]
    django_user_model = type(world["carol"])
    for username, role in (("wendy", Role.EDITOR), ("rex", Role.REVIEWER), ("hugo", Role.HANDLER)):
        world[username] = django_user_model.objects.create_user(
            username, password=f"pw-{username}-123456", is_staff=True
        )
        Membership.objects.create(
            user=world[username], department=world["carol"].memberships.get().department, role=role
        )
    guide = publish(
        make_guide(
            water,
            world["wendy"],
            title="用水报装",
            code="PA-SW-0001",
            category="用水报装",
            department="平安水务集团客户服务中心",
            promised_days=10,
            statutory_days=20,
        ),
        author=world["wendy"],
        first=world["rex"],
        final=world["carol"],
    )
    check_save_form(guide=guide, actor=world["carol"], fields=WATER_FORM, accepts_online=True)
    guide.refresh_from_db()
    make_binding(account=water, openid=CITIZEN, phone="13800138000")
    make_binding(
        account=water,
        openid=OTHER,
        name="李四",
        id_number="110105194912310037",
        phone="13900139000",
    )
    return guide


@pytest.fixture(autouse=True)
def _english_messages():
    """Refusals are asserted in English (the msgids); pages negotiate their own language."""
    from django.utils import translation

    with translation.override("en"):
        yield
