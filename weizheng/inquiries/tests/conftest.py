"""Personas of the 问政 tests. The city account `gov` (平安市政务服务) is run by the government
office, where gina is the supervisor (administrator) and dan the dispatcher (handler). Requests
are routed to departments that do not run the account: the traffic police (pete, handler; they
run their own account `police`) and the water company (wanda, handler). olga is a handler of
the police's own account's other department (平安市公安局): nothing of 问政 is hers. Categories:
交通出行 → police, 供水 → water (urgent), 市容环境 and 其他 → the government office. The
jurisdiction is 平安市's box around (30.5, 114.3)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from conftest import make_account
from weizheng.core.workdays import CACHE_KEY
from weizheng.staff.models import Department, Membership, Role
from weizheng.staff.testing import login_staff

CITIZEN = "oGOVCITIZEN00000000000000000001"
OTHER = "oGOVOTHER0000000000000000000002"
INSIDE = (30.5800, 114.3000)
NEARBY = (30.5805, 114.3003)  # about 60 m away
FAR = (30.6500, 114.3000)  # about 8 km away
OUTSIDE = (39.9042, 116.4074)  # 北京


@pytest.fixture(autouse=True)
def _no_cached_calendar():
    cache.delete(CACHE_KEY)
    yield
    cache.delete(CACHE_KEY)


@pytest.fixture(autouse=True)
def _english_messages():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def world(db, django_user_model):
    from weizheng.inquiries.models import Category, InquirySettings

    gov = make_account(
        "gov", mode="plain", app_id="wx9a8b7c6d5e4f3a2b", token="govtoken", name="平安市政务服务"
    )
    police_account = make_account(
        "police", mode="plain", app_id="wx1111111111111111", token="policetoken", name="平安交警"
    )
    office = Department.objects.create(name="平安市政府办公室")
    office.accounts.add(gov)
    traffic = Department.objects.create(name="平安市公安局交警支队")
    traffic.accounts.add(police_account)
    water = Department.objects.create(name="平安水务集团客服中心")
    police = Department.objects.create(name="平安市公安局")
    police.accounts.add(police_account)
    people = {}
    for username, department, role in (
        ("gina", office, Role.ADMINISTRATOR),
        ("dan", office, Role.HANDLER),
        ("pete", traffic, Role.HANDLER),
        ("wanda", water, Role.HANDLER),
        ("olga", police, Role.HANDLER),
        ("ann", office, Role.ANALYST),
    ):
        people[username] = django_user_model.objects.create_user(
            username,
            password=f"pw-{username}-123456",
            is_staff=True,
            email=f"{username}@pingan.gov.cn",
        )
        Membership.objects.create(user=people[username], department=department, role=role)
    InquirySettings.objects.create(
        account=gov, min_latitude=30.3, max_latitude=30.9, min_longitude=114.0, max_longitude=114.6
    )
    categories = {}
    for position, (code, name, department, extra) in enumerate(
        (
            ("traffic", "交通出行", traffic, {}),
            ("water", "供水", water, {"is_urgent": True}),
            ("city", "市容环境", office, {}),
            ("other", "其他", office, {"is_other": True}),
        )
    ):
        categories[code] = Category.objects.create(
            account=gov, code=code, name=name, department=department, position=position, **extra
        )
    return {
        "gov": gov,
        "police_account": police_account,
        "office": office,
        "traffic": traffic,
        "water": water,
        "police": police,
        "categories": categories,
        **people,
    }


def submit(
    world,
    *,
    category="city",
    description="滨江大道16号门口路灯不亮已经一周了",
    openid=CITIZEN,
    location=INSIDE,
    **extra,
):
    from weizheng.inquiries.actions import check_submit_inquiry

    return check_submit_inquiry(
        account=world["gov"],
        category_code=category,
        description=description,
        channel=extra.pop("channel", "h5"),
        openid=openid,
        latitude=location[0] if location else None,
        longitude=location[1] if location else None,
        **extra,
    )


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_staff(client, user)
    return client


def as_citizen(client: Client, account, openid: str) -> Client:
    from weizheng.wechat.oauth import OPENIDS_KEY

    session = client.session
    session[OPENIDS_KEY] = {str(account.pk): openid}
    session.save()
    return client
