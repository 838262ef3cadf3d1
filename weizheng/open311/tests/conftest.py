"""Personas of the Open311 tests. The city account `gov` (平安市政务服务) runs 问政: its
categories are 交通出行 (traffic → the traffic police, pete handles), 供水 (water, urgent → the
water company, wanda) and 市容环境 (city → the government office, dan handles; gina supervises).
The jurisdiction is 平安市's box around (30.5, 114.3). `hotline` is an API client with a key
for every account; `county_app` has a key for another account only. Messages in English."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET  # noqa: S405 - parsing our own answers in tests

import pytest
from django.core.cache import cache
from django.test import Client

from conftest import make_account
from weizheng.core.workdays import CACHE_KEY
from weizheng.staff.models import Department, Membership, Role

CITIZEN = "oGOVCITIZEN00000000000000000001"
INSIDE = (30.5800, 114.3000)
OUTSIDE = (39.9042, 116.4074)  # 北京
SWAGGER = json.loads(
    (Path(__file__).parent / "fixtures/open311-georeport-v2.swagger.json").read_text()
)


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.delete(CACHE_KEY)
    cache.clear()
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


@pytest.fixture
def world(db, django_user_model):
    from weizheng.inquiries.models import Category, InquirySettings
    from weizheng.open311.actions import do_create_client

    gov = make_account(
        "gov", mode="plain", app_id="wx9a8b7c6d5e4f3a2b", token="govtoken", name="平安市政务服务"
    )
    office = Department.objects.create(name="平安市政府办公室")
    office.accounts.add(gov)
    traffic = Department.objects.create(name="平安市公安局交警支队")
    water = Department.objects.create(name="平安水务集团客服中心")
    people = {}
    for username, department, role in (
        ("gina", office, Role.ADMINISTRATOR),
        ("dan", office, Role.HANDLER),
        ("pete", traffic, Role.HANDLER),
        ("wanda", water, Role.HANDLER),
    ):
        people[username] = django_user_model.objects.create_user(
            username, password=f"pw-{username}-123456", is_staff=True
        )
        Membership.objects.create(user=people[username], department=department, role=role)
    InquirySettings.objects.create(
        account=gov, min_latitude=30.3, max_latitude=30.9, min_longitude=114.0, max_longitude=114.6
    )
    categories = {}
    for position, (code, name, department, extra) in enumerate(
        (
            ("traffic", "交通出行", traffic, {"description": "红绿灯、道路拥堵、违停"}),
            ("water", "供水", water, {"is_urgent": True}),
            ("city", "市容环境", office, {}),
        )
    ):
        categories[code] = Category.objects.create(
            account=gov, code=code, name=name, department=department, position=position, **extra
        )
    police = make_account(
        "police", mode="plain", app_id="wx1111111111111111", token="policetoken", name="平安交警"
    )
    hotline, hotline_key = do_create_client(name="hotline")
    county_app, county_key = do_create_client(name="county-app", accounts=[police])
    return {
        "gov": gov,
        "police_account": police,
        "office": office,
        "traffic": traffic,
        "water": water,
        "categories": categories,
        "hotline": hotline,
        "key": hotline_key,
        "county_app": county_app,
        "county_key": county_key,
        **people,
    }


@pytest.fixture
def api() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def submit(world, *, category="city", description="滨江大道16号门口路灯不亮已经一周了", **extra):
    """A citizen's request from the H5 form (through the inquiries app's action)."""
    from weizheng.inquiries.actions import check_submit_inquiry

    location = extra.pop("location", INSIDE)
    return check_submit_inquiry(
        account=world["gov"],
        category_code=category,
        description=description,
        channel=extra.pop("channel", "h5"),
        openid=extra.pop("openid", CITIZEN),
        latitude=location[0] if location else None,
        longitude=location[1] if location else None,
        **extra,
    )


def xml(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)  # noqa: S314 - our own answer


def definition(name: str) -> dict:
    return SWAGGER["definitions"][name]


def fields(name: str) -> set[str]:
    return set(definition(name)["properties"])


def required(name: str) -> set[str]:
    return set(definition(name).get("required", []))


def children(element: ET.Element) -> dict[str, str]:
    return {child.tag: (child.text or "") for child in element}


PY_TYPES = {"string": str, "number": (int, float), "integer": int, "boolean": bool, "array": list}


def assert_schema(item: dict, name: str) -> None:
    """Exactly the definition's fields, the required ones present, each value of its type."""
    properties = definition(name)["properties"]
    assert set(item) == set(properties), name
    assert required(name) <= {key for key, value in item.items() if value is not None}, name
    for key, value in item.items():
        if value is not None:
            kind = properties[key]["type"]
            assert isinstance(value, PY_TYPES[kind]), (name, key, value)
            assert kind != "number" or not isinstance(value, bool)
            if "enum" in properties[key]:
                assert value in properties[key]["enum"], (name, key, value)
